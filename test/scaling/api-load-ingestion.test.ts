// The API must not hold up ingestion: a reading's acknowledgement (PUBACK, sent after its commit)
// does not wait for a slow read the API is running (docs/scaling.md "The API and ingestion").
// On SQLite the heavy reads run in read-query worker threads (src/db/read-worker-dialect.ts); on
// PostgreSQL every query is asynchronous anyway. The publisher talks to the app's embedded broker,
// whose PUBACK is the app's own (an external broker would acknowledge on its own).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/readings/tiers.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { connectPublisher, reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

/** Raw readings bulk-written for one instrument: enough that a 6-hour trend takes well over 0.5 s. */
const HISTORY_ROWS = 600_000;

describe('the API and ingestion side by side', () => {
  let t: TestApp;
  let slowTag: string;
  let liveTag: string;
  const now = Date.now();

  beforeAll(async () => {
    t = await startTestApp({ env: { MQTT_BROKER: 'embedded', MQTT_PORT: '0' } });
    const slow = await makeInstrument(t, { range_min: 0, range_max: 100 });
    slowTag = slow.tag;
    liveTag = (await makeInstrument(t, { range_min: 0, range_max: 100 })).tag;
    // One statement writes the history (a recursive series on SQLite, generate_series on PostgreSQL).
    const step = Math.floor((6 * HOUR_MS - 60_000) / HISTORY_ROWS);
    const from = now - 6 * HOUR_MS + 30_000;
    const series =
      t.server.ctx.dialect === 'postgres'
        ? sql`select i from generate_series(0, ${HISTORY_ROWS - 1}) as i`
        : sql`with recursive s(i) as (select 0 union all select i + 1 from s where i < ${HISTORY_ROWS - 1}) select i from s`;
    await sql`insert into raw_readings (instrument_id, ts, value, quality)
      select ${slow.id}, cast(${from} as bigint) + i * cast(${step} as bigint), 40 + (i % 100) / 10.0, 'good' from (${series}) as series`.execute(
      t.server.ctx.db,
    );
  }, 180_000);
  afterAll(() => t?.stop());

  it('acknowledges readings while a slow API read runs', async () => {
    const client = await connectPublisher(t);
    try {
      const iso = (ms: number) => new Date(ms).toISOString();
      const started = performance.now();
      let answered: number | null = null;
      const slowRequest = t
        .api('GET', `/api/readings/trends?tag=${slowTag}&from=${iso(now - 6 * HOUR_MS)}&to=${iso(now)}`)
        .then((r) => {
          answered = performance.now();
          return r;
        });
      // One reading at a time, each waiting for its PUBACK, for as long as the request runs. A
      // blocked event loop would hold every PUBACK until the query ended: one round trip at most.
      const acked: number[] = [];
      let k = 0;
      while (answered === null) {
        await client.publishAsync(
          `${t.mqtt.topicPrefix}/${liveTag}`,
          JSON.stringify(reading(liveTag, now - 60_000 + k++, 50)),
          { qos: 1 },
        );
        if (answered === null) acked.push(performance.now());
      }
      const res = await slowRequest;
      expect(res.status).toBe(200);
      expect(res.body.points.length).toBeGreaterThan(100);
      const tookMs = (answered ?? 0) - started;
      // The request was genuinely slow (on SQLite > 500 ms; PostgreSQL answers it faster), so the
      // acknowledgements below mean something: a blocked loop would complete one round trip at most.
      expect(tookMs).toBeGreaterThan(250);
      // Acknowledged all along the request: several round trips completed while it ran.
      expect(acked.length).toBeGreaterThanOrEqual(5);
      expect(acked[0] - started).toBeLessThan(tookMs / 2);
    } finally {
      await client.endAsync();
    }
  }, 120_000);

  it('shows the event-loop delay of the ingesting thread in /metrics and /health', async () => {
    const metrics = await t.api('GET', '/metrics');
    expect(metrics.status).toBe(200);
    for (const stat of ['p50', 'p99', 'max'])
      expect(metrics.body).toMatch(
        new RegExp(`^cmms_event_loop_delay_ms\\{stat="${stat}"\\} \\d+(\\.\\d+)?$`, 'm'),
      );
    const health = await waitUntil(
      () => t.api('GET', '/health'),
      (r) => r.body.ingestion?.event_loop_delay_ms?.window_seconds >= 1,
      { what: 'a second of event-loop delay figures' },
    );
    const delay = health.body.ingestion.event_loop_delay_ms;
    expect(delay.p50_ms).toBeGreaterThanOrEqual(0);
    expect(delay.p99_ms).toBeGreaterThanOrEqual(delay.p50_ms);
    expect(delay.max_ms).toBeGreaterThanOrEqual(delay.p99_ms);
  });
});
