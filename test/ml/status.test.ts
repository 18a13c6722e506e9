import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitForJob } from '../helpers/wait.ts';
import { cleanReadings, MIN, simOf, storeReadings } from './ml-helpers.ts';

const DAY = 86_400_000;

describe('GET /api/instruments/{id}/status and the health score', () => {
  let t: TestApp;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestApp({ clock });
  });
  afterAll(() => t?.stop());

  it('returns the live parts, null where there is nothing yet, and the health score with its parts', async () => {
    const inst = await makeInstrument(t, { calibration_interval_days: 1, publish_interval_seconds: 5 });
    const tech = await makeUser(t, 'technician');
    const fresh = await t.api('GET', `/api/instruments/${inst.id}/status`, { token: tech.token });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({
      instrument_id: inst.id,
      tag: inst.tag,
      unit: 'bar',
      status: 'active',
      live: null,
      anomaly: null,
      model: null,
      open_alerts: [],
      calibration: { calibration_overdue: false },
    });
    // The monitor tracks every instrument: rule state, CUSUM sums vs h, stuck state.
    expect(fresh.body.cusum).toMatchObject({
      s_plus: 0,
      s_minus: 0,
      h: 5,
      k: 0.5,
      statistic: 0,
      ratio_to_h: 0,
    });
    expect(fresh.body.rules.conditions.map((c: any) => c.condition)).toContain('high_critical');
    expect(fresh.body.stuck).toMatchObject({ active: false });
    // No reading ever: freshness costs its full 15 points; calibration due in a day (inside the
    // 7-day warning) costs 5 x 6/7 = 4.3.
    expect(fresh.body.health_parts).toEqual({
      alerts: 0,
      drift: 0,
      anomaly: 0,
      freshness: 15,
      calibration: 4.3,
    });
    expect(fresh.body.health_score).toBe(81);

    // Three days on, a day-interval calibration is two days overdue, and a critical rule alert is open.
    clock.advance(3 * DAY);
    await t.refreshAdmin();
    await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'rule_violation',
      conditionKey: 'high_critical',
      severity: 'critical',
      message: 'above the high critical limit',
      at: clock.now().toISOString(),
    });
    const later = await t.api('GET', `/api/instruments/${inst.id}/status`);
    expect(later.body.calibration.calibration_overdue).toBe(true);
    expect(later.body.open_alerts).toMatchObject([{ alert_type: 'rule_violation', severity: 'critical' }]);
    // alerts 20 (critical, full weight); calibration 10 + 2 days / 3 = 10.7; freshness 15.
    expect(later.body.health_parts).toEqual({
      alerts: 20,
      drift: 0,
      anomaly: 0,
      freshness: 15,
      calibration: 10.7,
    });
    expect(later.body.health_score).toBe(54);
    expect(later.body.health_inputs).toMatchObject({
      open_alerts: [{ alert_type: 'rule_violation', severity: 'critical' }],
      cusum: { s_plus: 0, s_minus: 0, h: 5 },
      anomaly_score: null,
      last_reading_at: null,
      publish_interval_seconds: 5,
      calibration_overdue: true,
    });

    expect((await t.api('GET', '/api/instruments/999999/status')).status).toBe(404);
    expect((await t.api('GET', '/api/instruments/abc/status')).status).toBe(400);
    expect((await t.api('GET', `/api/instruments/${inst.id}/status`, { token: null })).status).toBe(401);
  });
});

function percentile(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

describe('the HTTP server during training', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('keeps answering GET /api/instruments while a large baseline trains (latency measured, not asserted)', async () => {
    const inst = await makeInstrument(t, { publish_interval_seconds: 5 });
    for (let i = 0; i < 20; i++) await makeInstrument(t);
    const end = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const start = end - 3 * DAY;
    await storeReadings(t, inst.id, cleanReadings(simOf(inst), start, end));
    const b0 = performance.now();
    const baseline = await t.api('POST', '/api/ml/baselines', {
      body: { tag: inst.tag, start: new Date(start).toISOString(), end: new Date(end).toISOString() },
    });
    const baselineMs = performance.now() - b0;
    expect(baseline.status).toBe(201);
    expect(baseline.body.windows).toBe(4320);

    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      expect((await t.api('GET', '/api/instruments')).status).toBe(200);
      idle.push(performance.now() - t0);
    }
    const res = await t.api('POST', `/api/ml/train/${inst.tag}`);
    expect(res.status).toBe(202);
    const during: number[] = [];
    let status = 'queued';
    while (status === 'queued' || status === 'running') {
      const t0 = performance.now();
      const list = await t.api('GET', '/api/instruments');
      during.push(performance.now() - t0);
      expect(list.status).toBe(200);
      status = (await t.api('GET', `/api/jobs/${res.body.job_id}`)).body.status;
    }
    const job = await waitForJob(t, res.body.job_id);
    expect(job.status).toBe('succeeded');
    const f = (x: number) => x.toFixed(1);
    console.log(
      `[latency] GET /api/instruments (21 instruments): idle p50 ${f(percentile(idle, 0.5))} ms; during training ` +
        `(${job.result_summary.windows_used} windows, ${job.result_summary.train_ms} ms in the worker) ` +
        `n=${during.length} p50 ${f(percentile(during, 0.5))} p95 ${f(percentile(during, 0.95))} ` +
        `max ${f(Math.max(...during))} ms; POST /api/ml/baselines over 51,840 readings ${f(baselineMs)} ms`,
    );
  });
});
