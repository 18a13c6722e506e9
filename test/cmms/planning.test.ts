import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAllScans } from '../../src/scans/scheduler.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';
import { DAY_MS, scanNow } from './cmms-fixtures.ts';

// Planning ahead (issue 18, part 6): work raised a lead time before it falls due, due on the due
// date; the overdue alert within a minute of the due time; GET /api/planning/upcoming.

const workOrders = async (t: TestApp, q: string) => (await t.api('GET', `/api/work-orders?${q}`)).body;

async function makePlan(
  t: TestApp,
  instrumentId: number,
  nextDue: Date,
  extra: Record<string, unknown> = {},
) {
  const res = await t.api('POST', '/api/pm-plans', {
    body: {
      instrument_id: instrumentId,
      task: 'Check impulse lines',
      interval_days: 90,
      next_due: nextDue.toISOString(),
      ...extra,
    },
  });
  if (res.status !== 201) throw new Error(`makePlan: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; next_due: string };
}

describe('work raised a lead time before it falls due (PM_LEAD_DAYS, CALIBRATION_LEAD_DAYS = 14)', () => {
  const clock = new ManualClock('2026-05-04T06:00:00.000Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(() => t?.stop());

  it('a PM plan due in 10 days gets its work order now, due on the plan date; one due in 20 days does not', async () => {
    const inst = await makeInstrument(t);
    const in10 = new Date(clock.now().getTime() + 10 * DAY_MS);
    const in20 = new Date(clock.now().getTime() + 20 * DAY_MS);
    const soon = await makePlan(t, inst.id, in10);
    const later = await makePlan(t, inst.id, in20);

    const scan = await scanNow(t);
    expect(scan.pm_work_orders_created).toBe(1);
    const orders = await workOrders(t, `source=pm&instrument_id=${inst.id}`);
    expect(orders.total).toBe(1);
    expect(orders.items[0]).toMatchObject({
      pm_plan_id: soon.id,
      due_date: in10.toISOString(),
      overdue: false,
      type: 'preventive',
    });
    // The plan moves one interval on from its own date, not from now.
    const moved = (await t.api('GET', `/api/pm-plans/${soon.id}`)).body;
    expect(moved.next_due).toBe(new Date(in10.getTime() + 90 * DAY_MS).toISOString());
    expect((await t.api('GET', `/api/pm-plans/${later.id}`)).body.next_due).toBe(in20.toISOString());
    expect((await scanNow(t)).pm_work_orders_created).toBe(0);

    // Six days on, the second plan is within 14 days: its order comes, due on its date.
    clock.advance(6 * DAY_MS + 1);
    await t.refreshAdmin();
    expect((await scanNow(t)).pm_work_orders_created).toBe(1);
    const both = await workOrders(t, `source=pm&instrument_id=${inst.id}`);
    expect(both.items.map((w: { due_date: string }) => w.due_date).sort()).toEqual([
      in10.toISOString(),
      in20.toISOString(),
    ]);
  });

  it('a calibration due in 10 days gets its work order now, due on the calibration date; due in 20 days does not; the overdue alert then links to it', async () => {
    const soon = await makeInstrument(t, { calibration_interval_days: 30, criticality: 'high' });
    const later = await makeInstrument(t, { calibration_interval_days: 40 });
    const soonDue = new Date(clock.now().getTime() + 30 * DAY_MS).toISOString();
    clock.advance(20 * DAY_MS);
    await t.refreshAdmin();

    const scan = await scanNow(t);
    expect(scan.calibration_work_orders_ahead).toBe(1);
    const planned = await workOrders(t, `instrument_id=${soon.id}`);
    expect(planned.total).toBe(1);
    expect(planned.items[0]).toMatchObject({
      source: 'calibration_due',
      type: 'calibration',
      priority: 'high',
      due_date: soonDue,
      alert_id: null,
      title: `${soon.tag}: calibration due ${soonDue.slice(0, 10)}`,
    });
    expect((await workOrders(t, `instrument_id=${later.id}`)).total).toBe(0);
    expect((await scanNow(t)).calibration_work_orders_ahead).toBe(0);

    // Past the due date: the overdue alert is raised and linked to the same order, no second one.
    clock.advance(11 * DAY_MS);
    await t.refreshAdmin();
    const overdue = await scanNow(t);
    expect(overdue.calibration.alerts_raised).toBeGreaterThanOrEqual(1);
    const after = await workOrders(t, `instrument_id=${soon.id}`);
    expect(after.total).toBe(1);
    const alerts = (
      await t.api('GET', `/api/alerts?alert_type=calibration_overdue&instrument_id=${soon.id}&status=all`)
    ).body;
    expect(alerts.total).toBe(1);
    expect(after.items[0]).toMatchObject({ id: planned.items[0].id, alert_id: alerts.items[0].id });
    expect(alerts.items[0].work_order_id).toBe(planned.items[0].id);
  });
});

describe('two scans at once raise one work order per due item', () => {
  const clock = new ManualClock('2026-06-01T06:00:00.000Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(() => t?.stop());

  it('PM plans, calibrations due ahead and overdue calibrations', async () => {
    const instruments = await Promise.all(
      [0, 1, 2, 3].map(() => makeInstrument(t, { calibration_interval_days: 20 })),
    );
    const overdueInst = await makeInstrument(t, { calibration_interval_days: 1 });
    for (const inst of instruments) await makePlan(t, inst.id, new Date(clock.now().getTime() + 5 * DAY_MS));
    clock.advance(10 * DAY_MS); // calibrations due in 10 days, PM plans 5 days overdue, one calibration overdue
    await t.refreshAdmin();
    const ctx = t.server.ctx;
    const results = await Promise.all([runAllScans(ctx), runAllScans(ctx), runAllScans(ctx)]);
    const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + f(r), 0);
    expect(sum((r) => r.pm_work_orders_created)).toBe(4);
    expect(sum((r) => r.calibration_work_orders_ahead)).toBe(4);
    expect(sum((r) => r.calibration.work_orders_created)).toBe(1);
    expect(sum((r) => r.calibration.alerts_raised)).toBe(1);
    for (const inst of instruments) {
      const orders = await workOrders(t, `instrument_id=${inst.id}&limit=50`);
      const bySource = (s: string) => orders.items.filter((w: { source: string }) => w.source === s).length;
      expect([bySource('pm'), bySource('calibration_due')], inst.tag).toEqual([1, 1]);
    }
    expect((await workOrders(t, `instrument_id=${overdueInst.id}`)).total).toBe(1);
    // The audit holds one creation per order.
    const audit = await t.api('GET', '/api/audit?entity_type=work_order&action=create&limit=100');
    expect(audit.body.total).toBe(9);
  });
});

describe('calibration_overdue within a minute of the due time (not at the hourly scan)', () => {
  const clock = new ManualClock('2026-08-03T06:00:00.000Z');
  let t: TestApp;
  beforeAll(async () => {
    // The due check every second here (60 s by default), so the test waits for the outcome briefly.
    t = await startTestApp({ clock, env: { CALIBRATION_DUE_CHECK_SECONDS: '1' } });
  });
  afterAll(() => t?.stop());

  it('raises the alert and its work order once the due time passes, by the timed check alone', async () => {
    const inst = await makeInstrument(t, { calibration_interval_days: 2 });
    const due = Date.parse(inst.created_at as string) + 2 * DAY_MS;
    const alerts = async () =>
      (await t.api('GET', `/api/alerts?alert_type=calibration_overdue&instrument_id=${inst.id}&status=all`))
        .body;
    // A second before the due time nothing is raised, whatever the check does.
    clock.set(due - 1_000);
    await t.refreshAdmin();
    const before = await t.server.ctx.db
      .selectFrom('alert_records')
      .select('id')
      .where('instrument_id', '=', inst.id)
      .execute();
    expect(before).toEqual([]);
    clock.set(due + 30_000);
    await t.refreshAdmin();
    const raised = await waitFor('the calibration_overdue alert', async () => {
      const a = await alerts();
      return a.total > 0 ? a : null;
    });
    expect(raised.total).toBe(1);
    expect(raised.items[0].condition).toBe(new Date(due).toISOString().slice(0, 10));
    // The work order follows its alert (the alert's subscriber opens it).
    const orders = await waitFor('the work order', async () => {
      const o = await workOrders(t, `instrument_id=${inst.id}`);
      return o.total > 0 ? o : null;
    });
    expect(orders.total).toBe(1);
    expect(orders.items[0]).toMatchObject({
      alert_id: raised.items[0].id,
      due_date: new Date(due).toISOString(),
    });
  });
});

describe('GET /api/planning/upcoming', () => {
  const clock = new ManualClock('2026-09-07T06:00:00.000Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(() => t?.stop());

  it('validates days', async () => {
    for (const days of ['0', '366', 'abc', '1.5']) {
      const res = await t.api('GET', `/api/planning/upcoming?days=${days}`);
      expect(res.status, days).toBe(400);
      expect(res.body.error.details.field ?? res.body.error.message).toMatch(/days/);
    }
    expect((await t.api('GET', '/api/planning/upcoming?process_unit_id=0')).status).toBe(400);
    expect((await t.api('GET', '/api/planning/upcoming', { token: null })).status).toBe(401);
    expect((await t.api('GET', '/api/planning/upcoming?days=365')).status).toBe(200);
  });

  it('lists calibrations, PM occurrences and open work orders by day, filtered by unit and person', async () => {
    const tech = await makeUser(t, 'technician');
    const unit = (await t.api('POST', '/api/process-units', { body: { name: `Boiler ${Date.now()}` } })).body;
    const other = (await t.api('POST', '/api/process-units', { body: { name: `Other ${Date.now()}` } })).body;
    const cal = await makeInstrument(t, { calibration_interval_days: 12, process_unit_id: unit.id });
    const pmInst = await makeInstrument(t, { calibration_interval_days: 365, process_unit_id: other.id });
    const now = clock.now().getTime();
    const plan = await makePlan(t, pmInst.id, new Date(now + 20 * DAY_MS), {
      interval_days: 7,
      assigned_to: tech.id,
    });
    const manual = await t.api('POST', '/api/work-orders', {
      body: {
        instrument_id: pmInst.id,
        title: 'Replace gasket',
        type: 'corrective',
        due_date: new Date(now + 3 * DAY_MS).toISOString(),
        assigned_to: tech.id,
      },
    });
    expect(manual.status).toBe(201);

    const res = await t.api('GET', '/api/planning/upcoming?days=30', { token: tech.token });
    expect(res.status).toBe(200);
    const all = res.body;
    expect(all).toMatchObject({ days: 30, from: clock.now().toISOString(), time_zone: 'UTC', overdue: [] });
    const flat = all.by_day.flatMap((d: { date: string; items: any[] }) =>
      d.items.map((i) => ({ ...i, date: d.date })),
    );
    const mine = flat.filter((i: { instrument_id: number }) => [cal.id, pmInst.id].includes(i.instrument_id));
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect(mine.map((i: any) => [i.kind, i.date, i.tag])).toEqual([
      ['work_order', dayOf(now + 3 * DAY_MS), pmInst.tag],
      ['calibration', dayOf(now + 12 * DAY_MS), cal.tag],
      ['pm', dayOf(now + 20 * DAY_MS), pmInst.tag],
      ['pm', dayOf(now + 27 * DAY_MS), pmInst.tag],
    ]);
    expect(mine[1]).toMatchObject({
      process_unit_id: unit.id,
      process_unit_name: unit.name,
      work_order_id: null,
    });
    expect(mine[2]).toMatchObject({
      pm_plan_id: plan.id,
      assigned_to: tech.id,
      assigned_to_name: `Test technician ${tech.employee_number}`,
    });
    expect(all.by_day.map((d: { date: string }) => d.date)).toEqual(
      [...all.by_day.map((d: { date: string }) => d.date)].sort(),
    );

    // Within the lead time the calibration's order is raised: listed once, on the calibration.
    await scanNow(t);
    const raised = (await t.api('GET', '/api/planning/upcoming?days=30')).body;
    const calItems = raised.by_day
      .flatMap((d: { items: any[] }) => d.items)
      .filter((i: { instrument_id: number }) => i.instrument_id === cal.id);
    expect(calItems).toHaveLength(1);
    expect(calItems[0]).toMatchObject({ kind: 'calibration', status: 'open' });
    expect(calItems[0].work_order_id).toEqual(expect.any(Number));

    const byUnit = (await t.api('GET', `/api/planning/upcoming?days=30&process_unit_id=${unit.id}`)).body;
    expect(
      byUnit.by_day.flatMap((d: { items: any[] }) => d.items).map((i: { tag: string }) => i.tag),
    ).toEqual([cal.tag]);
    const byPerson = (await t.api('GET', `/api/planning/upcoming?days=30&assigned_to=${tech.id}`)).body;
    expect(
      byPerson.by_day.flatMap((d: { items: any[] }) => d.items).map((i: { kind: string }) => i.kind),
    ).toEqual(['work_order', 'pm', 'pm']);
    const short = (await t.api('GET', '/api/planning/upcoming?days=5')).body;
    expect(
      short.by_day.flatMap((d: { items: any[] }) => d.items).map((i: { kind: string }) => i.kind),
    ).toEqual(['work_order']);

    // Past its date, an open order is listed as overdue.
    clock.advance(4 * DAY_MS);
    await t.refreshAdmin();
    const late = (await t.api('GET', '/api/planning/upcoming?days=30')).body;
    expect(late.overdue.map((i: { work_order_id: number }) => i.work_order_id)).toEqual([manual.body.id]);
  });
});
