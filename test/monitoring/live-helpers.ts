// Helpers for the live-monitoring suites: publish readings over the app's real broker and wait for
// the alerts the detectors raise through the real HTTP API.
import mqtt, { type MqttClient } from 'mqtt';
import { generateHistory, type ScheduledFault } from '../../src/simulator/history.ts';
import type { InstrumentType, SimInstrument } from '../../src/simulator/signals.ts';
import type { TestApp } from '../helpers/test-app.ts';

/** Settings that make the clocks quick enough for a test (the detectors themselves are unchanged). */
export const FAST_MONITORING_ENV = {
  DATA_GAP_CHECK_SECONDS: '0.2',
  ALERT_FLUSH_MS: '100',
  CUSUM_WARMUP_WINDOWS: '10',
  // 1 min CUSUM windows (the product default is 6 h) so a drift shows within a test.
  CUSUM_WINDOW_MINUTES: '1',
};

export async function connectPublisher(t: TestApp): Promise<MqttClient> {
  return mqtt.connectAsync(t.mqtt.url, {
    clientId: `test-pub-${Math.random().toString(16).slice(2, 10)}`,
    reconnectPeriod: 0,
  });
}

export interface Point {
  ts: number;
  value: number;
}

/** One JSON array message (the gateway format) of readings for one tag, QoS 1. */
export async function publish(
  t: TestApp,
  client: MqttClient,
  tag: string,
  unit: string,
  points: readonly Point[],
) {
  const prefix = t.mqtt.topicPrefix;
  const body = points.map((p) => ({ tag, timestamp: new Date(p.ts).toISOString(), value: p.value, unit }));
  await client.publishAsync(`${prefix}/${tag}`, JSON.stringify(body), { qos: 1 });
}

export interface AlertBody {
  id: number;
  instrument_id: number;
  tag: string;
  alert_type: string;
  severity: string;
  status: string;
  condition: string;
  message: string;
  details: Record<string, any> | null;
  first_seen: string;
  last_seen: string;
  occurrence_count: number;
  cleared_at: string | null;
  suppressed: boolean;
  acknowledged_by: number | null;
  resolved_by: number | null;
  resolution_notes: string | null;
}

export async function alertsOf(
  t: TestApp,
  instrumentId: number,
  query: Record<string, string> = {},
): Promise<AlertBody[]> {
  const qs = new URLSearchParams({
    instrument_id: String(instrumentId),
    status: 'all',
    limit: '100',
    ...query,
  });
  const res = await t.api('GET', `/api/alerts?${qs}`);
  if (res.status !== 200) throw new Error(`GET /api/alerts: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items as AlertBody[];
}

/** The simulator's view of a registered instrument, for generating its readings offline. */
export function simInstrument(i: Record<string, any>): SimInstrument {
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

/** Readings from the simulator's own signal and fault code, on the instrument's interval. */
export function simulated(
  i: SimInstrument,
  fromMs: number,
  toMs: number,
  faults: Omit<ScheduledFault, 'tag'>[] = [],
  seed = 7,
): Point[] {
  return [
    ...generateHistory([i], fromMs, toMs, i.publishIntervalSeconds, seed, {
      faults: faults.map((f) => ({ ...f, tag: i.tag })),
    }),
  ].map((r) => ({ ts: r.ts, value: r.value }));
}
