import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { TestApp } from './test-app.ts';
import { waitUntil } from './wait.ts';

export interface ReadingPayload {
  tag: string;
  timestamp: string;
  value: number;
  unit: string;
}

/** A reading for `tag` at `ts` (epoch ms or Date). */
export const reading = (tag: string, ts: number | Date, value: number, unit = 'bar'): ReadingPayload => ({
  tag,
  timestamp: new Date(ts).toISOString(),
  value,
  unit,
});

/** An mqtt.js publisher connected to the app's broker (close it with `await client.endAsync()`). */
export async function connectPublisher(t: TestApp): Promise<MqttClient> {
  return mqtt.connectAsync(t.mqtt.url, {
    clientId: `test-pub-${randomBytes(4).toString('hex')}`,
    reconnectPeriod: 0,
  });
}

/**
 * Publishes readings at QoS 1, one message per reading (to `<prefix>/<tag>`), or, with `array`, all
 * in one gateway message. Resolves when the broker has acknowledged every message.
 */
export async function publishReadings(
  t: TestApp,
  readings: ReadingPayload[],
  opts: { array?: boolean; client?: MqttClient } = {},
): Promise<void> {
  const client = opts.client ?? (await connectPublisher(t));
  try {
    if (opts.array) {
      await client.publishAsync(`${t.mqtt.topicPrefix}/gateway`, JSON.stringify(readings), { qos: 1 });
    } else {
      await Promise.all(
        readings.map((r) =>
          client.publishAsync(`${t.mqtt.topicPrefix}/${r.tag}`, JSON.stringify(r), { qos: 1 }),
        ),
      );
    }
  } finally {
    if (!opts.client) await client.endAsync();
  }
}

/** Ingestion counters from /health. */
export async function ingestionHealth(t: TestApp): Promise<Record<string, any>> {
  const res = await t.api('GET', '/health');
  return res.body.ingestion;
}

/** Waits until the app has stored (inserted or found already stored) at least `n` readings in total. */
export async function waitForStored(t: TestApp, n: number, timeoutMs = 20_000): Promise<void> {
  await waitUntil(
    () => ingestionHealth(t),
    (h) => h.stored_total + h.duplicates_total >= n,
    { timeoutMs, what: `${n} readings stored` },
  );
}
