import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearAlertCondition, raiseAlert } from '../../src/alerts/alert-service.ts';
import { inServiceRanges, subtractPeriods } from '../../src/alerts/out-of-service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { type ApiResponse, startTestApp, type TestApp } from '../helpers/test-app.ts';

// Issue 14 item 1: shelving (timed, one-shot, expiry by the periodic scan) and instruments out of
// service (explicit and while a work order is in progress), through the real API on both dialects.
const START = '2026-03-02T08:00:00.000Z';
const N = 20;

describe('alarm shelving and out of service', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  const clock = new ManualClock(START);
  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: {
        ALERT_SHELVE_MAX_HOURS: '2',
        ALERT_OUT_OF_SERVICE_DURING_WORK: 'true',
        ALERT_SUPPRESSION_MINUTES: '0',
      },
    });
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  const now = () => clock.now().toISOString();
  const burst = (n: number, send: (i: number) => Promise<ApiResponse>) =>
    Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  const statuses = (rs: ApiResponse[]) => {
    const by: Record<number, number> = {};
    for (const r of rs) by[r.status] = (by[r.status] ?? 0) + 1;
    return by;
  };
  async function newAlert(instrumentId?: number, condition = 'high_critical') {
    const id = instrumentId ?? (await makeInstrument(t)).id;
    const { alert } = await raiseAlert(t.server.ctx.db, {
      instrumentId: id,
      alertType: 'rule_violation',
      conditionKey: condition,
      severity: 'critical',
      message: 'above high-critical limit',
      at: now(),
    });
    return alert;
  }
  const events = async (id: number) =>
    ((await t.api('GET', `/api/alerts/${id}/events`)).body as { event: string }[]).map((e) => e.event);
  const audit = async (id: number) =>
    (
      (await t.api('GET', `/api/audit?entity_type=alert&entity_id=${id}&limit=100`)).body.items as {
        action: string;
      }[]
    )
      .map((a) => a.action)
      .sort();
  const activeIds = async () =>
    ((await t.api('GET', '/api/alerts?limit=200')).body.items as { id: number }[]).map((a) => a.id);

  it('shelves for a limited time: hidden from lists and counts, back when the shelf expires', async () => {
    const alert = await newAlert();
    const before = (await t.api('GET', '/api/dashboard/summary')).body.active_alerts as number;
    expect(await activeIds()).toContain(alert.id);

    const shelved = await t.api('POST', `/api/alerts/${alert.id}/shelve`, {
      token: tech.token,
      body: { reason: 'known: transmitter being replaced', minutes: 30 },
    });
    expect(shelved.status).toBe(200);
    expect(shelved.body).toMatchObject({
      shelved: true,
      shelve_reason: 'known: transmitter being replaced',
      shelved_by: tech.id,
      shelved_until: new Date(Date.parse(START) + 30 * 60_000).toISOString(),
      status: 'raised',
    });
    expect(await activeIds()).not.toContain(alert.id);
    expect((await t.api('GET', '/api/dashboard/summary')).body.active_alerts).toBe(before - 1);
    const listed = await t.api('GET', '/api/alerts?status=shelved');
    expect(listed.body.items.map((a: { id: number }) => a.id)).toContain(alert.id);

    // Shelved: no acknowledge, no second shelve (409); past the maximum, unknown fields, no reason: 400.
    const ack = await t.api('POST', `/api/alerts/${alert.id}/acknowledge`, { body: {} });
    expect(ack.status).toBe(409);
    expect(ack.body.error).toMatchObject({ code: 'alert_invalid_transition', details: { from: 'shelved' } });
    const again = await t.api('POST', `/api/alerts/${alert.id}/shelve`, { body: { reason: 'x' } });
    expect(again.status).toBe(409);
    const other = await newAlert();
    const tooLong = await t.api('POST', `/api/alerts/${other.id}/shelve`, {
      body: { reason: 'x', minutes: 121 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details).toMatchObject({ field: 'minutes', max_minutes: 120 });
    const extra = await t.api('POST', `/api/alerts/${other.id}/shelve`, {
      body: { reason: 'x', until: 'later' },
    });
    expect(extra.status).toBe(400);
    expect((await t.api('POST', `/api/alerts/${other.id}/shelve`, { body: { reason: '  ' } })).status).toBe(
      400,
    );
    expect((await t.api('POST', `/api/alerts/${other.id}/shelve`, { body: {} })).status).toBe(400);

    // Not yet due: the scan leaves it; 31 minutes on it returns.
    clock.advance(29 * 60_000);
    expect((await t.api('POST', '/api/alerts/scan-now')).body.unshelved).toBe(0);
    expect(await activeIds()).not.toContain(alert.id);
    clock.advance(2 * 60_000);
    const scan = await t.api('POST', '/api/alerts/scan-now');
    expect(scan.status).toBe(200);
    expect(scan.body.unshelved).toBe(1);
    expect(await activeIds()).toContain(alert.id);
    expect((await t.api('GET', `/api/alerts/${alert.id}`)).body).toMatchObject({
      shelved: false,
      shelved_until: null,
    });
    expect(await events(alert.id)).toEqual(['raise', 'shelve', 'unshelve']);
    expect(await audit(alert.id)).toEqual(['raise', 'shelve', 'unshelve']);
    // Technicians cannot run the scan.
    expect((await t.api('POST', '/api/alerts/scan-now', { token: tech.token })).status).toBe(403);
  });

  it('one-shot shelf ends when the condition clears; unshelve by hand; resolve of a shelved alert', async () => {
    const inst = await makeInstrument(t);
    const alert = await newAlert(inst.id);
    const shelved = await t.api('POST', `/api/alerts/${alert.id}/shelve`, {
      body: { reason: 'nuisance during start-up' },
    });
    expect(shelved.body).toMatchObject({ shelved: true, shelved_until: null });
    await clearAlertCondition(
      t.server.ctx.db,
      { instrumentId: inst.id, alertType: 'rule_violation', conditionKey: 'high_critical' },
      now(),
    );
    const after = (await t.api('GET', `/api/alerts/${alert.id}`)).body;
    expect(after.shelved).toBe(false);
    expect(after.cleared_at).not.toBeNull();
    expect(await events(alert.id)).toEqual(['raise', 'shelve', 'clear', 'unshelve']);

    const b = await newAlert();
    await t.api('POST', `/api/alerts/${b.id}/shelve`, { body: { reason: 'r', minutes: 10 } });
    const un = await t.api('POST', `/api/alerts/${b.id}/unshelve`, {
      token: tech.token,
      body: { reason: 'fixed' },
    });
    expect(un.status).toBe(200);
    expect(un.body.shelved).toBe(false);
    expect((await t.api('POST', `/api/alerts/${b.id}/unshelve`, { body: {} })).status).toBe(409);

    const c = await newAlert();
    await t.api('POST', `/api/alerts/${c.id}/shelve`, { body: { reason: 'r', minutes: 10 } });
    const res = await t.api('POST', `/api/alerts/${c.id}/resolve`, { body: { notes: 'replaced' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'resolved', shelved: false });
    expect(await events(c.id)).toEqual(['raise', 'shelve', 'resolve']);
  });

  it('of concurrent shelves one wins; a shelve racing acknowledges leaves one consistent history', async () => {
    const a = await newAlert();
    const shelves = await burst(N, (i) =>
      t.api('POST', `/api/alerts/${a.id}/shelve`, { body: { reason: `r${i}`, minutes: 10 } }),
    );
    expect(statuses(shelves)).toEqual({ 200: 1, 409: N - 1 });
    expect((await events(a.id)).filter((e) => e === 'shelve')).toHaveLength(1);

    const b = await newAlert();
    const mixed = await burst(N, (i) =>
      i % 2
        ? t.api('POST', `/api/alerts/${b.id}/shelve`, { body: { reason: 'r', minutes: 10 } })
        : t.api('POST', `/api/alerts/${b.id}/acknowledge`, { body: {} }),
    );
    const wins = mixed.filter((r) => r.status === 200);
    expect(mixed.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const ev = await events(b.id);
    expect(ev.filter((e) => e === 'shelve').length).toBeLessThanOrEqual(1);
    expect(ev.filter((e) => e === 'acknowledge').length).toBeLessThanOrEqual(1);
    expect(ev.length - 1).toBe(wins.length);
    const final = (await t.api('GET', `/api/alerts/${b.id}`)).body;
    // An acknowledge can only have won before the shelve (a shelved alert is not acknowledged).
    if (ev.includes('acknowledge') && ev.includes('shelve'))
      expect(ev.indexOf('acknowledge')).toBeLessThan(ev.indexOf('shelve'));
    expect(final.shelved).toBe(ev.includes('shelve'));

    const c = await newAlert();
    const rs = await burst(N, (i) =>
      i % 2
        ? t.api('POST', `/api/alerts/${c.id}/shelve`, { body: { reason: 'r', minutes: 10 } })
        : t.api('POST', `/api/alerts/${c.id}/resolve`, { body: { notes: 'done' } }),
    );
    expect(rs.filter((r) => r.status === 200 && r.body.status === 'resolved')).toHaveLength(1);
    expect((await t.api('GET', `/api/alerts/${c.id}`)).body).toMatchObject({
      status: 'resolved',
      shelved: false,
    });
    expect((await events(c.id)).filter((e) => e === 'resolve')).toHaveLength(1);
  });

  it('takes an instrument out of service: alarms recorded as suppressed, audited, one winner', async () => {
    const inst = await makeInstrument(t);
    const url = `/api/instruments/${inst.id}/out-of-service`;
    expect((await t.api('POST', url, { token: tech.token, body: { reason: 'x' } })).status).toBe(403);
    expect((await t.api('POST', url, { body: {} })).status).toBe(400);
    expect((await t.api('POST', url, { body: { reason: 'x', extra: 1 } })).status).toBe(400);
    expect(
      (await t.api('POST', '/api/instruments/999999/out-of-service', { body: { reason: 'x' } })).status,
    ).toBe(404);

    const takes = await burst(N, () =>
      t.api('POST', url, { body: { reason: 'impulse line blocked, isolated' } }),
    );
    expect(statuses(takes)).toEqual({ 200: 1, 409: N - 1 });
    expect(takes.find((r) => r.status === 409)?.body.error.code).toBe('instrument_out_of_service');
    const state = (await t.api('GET', url, { token: tech.token })).body;
    expect(state).toMatchObject({
      out_of_service: true,
      open: [{ source: 'manual', reason: 'impulse line blocked, isolated' }],
    });
    expect((await t.api('GET', '/api/out-of-service')).body.instrument_ids).toContain(inst.id);

    const suppressed = await newAlert(inst.id, 'low_critical');
    expect(suppressed.suppressed).toBe(true);
    expect(await activeIds()).not.toContain(suppressed.id);
    expect(await events(suppressed.id)).toEqual(['suppress']);

    clock.advance(10 * 60_000);
    const back = await burst(N, () =>
      t.api('POST', `/api/instruments/${inst.id}/return-to-service`, { body: { reason: 'cleared' } }),
    );
    expect(statuses(back)).toEqual({ 200: 1, 409: N - 1 });
    expect(back.find((r) => r.status === 409)?.body.error.code).toBe('instrument_in_service');
    const raised = await newAlert(inst.id, 'high_warning');
    expect(raised.suppressed).toBe(false);

    const trail = (await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${inst.id}&limit=50`)).body
      .items as {
      action: string;
    }[];
    expect(
      trail
        .map((a) => a.action)
        .filter((a) => a !== 'create')
        .sort(),
    ).toEqual(['out_of_service', 'return_to_service']);

    // ML training leaves the period out.
    const t0 = Date.parse(START) - 3_600_000;
    const ranges = await inServiceRanges(t.server.ctx.db, inst.id, [[t0, clock.now().getTime() + 3_600_000]]);
    const period = state.open[0];
    expect(ranges).toEqual([
      [t0, Date.parse(period.started_at)],
      [clock.now().getTime(), clock.now().getTime() + 3_600_000],
    ]);
  });

  it('is out of service while a work order on it is in progress (ALERT_OUT_OF_SERVICE_DURING_WORK)', async () => {
    const inst = await makeInstrument(t);
    const wo = await t.api('POST', '/api/work-orders', {
      body: { instrument_id: inst.id, title: 'Replace transmitter', type: 'corrective' },
    });
    expect(wo.status).toBe(201);
    expect(
      (await t.api('PATCH', `/api/work-orders/${wo.body.id}`, { body: { status: 'in_progress' } })).status,
    ).toBe(200);
    const state = (await t.api('GET', `/api/instruments/${inst.id}/out-of-service`)).body;
    expect(state).toMatchObject({
      out_of_service: true,
      open: [{ source: 'work_order', work_order_id: wo.body.id }],
    });
    expect((await newAlert(inst.id)).suppressed).toBe(true);
    // Manual return does not end a work order's period.
    expect((await t.api('POST', `/api/instruments/${inst.id}/return-to-service`, { body: {} })).status).toBe(
      409,
    );

    clock.advance(60_000);
    const done = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
      body: {
        status: 'completed',
        completion_notes: 'replaced',
        actual_duration_minutes: 30,
        parts_used: 'none',
      },
    });
    expect(done.status).toBe(200);
    const after = (await t.api('GET', `/api/instruments/${inst.id}/out-of-service`)).body;
    expect(after.out_of_service).toBe(false);
    expect(after.history[0]).toMatchObject({ source: 'work_order', end_reason: 'work order closed' });
    expect((await newAlert(inst.id, 'high_warning')).suppressed).toBe(false);
  });

  it('subtracts periods from ranges', () => {
    expect(
      subtractPeriods(
        [[0, 100]],
        [
          [10, 20],
          [50, Number.POSITIVE_INFINITY],
        ],
      ),
    ).toEqual([
      [0, 10],
      [20, 50],
    ]);
    expect(subtractPeriods([[0, 10]], [[20, 30]])).toEqual([[0, 10]]);
  });
});
