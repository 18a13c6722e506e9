import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFromOthers, looSigma } from '../../src/detection/pca-model.ts';
import { activeGroupModels } from '../../src/ml/group-service.ts';
import { DEMO_INSTRUMENTS, DEMO_PROCESS_UNITS } from '../../src/seed/demo-instruments.ts';
import { DEMO_MODEL_TAGS } from '../../src/seed/demo-story.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';

// The demo start (npm run demo): the seed backfills 30 days of history for every demo instrument,
// trains a model per process unit, replays the history through the product's own detectors (the
// alerts below are found, not written) and the simulator starts with the server. Everything the
// story promises is read back through the API.

const DAY = 86_400_000;
const HOUR = 3_600_000;

interface Alert {
  id: number;
  tag: string | null;
  source: string | null;
  alert_type: string;
  condition: string;
  status: string;
  details: Record<string, unknown> | null;
  first_seen: string;
  cleared_at: string | null;
  work_order_id: number | null;
}

describe('demo start: seeded history, trained models, the detectors’ story and the simulator', () => {
  let t: TestApp;
  let started: number;
  beforeAll(async () => {
    started = Date.now();
    t = await startTestApp({ env: { SEED_DEMO: 'true', SIMULATOR_ENABLED: 'true' } });
    // History, training and replay on a shared 2-core machine under PostgreSQL can take a while (the
    // start-up figure itself comes from bench/demo-start.ts).
  }, 240_000);
  afterAll(() => t?.stop());

  const alerts = async (): Promise<Alert[]> =>
    (await t.api('GET', '/api/alerts?status=all&include_suppressed=true&limit=500')).body.items;
  const instrumentId = async (tag: string): Promise<number> =>
    (await t.api('GET', `/api/instruments?q=${tag}`)).body.items.find((i: { tag: string }) => i.tag === tag)
      .id;

  it('backfills raw readings for the last 7 days of every instrument, and tiers that agree', async () => {
    const db = t.server.ctx.db;
    const spans = await db
      .selectFrom('raw_readings')
      .innerJoin('instruments', 'instruments.id', 'raw_readings.instrument_id')
      .select((eb) => [
        'instruments.tag',
        eb.fn.min('raw_readings.ts').as('first'),
        eb.fn.countAll<number>().as('n'),
      ])
      .where('raw_readings.ts', '<', started)
      .groupBy('instruments.tag')
      .execute();
    expect(spans.map((s) => s.tag).sort()).toEqual(DEMO_INSTRUMENTS.map((d) => d.tag).sort());
    for (const s of spans) {
      // A reading every 2 minutes for a week (the raw retention; less a two-hour dropout on one), the
      // model instruments' last two hours at their publish interval.
      expect(Number(s.n)).toBeGreaterThan(7 * 720 - 70);
      expect(started - Number(s.first)).toBeGreaterThan(7 * DAY - 2 * 60_000);
      expect(started - Number(s.first)).toBeLessThan(7 * DAY + 60_000);
    }
    // The hourly and daily tiers hold the 30 days; whole days add up.
    const first = await db
      .selectFrom('readings_1d')
      .select((eb) => eb.fn.min('bucket').as('b'))
      .executeTakeFirstOrThrow();
    expect(started - Number(first.b)).toBeGreaterThan(30 * DAY);
    const lastDay = Math.floor(started / DAY) * DAY - DAY;
    const sum = async (table: 'readings_1m' | 'readings_1h' | 'readings_1d', from: number, to: number) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.sum<number>('count').as('n'))
            .where('bucket', '>=', from)
            .where('bucket', '<', to)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await sum('readings_1h', Number(first.b), lastDay)).toBe(
      await sum('readings_1d', Number(first.b), lastDay),
    );

    // The raw days' minutes come from the downsampler (its first pass, seconds after the start): then
    // minutes, hours and raw agree over the raw days.
    // (Minutes settle 2 minutes behind the clock: the pass reaches into the last hour of history.)
    const watermark = await waitFor('the downsampler through the raw days', async () => {
      const row = await db
        .selectFrom('system_state')
        .select('value')
        .where('key', '=', 'readings.1m.watermark')
        .executeTakeFirst();
      return row && Number(row.value) > started - HOUR ? Number(row.value) : null;
    });
    const from = Math.ceil((started - 7 * DAY + HOUR) / HOUR) * HOUR;
    const to = Math.floor(Math.min(watermark, started) / HOUR) * HOUR;
    const raw = await db
      .selectFrom('raw_readings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ts', '>=', from)
      .where('ts', '<', to)
      .where('quality', '=', 'good')
      .executeTakeFirstOrThrow();
    expect(await sum('readings_1m', from, to)).toBe(Number(raw.n));
    expect(await sum('readings_1h', from, to)).toBe(Number(raw.n));

    const pt = await instrumentId('PT-101');
    const hour = Math.floor((started - 3 * DAY) / HOUR) * HOUR;
    const hourly = await db
      .selectFrom('readings_1h')
      .selectAll()
      .where('instrument_id', '=', pt)
      .where('bucket', '=', hour)
      .executeTakeFirstOrThrow();
    const minutes = await db
      .selectFrom('readings_1m')
      .selectAll()
      .where('instrument_id', '=', pt)
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

    // The trend charts of the week and of the month have points at once.
    for (const days of [7, 30]) {
      const trend = await t.api(
        'GET',
        `/api/readings/trends?tag=PT-101&from=${new Date(started - days * DAY).toISOString()}&to=${new Date(started).toISOString()}`,
      );
      expect(trend.status).toBe(200);
      expect(trend.body.points.length).toBeGreaterThan(100);
    }
  });

  it('starts the simulator with the server; its readings reach the live values and the detectors', async () => {
    const status = await t.api('GET', '/api/simulator/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ running: true, instruments: DEMO_INSTRUMENTS.length });
    const id = await instrumentId('PT-101');
    const since = Date.parse(status.body.started_at);
    await waitFor('a live reading from the simulator', async () => {
      const i = await t.api('GET', `/api/instruments/${id}`);
      return i.body.last_reading && Date.parse(i.body.last_reading.timestamp) >= since;
    });
    const snap = t.server.ctx.monitor.snapshot(id);
    expect(snap?.last_reading?.quality).toBe('good');
    expect(snap?.readings.good).toBeGreaterThan(0);
    const health = await t.api('GET', '/health');
    expect(health.body.monitoring).toMatchObject({ status: 'ok', instruments: DEMO_INSTRUMENTS.length });
  });

  it('trains a model per process unit: a model group from the unit and an Isolation Forest', async () => {
    const units = (await t.api('GET', '/api/process-units?limit=100')).body.items as {
      id: number;
      name: string;
    }[];
    expect(units.map((u) => u.name).sort()).toEqual(DEMO_PROCESS_UNITS.map((u) => u.name).sort());
    const groups = (await t.api('GET', '/api/ml/model-groups?limit=100')).body.items as {
      name: string;
      process_unit_id: number;
      members: { tag: string }[];
      active_version: number | null;
    }[];
    for (const unit of units) {
      const group = groups.find((g) => g.process_unit_id === unit.id);
      expect(group?.active_version, unit.name).toBe(1);
      const tags = DEMO_INSTRUMENTS.filter((d) => d.unit_name === unit.name).map((d) => d.tag);
      expect(group?.members.map((m) => m.tag).sort()).toEqual(tags.sort());
      // One instrument of the unit has an Isolation Forest, trained by the admin.
      const tag = DEMO_MODEL_TAGS[unit.name];
      expect(DEMO_INSTRUMENTS.find((d) => d.tag === tag)?.unit_name).toBe(unit.name);
      const models = await t.api('GET', `/api/ml/models/${tag}`);
      expect(models.status).toBe(200);
      expect(models.body.active_version, tag).toBe(1);
      expect(models.body.items[0]).toMatchObject({ trained_by_name: 'Administrator' });
      expect(models.body.items[0].windows_used).toBeGreaterThan(100);
    }
    // The live scorer has them.
    for (const tag of Object.values(DEMO_MODEL_TAGS)) {
      expect(t.server.ctx.anomaly.snapshot(await instrumentId(tag))?.model_version, tag).toBe(1);
    }
  });

  it('tells the story the detectors found in the history, with the work done on it', async () => {
    const all = await alerts();
    const found = (tag: string, type: string, condition?: string) =>
      all.filter((a) => a.tag === tag && a.alert_type === type && (!condition || a.condition === condition));
    const list = JSON.stringify(all.map((a) => [a.tag ?? a.source, a.alert_type, a.condition, a.first_seen]));

    // The drift, found by its unit's model (residual CUSUM) hours before the start, with its rate.
    const drifts = all.filter((a) => a.alert_type === 'drift');
    expect(
      drifts.map((a) => a.tag),
      `only the drifting PT-202 is flagged: ${list}`,
    ).toEqual(['PT-202']);
    const drift = drifts[0];
    expect(drift.status).toBe('raised');
    expect(Date.parse(drift.first_seen)).toBeLessThan(started - HOUR);
    const rate = drift.details?.drift_rate_pct_span_per_day as number;
    // The simulator drifts it 6 % of span a day; the rate comes from the change point, fitted at
    // alarm time on the 4-5 hourly windows since the onset. How those windows fall on the clock
    // moves it: 3.8 to 15.7 over the hours of the day (src/detection/README.md, "Drift rate").
    expect(rate).toBeGreaterThan(2);
    expect(rate).toBeLessThan(18);
    // ... and the calibration interval it suggests.
    const interval = await t.api(
      'GET',
      `/api/instruments/${await instrumentId('PT-202')}/calibration-interval`,
    );
    expect(interval.body.prediction).toMatchObject({ basis: 'cusum_drift' });
    expect(interval.body.prediction.cusum_rate_pct_per_day).toBeCloseTo(rate, 6);
    expect(interval.body.predicted_interval_days).toBeGreaterThan(0);
    expect(interval.body.predicted_interval_days).toBeLessThan(interval.body.fixed_interval_days);
    expect(drift.work_order_id).not.toBeNull();
    const driftWo = await t.api('GET', `/api/work-orders/${drift.work_order_id}`);
    expect(driftWo.body).toMatchObject({ type: 'calibration', status: 'open', alert_id: drift.id });

    // An anomaly episode, scored by LT-201's Isolation Forest (the Boiler House model) in the last hour.
    const [anomaly] = found('LT-201', 'anomaly', 'isolation_forest');
    expect(anomaly, list).toBeDefined();
    expect(Date.parse(anomaly.first_seen)).toBeGreaterThan(started - 2 * HOUR);
    expect(anomaly.cleared_at).not.toBeNull();
    expect(anomaly.details).toMatchObject({ model_version: 1 });
    expect(anomaly.details?.score as number).toBeGreaterThan(anomaly.details?.model_threshold as number);
    expect(all.filter((a) => a.alert_type === 'anomaly')).toHaveLength(1);

    // The stuck sensor (acknowledged, its work order in progress) and the burn-out (repaired, resolved).
    const [stuck] = found('TT-203', 'instrument_fault', 'stuck');
    expect(stuck?.status, list).toBe('acknowledged');
    expect(Date.parse(stuck.first_seen)).toBeLessThan(started - 3 * DAY);
    const [burnout] = found('LT-402', 'instrument_fault', 'signal_low');
    expect(burnout?.status, list).toBe('resolved');
    const woStatus = async (id: number | null) => (await t.api('GET', `/api/work-orders/${id}`)).body.status;
    expect(await woStatus(stuck.work_order_id)).toBe('in_progress');
    expect(await woStatus(burnout.work_order_id)).toBe('completed');
    expect(new Set(all.map((a) => a.status))).toEqual(new Set(['raised', 'acknowledged', 'resolved']));
  });

  it('has a calibration failed as found and adjusted, a calibration and a PM plan due this week', async () => {
    const cals = (await t.api('GET', '/api/calibrations?limit=500')).body.items as {
      as_found_passed: boolean;
      as_left_passed: boolean;
    }[];
    expect(cals.some((c) => !c.as_found_passed && c.as_left_passed)).toBe(true);
    const week = (await t.api('GET', '/api/planning/upcoming?days=7')).body;
    const due = week.by_day.flatMap((d: { items: { kind: string; pm_plan_id: number | null }[] }) => d.items);
    expect(due.some((i: { kind: string }) => i.kind === 'calibration')).toBe(true);
    // The plan's work order is raised already (PM_LEAD_DAYS ahead): the week lists it with the order.
    expect(due.some((i: { pm_plan_id: number | null }) => i.pm_plan_id !== null)).toBe(true);
  });

  it('has rows in every report on first start, the anomalies report with both detectors', async () => {
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
    const report = (await t.api('GET', '/api/reports/anomalies')).body;
    const rows = report.rows as {
      tag: string;
      alert_type: string;
      drift_rate_pct_per_day: number | null;
    }[];
    expect(rows.find((r) => r.alert_type === 'anomaly')?.tag).toBe('LT-201');
    expect(rows.find((r) => r.alert_type === 'drift')?.drift_rate_pct_per_day).toBeGreaterThan(0);
  });

  it('keeps PT-202 drifting live, out of its unit model at once', async () => {
    const groups = await activeGroupModels(t.server.ctx.db);
    const group = groups.find((g) => g.name === 'Boiler House');
    if (!group?.model.drift) throw new Error('no Boiler House drift model');
    const tags = await t.server.ctx.db
      .selectFrom('instruments')
      .select(['id', 'tag'])
      .where('id', 'in', group.memberIds)
      .execute();
    const pt202 = group.memberIds.indexOf(tags.find((r) => r.tag === 'PT-202')?.id ?? -1);
    // The live simulator continues the history's drift (started 11 h before the seed), no restart at 0.
    const status = await t.api('GET', '/api/simulator/status');
    const fault = status.body.faults.find((f: { tag: string }) => f.tag === 'PT-202');
    expect(fault).toMatchObject({ kind: 'drift', params: { ratePctPerDay: 6 } });
    expect(Date.now() - Date.parse(fault.started_at)).toBeGreaterThan(10 * HOUR);
    // The first live readings, read against the other seven Boiler House instruments: PT-202 stands
    // out by far more than the residual CUSUM's h + k, and by most.
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
    const pca = group.model.drift.pca;
    const expected = expectedFromOthers(pca, values);
    const z = values.map((v, j) => (v - expected[j]) / looSigma(pca, j, undefined, true));
    expect(z[pt202]).toBeGreaterThan(5.5);
    expect(Math.abs(z[pt202])).toBe(Math.max(...z.map(Math.abs)));
    // Its residual CUSUM, latched in the history, goes on live.
    const snapshot = t.server.ctx.monitor.groupSnapshot(group.groupId);
    expect(snapshot?.members[pt202].residual_cusum).toMatchObject({ alarm_up: true });
  });
});
