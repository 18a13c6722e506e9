import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, login, makeStandard, points, scanNow } from './cmms-fixtures.ts';

const HOUR = 3_600_000;

describe('work orders', () => {
  const clock = new ManualClock('2026-05-04T06:00:00.000Z');
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  let tech2: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp({ clock, env: { SLA_HOURS_HIGH: '12' } });
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

  const create = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/api/work-orders', { body });
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  it('goes open -> in progress -> completed only with notes, duration and parts; estimated vs actual kept', async () => {
    const inst = await makeInstrument(t);
    const wo = await create({
      instrument_id: inst.id,
      title: 'Replace damaged transmitter cable',
      description: 'Cable jacket cut near the junction box',
      type: 'corrective',
      priority: 'high',
      assigned_to: tech.id,
      estimated_duration_minutes: 60,
    });
    expect(wo).toMatchObject({
      status: 'open',
      tag: inst.tag,
      assigned_to: tech.id,
      created_by: 1,
      source: 'manual',
      overdue: false,
      sla_breached: false,
    });
    // Due after the configured SLA hours of its priority (SLA_HOURS_HIGH=12 here).
    expect(wo.due_date).toBe(new Date(clock.now().getTime() + 12 * HOUR).toISOString());

    const skip = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { status: 'completed', completion_notes: 'done', actual_duration_minutes: 5, parts_used: 'none' },
    });
    expect(skip.status).toBe(409);
    expect(skip.body.error.code).toBe('work_order_invalid_transition');
    expect(skip.body.error.message).toContain('open');
    expect(skip.body.error.message).toContain('completed');
    expect(skip.body.error.details).toMatchObject({ from: 'open', to: 'completed' });

    const started = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { status: 'in_progress' },
    });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'in_progress', started_at: clock.now().toISOString() });

    const missing: [Record<string, unknown>, string][] = [
      [{ actual_duration_minutes: 40, parts_used: '1 x cable gland' }, 'completion_notes'],
      [
        { completion_notes: '   ', actual_duration_minutes: 40, parts_used: '1 x cable gland' },
        'completion_notes',
      ],
      [{ completion_notes: 'Cable replaced', parts_used: '1 x cable gland' }, 'actual_duration_minutes'],
      [{ completion_notes: 'Cable replaced', actual_duration_minutes: 40 }, 'parts_used'],
    ];
    for (const [fields, field] of missing) {
      const r = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
        token: tech.token,
        body: { status: 'completed', ...fields },
      });
      expect(r.status, JSON.stringify(fields)).toBe(400);
      expect(r.body.error.details.field).toBe(field);
    }
    expect((await t.api('GET', `/api/work-orders/${wo.id}`)).body.status).toBe('in_progress');

    await advance(HOUR);
    const done = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: {
        status: 'completed',
        completion_notes: 'Cable replaced and loop checked at 4, 12, 20 mA',
        actual_duration_minutes: 75,
        parts_used: '5 m instrument cable, 1 x M20 gland',
      },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'completed',
      completed_at: clock.now().toISOString(),
      estimated_duration_minutes: 60,
      actual_duration_minutes: 75,
      duration_variance_minutes: 15,
      sla_breached: false,
    });

    const back = await t.api('PATCH', `/api/work-orders/${wo.id}`, { body: { status: 'in_progress' } });
    expect(back.status).toBe(409);
    expect(back.body.error).toMatchObject({
      code: 'work_order_invalid_transition',
      details: { from: 'completed', to: 'in_progress' },
    });
    const edit = await t.api('PATCH', `/api/work-orders/${wo.id}`, { body: { title: 'changed' } });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('work_order_closed');

    // The completion became the instrument's maintenance history, and every step is audited.
    const maint = await t.api('GET', `/api/instruments/${inst.id}/maintenance`);
    expect(maint.body.items[0]).toMatchObject({
      work_order_id: wo.id,
      action_type: 'corrective',
      technician_id: tech.id,
      parts_used: '5 m instrument cable, 1 x M20 gland',
      duration_minutes: 75,
    });
    const audit = await t.api('GET', `/api/audit?entity_type=work_order&entity_id=${wo.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action).reverse()).toEqual([
      'create',
      'status_in_progress',
      'status_completed',
    ]);
    expect(audit.body.items[0].user_id).toBe(tech.id);
  });

  it('cancels with a reason only; technicians change status and completion fields only', async () => {
    const inst = await makeInstrument(t);
    const wo = await create({ instrument_id: inst.id, title: 'Check zero', type: 'inspection' });
    expect(wo.priority).toBe('medium');
    const noReason = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { status: 'cancelled' },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.field).toBe('cancel_reason');

    for (const body of [
      { title: 'x' },
      { priority: 'urgent' },
      { assigned_to: tech.id },
      { due_date: '2030-01-01T00:00:00Z' },
    ]) {
      const r = await t.api('PATCH', `/api/work-orders/${wo.id}`, { token: tech.token, body });
      expect(r.status, JSON.stringify(body)).toBe(403);
      expect(r.body.error.message).toContain(Object.keys(body)[0]);
    }
    expect(
      (
        await t.api('POST', '/api/work-orders', {
          token: tech.token,
          body: { instrument_id: inst.id, title: 'x', type: 'corrective' },
        })
      ).status,
    ).toBe(403);

    // An admin re-prioritises: the due date follows the new priority's SLA from when it was raised.
    const urgent = await t.api('PATCH', `/api/work-orders/${wo.id}`, { body: { priority: 'urgent' } });
    expect(urgent.body.due_date).toBe(new Date(Date.parse(wo.created_at) + 4 * HOUR).toISOString());

    const cancelled = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { status: 'cancelled', cancel_reason: 'Duplicate of an earlier order' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'Duplicate of an earlier order',
    });
    const reopen = await t.api('PATCH', `/api/work-orders/${wo.id}`, { body: { status: 'open' } });
    expect(reopen.status).toBe(409);
    expect(reopen.body.error.details).toMatchObject({ from: 'cancelled', to: 'open' });
  });

  it("refuses a technician's changes to someone else's work order (403); admins change any", async () => {
    const inst = await makeInstrument(t);
    const std = await makeStandard(t, clock.now());
    const wo = await create({
      instrument_id: inst.id,
      title: 'Calibrate',
      type: 'calibration',
      assigned_to: tech.id,
    });
    for (const body of [{ status: 'in_progress' }, { status: 'cancelled', cancel_reason: 'not mine' }]) {
      const r = await t.api('PATCH', `/api/work-orders/${wo.id}`, { token: tech2.token, body });
      expect(r.status, JSON.stringify(body)).toBe(403);
      expect(r.body.error).toMatchObject({
        code: 'work_order_not_assigned',
        details: { assigned_to: tech.id },
      });
    }
    // Nor may they record a calibration under it.
    const cal = await t.api('POST', '/api/calibrations', {
      token: tech2.token,
      body: {
        instrument_id: inst.id,
        reference_standard_id: std.id,
        points: points(0, 0),
        work_order_id: wo.id,
      },
    });
    expect(cal.status).toBe(403);
    expect(cal.body.error.code).toBe('work_order_not_assigned');
    expect((await t.api('GET', `/api/work-orders/${wo.id}`)).body.status).toBe('open');

    const mine = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { status: 'in_progress' },
    });
    expect(mine.status).toBe(200);
    const again = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { status: 'in_progress' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('work_order_invalid_transition');
    const admin = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      body: { status: 'cancelled', cancel_reason: 'instrument replaced' },
    });
    expect(admin.status).toBe(200);

    // Unassigned work: the technician who starts it takes it.
    const open = await create({ instrument_id: inst.id, title: 'Inspect', type: 'inspection' });
    const started = await t.api('PATCH', `/api/work-orders/${open.id}`, {
      token: tech2.token,
      body: { status: 'in_progress' },
    });
    expect(started.body).toMatchObject({ status: 'in_progress', assigned_to: tech2.id });
    const taken = await t.api('PATCH', `/api/work-orders/${open.id}`, {
      token: tech.token,
      body: { status: 'cancelled', cancel_reason: 'x' },
    });
    expect(taken.status).toBe(403);
  });

  it('completing a calibration work order requires and links the calibration record', async () => {
    const inst = await makeInstrument(t);
    const other = await makeInstrument(t);
    const std = await makeStandard(t, clock.now());
    const wo = await create({
      instrument_id: inst.id,
      title: 'Annual calibration',
      type: 'calibration',
      assigned_to: tech.id,
    });
    await t.api('PATCH', `/api/work-orders/${wo.id}`, { token: tech.token, body: { status: 'in_progress' } });
    const completion = {
      status: 'completed',
      completion_notes: 'Five-point check',
      actual_duration_minutes: 45,
      parts_used: 'none',
    };
    const noRecord = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: completion,
    });
    expect(noRecord.status).toBe(400);
    expect(noRecord.body.error.details.field).toBe('calibration_record_id');

    const elsewhere = await calibrate(t, {
      instrument_id: other.id,
      reference_standard_id: std.id,
      points: points(0.1, 0),
    });
    const wrong = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { ...completion, calibration_record_id: elsewhere.id },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.field).toBe('calibration_record_id');

    const rec = await calibrate(
      t,
      { instrument_id: inst.id, reference_standard_id: std.id, points: points(0.1, 0) },
      tech.token,
    );
    const done = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech.token,
      body: { ...completion, calibration_record_id: rec.id },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', calibration_record_id: rec.id });
    expect((await t.api('GET', `/api/calibrations/${rec.id}`)).body.work_order_id).toBe(wo.id);
  });

  it('flags SLA breaches on overdue open work and keeps the flag after late completion', async () => {
    const inst = await makeInstrument(t);
    const wo = await create({
      instrument_id: inst.id,
      title: 'Urgent leak at manifold',
      type: 'corrective',
      priority: 'urgent',
      assigned_to: tech2.id,
    });
    const onTime = await create({
      instrument_id: inst.id,
      title: 'Low-priority relabel',
      type: 'preventive',
      priority: 'low',
    });
    await advance(5 * HOUR);
    const live = await t.api('GET', `/api/work-orders/${wo.id}`);
    expect(live.body).toMatchObject({ overdue: true, sla_breached: true, sla_breached_at: null });
    const scan = await scanNow(t);
    expect(scan.sla_breaches_flagged).toBeGreaterThanOrEqual(1);
    const flagged = await t.api('GET', `/api/work-orders/${wo.id}`);
    expect(flagged.body.sla_breached_at).toBe(clock.now().toISOString());
    expect((await scanNow(t)).sla_breaches_flagged).toBe(0);

    const overdue = await t.api('GET', `/api/work-orders?overdue=true&instrument_id=${inst.id}`);
    expect(overdue.body.items.map((w: { id: number }) => w.id)).toEqual([wo.id]);
    const notOverdue = await t.api('GET', `/api/work-orders?overdue=false&instrument_id=${inst.id}`);
    expect(notOverdue.body.items.map((w: { id: number }) => w.id)).toEqual([onTime.id]);

    const notices = await t.api('GET', '/api/notifications', { token: tech2.token });
    expect(
      notices.body.items.map((n: { kind: string; work_order_id: number }) => [n.kind, n.work_order_id]),
    ).toEqual(
      expect.arrayContaining([
        ['assignment', wo.id],
        ['sla_breach', wo.id],
      ]),
    );
    const audit = await t.api(
      'GET',
      `/api/audit?entity_type=work_order&entity_id=${wo.id}&action=sla_breach`,
    );
    expect(audit.body.total).toBe(1);

    await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech2.token,
      body: { status: 'in_progress' },
    });
    const late = await t.api('PATCH', `/api/work-orders/${wo.id}`, {
      token: tech2.token,
      body: {
        status: 'completed',
        completion_notes: 'Fitting re-made',
        actual_duration_minutes: 30,
        parts_used: '1 x ferrule',
      },
    });
    expect(late.body).toMatchObject({ status: 'completed', overdue: false, sla_breached: true });
  });

  it('creates a work order from an alert and links it; filters and paginates the list', async () => {
    const inst = await makeInstrument(t);
    const { alert } = await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'rule_violation',
      conditionKey: 'high_critical',
      severity: 'critical',
      message: `${inst.tag} above high-critical limit`,
      at: clock.now().toISOString(),
    });
    const res = await t.api('POST', '/api/work-orders/from-alert', {
      body: { alert_id: alert.id, assigned_to: tech.id },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      instrument_id: inst.id,
      alert_id: alert.id,
      type: 'corrective',
      priority: 'urgent',
      source: 'alert',
      assigned_to: tech.id,
    });
    expect(res.body.title).toContain('above high-critical limit');
    expect((await t.api('GET', `/api/alerts/${alert.id}`)).body.work_order_id).toBe(res.body.id);
    const twice = await t.api('POST', '/api/work-orders/from-alert', { body: { alert_id: alert.id } });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({
      code: 'alert_has_work_order',
      details: { work_order_id: res.body.id },
    });
    expect(
      (
        await t.api('POST', '/api/work-orders/from-alert', {
          token: tech.token,
          body: { alert_id: alert.id },
        })
      ).status,
    ).toBe(403);
    const missing = await t.api('POST', '/api/work-orders/from-alert', { body: { alert_id: 999999 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.field).toBe('alert_id');

    for (let i = 0; i < 3; i++) {
      await create({
        instrument_id: inst.id,
        title: `Inspection ${i}`,
        type: 'inspection',
        priority: 'low',
        assigned_to: tech2.id,
      });
    }
    const mine = await t.api('GET', `/api/work-orders?assigned_to=me&tag=${inst.tag}`, { token: tech.token });
    expect(mine.body.items.map((w: { id: number }) => w.id)).toEqual([res.body.id]);
    const byUser = await t.api(
      'GET',
      `/api/work-orders?assigned_to=${tech2.id}&tag=${inst.tag}&type=inspection&priority=low&status=open&limit=2`,
    );
    expect(byUser.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(byUser.body.items).toHaveLength(2);
    const page2 = await t.api(
      'GET',
      `/api/work-orders?assigned_to=${tech2.id}&tag=${inst.tag}&limit=2&offset=2`,
    );
    expect(page2.body.items).toHaveLength(1);
    expect((await t.api('GET', `/api/work-orders?tag=${inst.tag}&type=calibration`)).body.total).toBe(0);

    const bad: [string, string][] = [
      ['status=done', 'status'],
      ['priority=asap', 'priority'],
      ['assigned_to=someone', 'assigned_to'],
      ['overdue=maybe', 'overdue'],
    ];
    for (const [query, field] of bad) {
      const r = await t.api('GET', `/api/work-orders?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error.details.field, query).toBe(field);
    }
    const badBody: [Record<string, unknown>, string][] = [
      [{ instrument_id: 999999, title: 'x', type: 'corrective' }, 'instrument_id'],
      [{ instrument_id: inst.id, title: 'x', type: 'repair' }, 'type'],
      [{ instrument_id: inst.id, title: 'x', type: 'corrective', assigned_to: 999999 }, 'assigned_to'],
      [{ instrument_id: inst.id, type: 'corrective' }, 'title'],
    ];
    for (const [body, field] of badBody) {
      const r = await t.api('POST', '/api/work-orders', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.details.field, JSON.stringify(body)).toBe(field);
    }
  });
});
