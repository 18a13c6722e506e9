import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFromOthers, looSigma } from '../../src/detection/pca-model.ts';
import { activeGroupModels } from '../../src/ml/group-service.ts';
import { DEMO_INSTRUMENTS } from '../../src/seed/demo-instruments.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';

// The demo start (npm run demo): the seed backfills a week of history for every demo instrument
// and the simulator starts with the server, so every chart has data at once and keeps moving.

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('demo start: seeded history and the simulator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SEED_DEMO: 'true', SIMULATOR_ENABLED: 'true' } });
    // Thirty days of history and the detector replay: on a shared 2-core machine under PostgreSQL
    // this can pass a minute (the start-up figure itself comes from bench/demo-start.ts).
  }, 240_000);
  afterAll(() => t?.stop());

  it('backfills 7 days of readings for every demo instrument, with consistent downsampled tiers', async () => {
    const db = t.server.ctx.db;
    const now = Date.now();
    const spans = await db
      .selectFrom('raw_readings')
      .innerJoin('instruments', 'instruments.id', 'raw_readings.instrument_id')
      .select((eb) => [
        'instruments.tag',
        eb.fn.min('raw_readings.ts').as('first'),
        eb.fn.countAll<number>().as('n'),
      ])
      .groupBy('instruments.tag')
      .execute();
    expect(spans.map((s) => s.tag).sort()).toEqual(DEMO_INSTRUMENTS.map((d) => d.tag).sort());
    for (const s of spans) {
      // A week at 60 s steps (less a two-hour demo dropout on one instrument), plus live readings.
      expect(Number(s.n)).toBeGreaterThan(7 * 1440 - 130);
      expect(now - Number(s.first)).toBeGreaterThan(7 * DAY - 2 * 60_000);
      // Raw readings cover the last 7 days of the 30 (the raw retention); "now" is after the seed's
      // replay and start-up, which take a while on a busy machine.
      expect(now - Number(s.first)).toBeLessThan(7 * DAY + 10 * 60_000);
    }

    // Every tier holds the same readings: counts add up, and an hour is the mean of its minutes.
    const tier = async (table: 'readings_1m' | 'readings_1h' | 'readings_1d') =>
      db
        .selectFrom(table)
        .select((eb) => [eb.fn.sum<number>('count').as('n'), eb.fn.countAll<number>().as('rows')])
        .executeTakeFirstOrThrow();
    const [m, h, d] = await Promise.all([tier('readings_1m'), tier('readings_1h'), tier('readings_1d')]);
    expect(Number(m.n)).toBe(Number(h.n));
    expect(Number(h.n)).toBe(Number(d.n));
    expect(Number(h.rows)).toBeGreaterThan(22 * 7 * 24 - 1);

    const pt = await db
      .selectFrom('instruments')
      .select('id')
      .where('tag', '=', 'PT-101')
      .executeTakeFirstOrThrow();
    const hour = Math.floor((now - 3 * DAY) / HOUR) * HOUR;
    const hourly = await db
      .selectFrom('readings_1h')
      .selectAll()
      .where('instrument_id', '=', pt.id)
      .where('bucket', '=', hour)
      .executeTakeFirstOrThrow();
    const minutes = await db
      .selectFrom('readings_1m')
      .selectAll()
      .where('instrument_id', '=', pt.id)
      .where('bucket', '>=', hour)
      .where('bucket', '<', hour + HOUR)
      .execute();
    const count = minutes.reduce((a, r) => a + Number(r.count), 0);
    expect(Number(hourly.count)).toBe(count);
    expect(hourly.avg).toBeCloseTo(minutes.reduce((a, r) => a + r.avg * Number(r.count), 0) / count, 6);
    expect(hourly.min).toBe(Math.min(...minutes.map((r) => r.min)));
    expect(hourly.max).toBe(Math.max(...minutes.map((r) => r.max)));
    // Bucket semantics: floor(ts / tier) * tier.
    const misaligned = await sql<{
      n: number;
    }>`select count(*) as n from readings_1h where bucket % 3600000 <> 0`.execute(db);
    expect(Number(misaligned.rows[0].n)).toBe(0);

    // The trend chart of the week has points at once.
    const trend = await t.api(
      'GET',
      `/api/readings/trends?tag=PT-101&from=${new Date(now - 7 * DAY).toISOString()}&to=${new Date(now).toISOString()}`,
    );
    expect(trend.status).toBe(200);
    expect(trend.body.points.length).toBeGreaterThan(100);
  });

  it('starts the simulator with the server; its readings reach the live values and the detectors', async () => {
    const status = await t.api('GET', '/api/simulator/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ running: true, instruments: DEMO_INSTRUMENTS.length });
    const pt = await t.api('GET', '/api/instruments?q=PT-101');
    const id = pt.body.items.find((i: { tag: string }) => i.tag === 'PT-101').id as number;
    const started = Date.parse(status.body.started_at);
    await waitFor('a live reading from the simulator', async () => {
      const i = await t.api('GET', `/api/instruments/${id}`);
      return i.body.last_reading && Date.parse(i.body.last_reading.timestamp) >= started;
    });
    const snap = t.server.ctx.monitor.snapshot(id);
    expect(snap?.last_reading?.quality).toBe('good');
    expect(snap?.readings.good).toBeGreaterThan(0);
    const health = await t.api('GET', '/health');
    expect(health.body.monitoring).toMatchObject({ status: 'ok', instruments: DEMO_INSTRUMENTS.length });
    expect(Array.isArray(health.body.data_gaps)).toBe(true);
  });

  it('shows a drift: PT-202 keeps drifting live and stands out of its model group at once', async () => {
    const [group] = await activeGroupModels(t.server.ctx.db);
    expect(group?.name).toBe('Boiler House transmitters');
    expect(group.model.drift).not.toBeNull();
    const tags = await t.server.ctx.db
      .selectFrom('instruments')
      .select(['id', 'tag'])
      .where('id', 'in', group.memberIds)
      .execute();
    const tagOf = (id: number) => tags.find((r) => r.id === id)?.tag;
    expect(group.memberIds.map(tagOf)).toEqual(['PT-201', 'PT-202', 'TT-201', 'TT-202']);
    // The live simulator continues the history's drift (started 40 h before the seed), no restart at 0.
    const status = await t.api('GET', '/api/simulator/status');
    const drift = status.body.faults.find((f: { tag: string }) => f.tag === 'PT-202');
    expect(drift).toMatchObject({ kind: 'drift', params: { ratePctPerDay: 4 } });
    expect(Date.now() - Date.parse(drift.started_at)).toBeGreaterThan(39 * HOUR);
    // What the group's residual CUSUM will see at its first live window: PT-202, read against the
    // other three, is off by ~2 bar (6.7 % of its span). The mean of the first live readings, in the
    // residual sigma the CUSUM uses (with its autocorrelation factor), is past h + k = 5.5: the
    // first complete window alone alarms.
    const since = Date.parse(status.body.started_at);
    const values = await waitFor(
      'five live readings of each member',
      async () => {
        const rows = await t.server.ctx.db
          .selectFrom('raw_readings')
          .select([
            'instrument_id',
            (eb) => eb.fn.avg<number>('value').as('avg'),
            (eb) => eb.fn.countAll<number>().as('n'),
          ])
          .where('instrument_id', 'in', group.memberIds)
          .where('ts', '>=', since)
          .where('quality', '=', 'good')
          .groupBy('instrument_id')
          .execute();
        const v = group.memberIds.map((id) => rows.find((r) => r.instrument_id === id));
        return v.every((r) => r && Number(r.n) >= 5) ? v.map((r) => Number(r?.avg)) : null;
      },
      60_000,
    );
    const pca = group.model.drift?.pca;
    if (!pca) throw new Error('no drift model');
    const expected = expectedFromOthers(pca, values);
    const z = values.map((v, j) => (v - expected[j]) / looSigma(pca, j, undefined, true));
    expect(z[1]).toBeGreaterThan(5.5);
    expect(Math.abs(z[1])).toBe(Math.max(...z.map(Math.abs)));
    expect(t.server.ctx.monitor.groupSnapshot(group.groupId)?.members).toHaveLength(4);
  });

  it('tells a story the detectors found: drift, stuck, burn-out, alerts in each state with work orders', async () => {
    const db = t.server.ctx.db;
    const alerts = await db
      .selectFrom('alert_records')
      .innerJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
      .select([
        'alert_records.id',
        'alert_records.alert_type',
        'alert_records.condition_key',
        'alert_records.status',
        'alert_records.details',
        'alert_records.first_seen',
        'instruments.tag',
      ])
      .where('alert_records.suppressed', '=', 0)
      .execute();
    const seedTime = Date.now();
    // Found in the history by the detectors (first seen in the past, not at start-up).
    const drift = alerts.find((a) => a.tag === 'PT-401' && a.alert_type === 'drift');
    expect(drift, JSON.stringify(alerts.map((a) => [a.tag, a.alert_type, a.condition_key]))).toBeDefined();
    expect(Date.parse(drift?.first_seen ?? '')).toBeLessThan(seedTime - HOUR);
    const details = JSON.parse(drift?.details ?? '{}');
    expect(details.drift_rate_pct_span_per_day).toBeGreaterThan(0);
    const stuck = alerts.find((a) => a.tag === 'TT-203' && a.condition_key === 'stuck');
    expect(stuck?.status).toBe('acknowledged');
    expect(Date.parse(stuck?.first_seen ?? '')).toBeLessThan(seedTime - 3 * DAY);
    const burnout = alerts.find((a) => a.tag === 'LT-402' && a.condition_key === 'signal_low');
    expect(burnout?.status).toBe('resolved');
    expect(new Set(alerts.map((a) => a.status))).toEqual(new Set(['raised', 'acknowledged', 'resolved']));

    // The work orders raised from them, through the work-order service.
    const wos = await db
      .selectFrom('work_orders')
      .select(['alert_id', 'status'])
      .where('alert_id', 'is not', null)
      .execute();
    const woOf = (id?: number) => wos.find((w) => w.alert_id === id)?.status;
    expect(woOf(stuck?.id)).toBe('in_progress');
    expect(woOf(burnout?.id)).toBe('completed');
    expect(woOf(drift?.id)).toBeDefined();

    // A calibration and a PM task fall due this week; one calibration failed as found, passed as left.
    const week = new Date(seedTime + 7 * DAY).toISOString();
    const dueCal = await db
      .selectFrom('calibration_records')
      .select('id')
      .where('next_due_at', '>', new Date(seedTime).toISOString())
      .where('next_due_at', '<=', week)
      .execute();
    expect(dueCal.length).toBeGreaterThan(0);
    // The plan due this week has its work order already (PM_LEAD_DAYS ahead), due on the plan's date.
    const duePm = await db
      .selectFrom('work_orders')
      .select('id')
      .where('pm_plan_id', 'is not', null)
      .where('due_date', '>', new Date(seedTime).toISOString())
      .where('due_date', '<=', week)
      .execute();
    expect(duePm.length).toBeGreaterThan(0);
    const adjusted = await db
      .selectFrom('calibration_records')
      .select('id')
      .where('as_found_passed', '=', 0)
      .where('as_left_passed', '=', 1)
      .execute();
    expect(adjusted.length).toBeGreaterThan(0);

    // Every report has rows on first start, the anomalies report included.
    for (const key of [
      'calibration',
      'maintenance',
      'health-status',
      'anomalies',
      'compliance',
      'work-orders',
    ]) {
      const res = await t.api('GET', `/api/reports/${key}`);
      expect(res.status, `${key}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
      expect(res.body.total_rows, key).toBeGreaterThan(0);
    }
  });
});
