import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, DAY_MS, login, makeStandard, points, scanNow } from './cmms-fixtures.ts';

const MINUTE = 60_000;

describe('maintenance records, suppression after work, and preventive maintenance plans', () => {
  const clock = new ManualClock('2026-07-06T07:30:00.000Z');
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  let tech2: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    // PM_LEAD_DAYS=0: plans open their work when due (the lead time is tested in planning.test.ts).
    t = await startTestApp({ clock, env: { ALERT_SUPPRESSION_MINUTES: '45', PM_LEAD_DAYS: '0' } });
    tech = await makeUser(t, 'technician');
    tech2 = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  async function advance(ms: number) {
    clock.advance(ms);
    await t.refreshAdmin();
    tech.token = await login(t, tech.employee_number, tech.password);
    tech2.token = await login(t, tech2.employee_number, tech2.password);
  }

  it('records maintenance by the logged-in technician, or for another user by an admin; history per instrument', async () => {
    const inst = await makeInstrument(t);
    const performedAt = new Date(clock.now().getTime() - 10 * MINUTE).toISOString();
    const res = await t.api('POST', '/api/maintenance', {
      token: tech.token,
      body: {
        instrument_id: inst.id,
        action_type: 'cleaning',
        description: 'Impulse lines blown down',
        parts_used: 'none',
        duration_minutes: 25,
        performed_at: performedAt,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      technician_id: tech.id,
      action_type: 'cleaning',
      duration_minutes: 25,
      tag: inst.tag,
    });
    // The suppression window starts with the work (ALERT_SUPPRESSION_MINUTES=45 here).
    const after = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(after.body.suppressed_until).toBe(new Date(Date.parse(performedAt) + 45 * MINUTE).toISOString());

    const forOther = await t.api('POST', '/api/maintenance', {
      body: {
        instrument_id: inst.id,
        action_type: 'repair',
        description: 'Display replaced',
        technician_id: tech2.id,
      },
    });
    expect(forOther.status).toBe(201);
    expect(forOther.body.technician_id).toBe(tech2.id);
    const refused = await t.api('POST', '/api/maintenance', {
      token: tech.token,
      body: { instrument_id: inst.id, action_type: 'repair', description: 'x', technician_id: tech2.id },
    });
    expect(refused.status).toBe(403);
    const bad = await t.api('POST', '/api/maintenance', {
      token: tech.token,
      body: { instrument_id: inst.id, action_type: 'polishing', description: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('action_type');

    const history = await t.api('GET', `/api/instruments/${inst.id}/maintenance`, { token: tech.token });
    expect(history.body.total).toBe(2);
    expect(history.body.items.map((m: { id: number }) => m.id)).toEqual([forOther.body.id, res.body.id]);
    expect((await t.api('GET', `/api/maintenance?technician_id=${tech2.id}`)).body.items[0].id).toBe(
      forOther.body.id,
    );
    expect((await t.api('GET', '/api/instruments/999999/maintenance')).status).toBe(404);
    const audit = await t.api('GET', `/api/audit?entity_type=maintenance_record&entity_id=${res.body.id}`);
    expect(audit.body.items[0]).toMatchObject({ action: 'create', user_id: tech.id });
  });

  it('a calibration emits calibration.recorded (the CUSUM reset) and starts the suppression window', async () => {
    const inst = await makeInstrument(t);
    const std = await makeStandard(t, clock.now());
    const events: [number, string][] = [];
    const listener = (id: number, at: string) => events.push([id, at]);
    t.server.ctx.events.on('calibration.recorded', listener);
    try {
      const rec = await calibrate(
        t,
        { instrument_id: inst.id, reference_standard_id: std.id, points: points(0.1, 0) },
        tech.token,
      );
      expect(events).toEqual([[inst.id, rec.performed_at]]);
      const after = await t.api('GET', `/api/instruments/${inst.id}`);
      expect(after.body.suppressed_until).toBe(
        new Date(Date.parse(rec.performed_at) + 45 * MINUTE).toISOString(),
      );
    } finally {
      t.server.ctx.events.off('calibration.recorded', listener);
    }
    // A refused calibration changes nothing and emits nothing.
    const expired = await makeStandard(t, clock.now(), { calibratedDaysAgo: 800 });
    t.server.ctx.events.on('calibration.recorded', listener);
    try {
      const res = await t.api('POST', '/api/calibrations', {
        body: { instrument_id: inst.id, reference_standard_id: expired.id, points: points(0, 0) },
      });
      expect(res.status).toBe(422);
      expect(events).toHaveLength(1);
    } finally {
      t.server.ctx.events.off('calibration.recorded', listener);
    }
  });

  it('a PM plan opens its preventive work order when due, once, and moves to the next date', async () => {
    const inst = await makeInstrument(t);
    const firstDue = new Date(clock.now().getTime() + DAY_MS).toISOString();
    const created = await t.api('POST', '/api/pm-plans', {
      body: {
        instrument_id: inst.id,
        task: 'Blow down impulse lines',
        interval_days: 7,
        next_due: firstDue,
        priority: 'low',
        assigned_to: tech.id,
      },
    });
    expect(created.status).toBe(201);
    const plan = created.body;
    expect(plan).toMatchObject({ next_due: firstDue, due: false, is_active: true, assigned_to: tech.id });
    expect(
      (
        await t.api('POST', '/api/pm-plans', {
          token: tech.token,
          body: { instrument_id: inst.id, task: 'x', interval_days: 7 },
        })
      ).status,
    ).toBe(403);
    const badInterval = await t.api('POST', '/api/pm-plans', {
      body: { instrument_id: inst.id, task: 'x', interval_days: 0 },
    });
    expect(badInterval.status).toBe(400);
    expect(badInterval.body.error.details.field).toBe('interval_days');

    expect((await scanNow(t)).pm_work_orders_created).toBe(0);
    await advance(DAY_MS + 60 * MINUTE);
    const scans = [await scanNow(t), await scanNow(t)];
    expect(scans.map((s) => s.pm_work_orders_created)).toEqual([1, 0]);

    const orders = await t.api('GET', `/api/work-orders?source=pm&instrument_id=${inst.id}`);
    expect(orders.body.total).toBe(1);
    expect(orders.body.items[0]).toMatchObject({
      type: 'preventive',
      priority: 'low',
      assigned_to: tech.id,
      pm_plan_id: plan.id,
      title: 'PM: Blow down impulse lines',
    });
    const moved = await t.api('GET', `/api/pm-plans/${plan.id}`, { token: tech.token });
    expect(moved.body).toMatchObject({
      next_due: new Date(Date.parse(firstDue) + 7 * DAY_MS).toISOString(),
      due: false,
      last_work_order_id: orders.body.items[0].id,
    });
    const inbox = await t.api('GET', '/api/notifications', { token: tech.token });
    expect(inbox.body.items.map((n: { work_order_id: number }) => n.work_order_id)).toContain(
      orders.body.items[0].id,
    );

    // Down for three periods: one work order, and the plan skips to its next future date.
    await advance(22 * DAY_MS);
    expect((await scanNow(t)).pm_work_orders_created).toBe(1);
    expect((await t.api('GET', `/api/work-orders?source=pm&instrument_id=${inst.id}`)).body.total).toBe(2);
    const skipped = await t.api('GET', `/api/pm-plans/${plan.id}`);
    expect(skipped.body.next_due).toBe(new Date(Date.parse(firstDue) + 28 * DAY_MS).toISOString());

    // A paused plan creates nothing; changes are audited.
    await t.api('PATCH', `/api/pm-plans/${plan.id}`, { body: { is_active: false } });
    await advance(8 * DAY_MS);
    expect((await scanNow(t)).pm_work_orders_created).toBe(0);
    const audit = await t.api('GET', `/api/audit?entity_type=pm_plan&entity_id=${plan.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action).reverse()).toEqual([
      'create',
      'schedule',
      'schedule',
      'update',
    ]);
    expect((await t.api('DELETE', `/api/pm-plans/${plan.id}`)).status).toBe(200);
    expect((await t.api('GET', `/api/pm-plans/${plan.id}`)).status).toBe(404);
  });
});
