// Helpers for the ML suites: stored readings for baselines, job polling, MQTT publishing.
import mqtt from 'mqtt';
import { expect } from 'vitest';
import { generateHistory } from '../../src/simulator/history.ts';
import type { InstrumentType, SimInstrument } from '../../src/simulator/signals.ts';
import type { TestApp } from '../helpers/test-app.ts';

export const MIN = 60_000;

/** The simulator's view of a registered instrument. */
export function simOf(i: Record<string, any>): SimInstrument {
  return {
    id: i.id,
    tag: i.tag,
    type: i.type as InstrumentType,
    unit: i.unit,
    rangeMin: i.range_min,
    rangeMax: i.range_max,
    nominalValue: i.nominal_value,
    publishIntervalSeconds: i.publish_interval_seconds,
  };
}

/** Clean simulated readings of one instrument on its publish interval, [fromMs, toMs). */
export function cleanReadings(i: SimInstrument, fromMs: number, toMs: number, seed = 5) {
  return [...generateHistory([i], fromMs, toMs, i.publishIntervalSeconds, seed)].map((r) => ({
    ts: r.ts,
    value: r.value,
  }));
}

/**
 * Stores readings as ingestion would have (raw_readings, quality good), in batches: history for a
 * baseline, hours of it, without hours of publishing.
 */
export async function storeReadings(
  t: TestApp,
  instrumentId: number,
  points: { ts: number; value: number }[],
) {
  const db = t.server.ctx.db;
  for (let i = 0; i < points.length; i += 1000) {
    await db
      .insertInto('raw_readings')
      .values(
        points
          .slice(i, i + 1000)
          .map((p) => ({ instrument_id: instrumentId, ts: p.ts, value: p.value, quality: 'good' })),
      )
      .execute();
  }
}

/** Publishes readings for one tag over the app's real broker, as a gateway would (JSON arrays, QoS 1). */
export async function publishReadings(
  t: TestApp,
  tag: string,
  unit: string,
  points: { ts: number; value: number }[],
) {
  const client = await mqtt.connectAsync(t.mqtt.url, {
    clientId: `ml-test-${Math.random().toString(16).slice(2, 10)}`,
    reconnectPeriod: 0,
  });
  try {
    for (let i = 0; i < points.length; i += 50) {
      const body = points
        .slice(i, i + 50)
        .map((p) => ({ tag, timestamp: new Date(p.ts).toISOString(), value: p.value, unit }));
      await client.publishAsync(`${t.mqtt.topicPrefix}/${tag}`, JSON.stringify(body), { qos: 1 });
    }
  } finally {
    await client.endAsync();
  }
}

/**
 * Activations as the audit log has them, in commit order: each must name as the old active version
 * the one the activation before it made active (a stale read would name the version it replaced).
 */
export function expectChainedActivations(
  items: {
    id: number;
    old_value: { active_version: number | null };
    new_value: { active_version: number };
  }[],
) {
  const rows = [...items].sort((a, b) => a.id - b.id);
  expect(rows.length).toBeGreaterThan(1);
  for (let i = 1; i < rows.length; i++)
    expect(rows[i].old_value.active_version).toBe(rows[i - 1].new_value.active_version);
}
