import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, DAY_MS, login, makeStandard, points, scanNow } from './cmms-fixtures.ts';

describe('calibration due dates, the overdue scan and the condition-based interval', () => {
  const clock = new ManualClock('2026-03-02T08:00:00.000Z');
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp({ clock });
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  /** Moves the injected clock; sessions last 8 hours, so log in again. */
  async function advance(ms: number) {
    clock.advance(ms);
    await t.refreshAdmin();
    tech.token = await login(t, tech.employee_number, tech.password);
  }

  const overdueAlerts = async (instrumentId: number) =>
    (
      await t.api(
        'GET',
        `/api/alerts?alert_type=calibration_overdue&instrument_id=${instrumentId}&status=all`,
      )
    ).body;
  const overdueOrders = async (instrumentId: number) =>
    (await t.api('GET', `/api/work-orders?source=calibration_overdue&instrument_id=${instrumentId}`)).body;

  it('past the due date: one calibration_overdue alert and one work order, however many scans run', async () => {
    const inst = await makeInstrument(t, { calibration_interval_days: 30, criticality: 'high' });
    const std = await makeStandard(t, clock.now());
    const first = await calibrate(
      t,
      { instrument_id: inst.id, reference_standard_id: std.id, points: points(0.1, 0) },
      tech.token,
    );
    const due = new Date(clock.now().getTime() + 30 * DAY_MS).toISOString();
    expect(first.next_due_at).toBe(due);

    expect((await scanNow(t)).calibration.overdue).toBe(0);
    expect((await overdueAlerts(inst.id)).total).toBe(0);

    await advance(31 * DAY_MS);
    const scans = [await scanNow(t), await scanNow(t), await scanNow(t)];
    const total = (k: 'alerts_raised' | 'work_orders_created') =>
      scans.reduce((n, s) => n + s.calibration[k], 0);
    expect([total('alerts_raised'), total('work_orders_created')]).toEqual([1, 1]);
    await advance(3_600_000); // the next hourly scan
    await scanNow(t);

    const alerts = await overdueAlerts(inst.id);
    expect(alerts.total).toBe(1);
    const alert = alerts.items[0];
    expect(alert).toMatchObject({ condition: due.slice(0, 10), status: 'raised', severity: 'warning' });
    expect(alert.occurrence_count).toBeGreaterThanOrEqual(4);
    const orders = await overdueOrders(inst.id);
    expect(orders.total).toBe(1);
    const wo = orders.items[0];
    expect(wo).toMatchObject({ type: 'calibration', priority: 'high', status: 'open', alert_id: alert.id });
    expect(alert.work_order_id).toBe(wo.id);
    const inst1 = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(inst1.body.calibration_overdue).toBe(true);

    // The technician calibrates under the work order: the overdue condition clears, the order links.
    const rec = await calibrate(
      t,
      {
        instrument_id: inst.id,
        reference_standard_id: std.id,
        points: points(0.2, 0.05),
        work_order_id: wo.id,
      },
      tech.token,
    );
    const cleared = (await overdueAlerts(inst.id)).items[0];
    expect(cleared.cleared_at).toBe(clock.now().toISOString());
    const linked = await t.api('GET', `/api/work-orders/${wo.id}`);
    expect(linked.body.calibration_record_id).toBe(rec.id);
    expect(
      (
        await t.api('PATCH', `/api/work-orders/${wo.id}`, {
          token: tech.token,
          body: { status: 'in_progress' },
        })
      ).status,
    ).toBe(200);
    const done = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: {
        status: 'completed',
        completion_notes: 'Calibrated, within tolerance',
        actual_duration_minutes: 50,
        parts_used: 'none',
      },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', calibration_record_id: rec.id });
    expect((await t.api('GET', `/api/calibrations/${rec.id}`)).body.work_order_id).toBe(wo.id);

    await scanNow(t);
    expect((await overdueOrders(inst.id)).total).toBe(1);

    // The next due date passes too: one more alert and one more work order, for that date.
    await advance(31 * DAY_MS);
    await scanNow(t);
    await scanNow(t);
    const later = await overdueAlerts(inst.id);
    expect(later.total).toBe(2);
    expect(later.items[0].condition).toBe(
      new Date(Date.parse(rec.performed_at) + 30 * DAY_MS).toISOString().slice(0, 10),
    );
    expect((await overdueOrders(inst.id)).total).toBe(2);
  });

  it('a restarted server scans at start and still keeps one alert and one work order per due date', async () => {
    const inst = await makeInstrument(t, { calibration_interval_days: 10 });
    await advance(11 * DAY_MS);
    await scanNow(t);
    const again = await startTestApp({ clock, databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    try {
      const res = await again.api('POST', '/api/maintenance/scan-now');
      expect(res.status).toBe(200);
    } finally {
      await again.server.stop();
    }
    expect((await overdueAlerts(inst.id)).total).toBe(1);
    expect((await overdueOrders(inst.id)).total).toBe(1);
  });

  it('predicts the interval from as-found history and CUSUM drift; an admin switches to it, audited', async () => {
    const inst = await makeInstrument(t, { accuracy_class: 0.5, calibration_interval_days: 365 });
    const std = await makeStandard(t, clock.now(), { validDays: 1000 });
    const none = await t.api('GET', `/api/instruments/${inst.id}/calibration-interval`, {
      token: tech.token,
    });
    expect(none.body).toMatchObject({
      fixed_interval_days: 365,
      predicted_interval_days: null,
      effective_interval_days: 365,
    });
    expect(none.body.prediction.basis).toBe('insufficient_data');

    await calibrate(t, { instrument_id: inst.id, reference_standard_id: std.id, points: points(0.1, 0) });
    await advance(100 * DAY_MS);
    // Found 0.3 % of span off after 100 days, left at 0.05 %: 0.003 %/day; (0.5 - 0.05) / 0.003 = 150 days.
    const second = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(0.3, 0.05),
    });
    const byHistory = await t.api('GET', `/api/instruments/${inst.id}/calibration-interval`);
    expect(byHistory.body).toMatchObject({
      fixed_interval_days: 365,
      predicted_interval_days: 120, // 150 days x 0.8 safety factor
      use_predicted_interval: false,
      effective_interval_days: 365,
      next_due_fixed: new Date(Date.parse(second.performed_at) + 365 * DAY_MS).toISOString(),
      next_due_predicted: new Date(Date.parse(second.performed_at) + 120 * DAY_MS).toISOString(),
    });
    expect(byHistory.body.prediction).toMatchObject({
      basis: 'as_found_history',
      history_rate_pct_per_day: 0.003,
    });

    // CUSUM reports a faster drift: 0.01 % of span per day -> 45 days to tolerance, 36 with the margin.
    await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'drift',
      conditionKey: 'cusum_up',
      severity: 'warning',
      message: 'drift up',
      details: { direction: 'up', drift_rate_per_day: 0.001, drift_rate_pct_span_per_day: 0.01 },
      at: clock.now().toISOString(),
    });
    const byDrift = await t.api('GET', `/api/instruments/${inst.id}/calibration-interval`);
    expect(byDrift.body.predicted_interval_days).toBe(36);
    expect(byDrift.body.prediction).toMatchObject({ basis: 'cusum_drift', cusum_rate_pct_per_day: 0.01 });

    const instBefore = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(instBefore.body.effective_interval_days).toBe(365);
    const switched = await t.api('PATCH', `/api/instruments/${inst.id}`, {
      body: { use_predicted_interval: true },
    });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({
      use_predicted_interval: true,
      predicted_interval_days: 36,
      effective_interval_days: 36,
    });
    expect(switched.body.next_calibration_due).toBe(
      new Date(Date.parse(second.performed_at) + 36 * DAY_MS).toISOString(),
    );

    const audit = await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${inst.id}&action=update`);
    expect(audit.body.items[0].old_value).toMatchObject({
      use_predicted_interval: false,
      effective_interval_days: 365,
    });
    expect(audit.body.items[0].new_value).toMatchObject({
      use_predicted_interval: true,
      effective_interval_days: 36,
    });

    const asTech = await t.api('PATCH', `/api/instruments/${inst.id}`, {
      token: tech.token,
      body: { use_predicted_interval: false },
    });
    expect(asTech.status).toBe(403);

    // On the predicted interval the overdue scan follows it.
    await advance(37 * DAY_MS);
    await scanNow(t);
    expect((await overdueAlerts(inst.id)).total).toBe(1);
  });
});
