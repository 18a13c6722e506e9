import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { claimJob, enqueueJob } from '../../src/jobs/index.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { type ApiResponse, startTestApp, type TestApp } from '../helpers/test-app.ts';

// Issue 10 item 5: every state transition has exactly one winner under concurrency, on SQLite and
// PostgreSQL (where requests really run in parallel on a pool of connections).
const N = 50;

describe('concurrent state transitions', () => {
  let t: TestApp;
  let techs: Awaited<ReturnType<typeof makeUser>>[];
  beforeAll(async () => {
    t = await startTestApp();
    techs = [await makeUser(t, 'technician'), await makeUser(t, 'technician')];
  });
  afterAll(() => t?.stop());

  /** Fires all requests at once and waits for every answer. */
  const burst = (n: number, send: (i: number) => Promise<ApiResponse>) =>
    Promise.all(Array.from({ length: n }, (_, i) => send(i)));

  const statuses = (rs: ApiResponse[]) => {
    const by: Record<number, number> = {};
    for (const r of rs) by[r.status] = (by[r.status] ?? 0) + 1;
    return by;
  };

  async function auditActions(entityType: string, id: number) {
    const res = await t.api('GET', `/api/audit?entity_type=${entityType}&entity_id=${id}&limit=500`);
    expect(res.status).toBe(200);
    return (res.body.items as { action: string }[]).map((a) => a.action);
  }
  const count = (xs: string[], x: string) => xs.filter((a) => a === x).length;

  async function newAlert() {
    const inst = await makeInstrument(t);
    const { alert } = await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'rule_violation',
      conditionKey: 'high_critical',
      severity: 'critical',
      message: `${inst.tag} above high-critical limit`,
      at: new Date().toISOString(),
    });
    return alert;
  }

  it('acknowledges an alert once of 50 concurrent requests, then resolves it once of 50', async () => {
    const alert = await newAlert();
    const acks = await burst(N, (i) =>
      t.api('POST', `/api/alerts/${alert.id}/acknowledge`, { token: techs[i % 2].token, body: {} }),
    );
    expect(statuses(acks)).toEqual({ 200: 1, 409: N - 1 });
    for (const r of acks.filter((r) => r.status === 409)) {
      expect(r.body.error).toMatchObject({
        code: 'alert_invalid_transition',
        details: { from: 'acknowledged', to: 'acknowledged' },
      });
    }
    const winner = acks.find((r) => r.status === 200)!.body;
    const resolves = await burst(N, (i) =>
      t.api('POST', `/api/alerts/${alert.id}/resolve`, {
        token: techs[i % 2].token,
        body: { notes: `fixed by request ${i}` },
      }),
    );
    expect(statuses(resolves)).toEqual({ 200: 1, 409: N - 1 });
    const resolved = resolves.find((r) => r.status === 200)!.body;

    const final = (await t.api('GET', `/api/alerts/${alert.id}`)).body;
    expect(final).toMatchObject({
      status: 'resolved',
      acknowledged_by: winner.acknowledged_by,
      acknowledged_at: winner.acknowledged_at,
      resolved_by: resolved.resolved_by,
      resolution_notes: resolved.resolution_notes,
    });
    const actions = await auditActions('alert', alert.id);
    expect(count(actions, 'acknowledge')).toBe(1);
    expect(count(actions, 'resolve')).toBe(1);
  });

  it('resolves once when acknowledges and resolves race', async () => {
    const alert = await newAlert();
    const rs = await burst(N, (i) =>
      i % 2
        ? t.api('POST', `/api/alerts/${alert.id}/acknowledge`, { body: {} })
        : t.api('POST', `/api/alerts/${alert.id}/resolve`, { body: { notes: 'sensor replaced' } }),
    );
    const ok = rs.filter((r) => r.status === 200).map((r) => r.body.status);
    expect(rs.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(ok.filter((s) => s === 'resolved')).toHaveLength(1);
    expect(ok.filter((s) => s === 'acknowledged').length).toBeLessThanOrEqual(1);
    const actions = await auditActions('alert', alert.id);
    expect(count(actions, 'resolve')).toBe(1);
    expect(count(actions, 'acknowledge')).toBe(ok.length - 1);
    const final = (await t.api('GET', `/api/alerts/${alert.id}`)).body;
    expect(final.status).toBe('resolved');
    expect(final.acknowledged_at).not.toBeNull();
  });

  async function newWorkOrder(assignedTo: number | null = null) {
    const inst = await makeInstrument(t);
    const res = await t.api('POST', '/api/work-orders', {
      body: { instrument_id: inst.id, title: 'Replace cable', type: 'corrective', assigned_to: assignedTo },
    });
    expect(res.status).toBe(201);
    return res.body as { id: number };
  }
  const complete = {
    status: 'completed',
    completion_notes: 'Cable replaced',
    actual_duration_minutes: 30,
    parts_used: 'cable',
  };

  it('starts a work order once of 50 concurrent requests', async () => {
    const wo = await newWorkOrder();
    const rs = await burst(N, () =>
      t.api('PATCH', `/api/work-orders/${wo.id}`, { body: { status: 'in_progress' } }),
    );
    expect(statuses(rs)).toEqual({ 200: 1, 409: N - 1 });
    for (const r of rs.filter((r) => r.status === 409))
      expect(r.body.error.code).toBe('work_order_invalid_transition');
    const actions = await auditActions('work_order', wo.id);
    expect(count(actions, 'status_in_progress')).toBe(1);
  });

  it('completes or cancels a work order, never both, when 50 requests race', async () => {
    const wo = await newWorkOrder();
    await t.api('PATCH', `/api/work-orders/${wo.id}`, { body: { status: 'in_progress' } });
    const rs = await burst(N, (i) =>
      t.api('PATCH', `/api/work-orders/${wo.id}`, {
        body: i % 2 ? complete : { status: 'cancelled', cancel_reason: 'duplicate' },
      }),
    );
    expect(statuses(rs)).toEqual({ 200: 1, 409: N - 1 });
    const final = (await t.api('GET', `/api/work-orders/${wo.id}`)).body;
    const won = rs.find((r) => r.status === 200)!.body;
    expect(final.status).toBe(won.status);
    if (final.status === 'completed') {
      expect(final).toMatchObject({ cancelled_at: null, cancel_reason: null });
      expect(final.completed_at).not.toBeNull();
    } else {
      expect(final).toMatchObject({ status: 'cancelled', completed_at: null, completion_notes: null });
      expect(final.cancelled_at).not.toBeNull();
    }
    const actions = await auditActions('work_order', wo.id);
    expect(count(actions, 'status_completed') + count(actions, 'status_cancelled')).toBe(1);
    // Completion writes the maintenance history entry once, or not at all when cancelled.
    const history = await t.api('GET', `/api/maintenance?instrument_id=${final.instrument_id}`);
    expect(history.body.total).toBe(final.status === 'completed' ? 1 : 0);
  });

  it('lets one of two technicians take unassigned work; the other is refused 403', async () => {
    const wo = await newWorkOrder();
    const rs = await burst(N, (i) =>
      t.api('PATCH', `/api/work-orders/${wo.id}`, {
        token: techs[i % 2].token,
        body: { status: 'in_progress' },
      }),
    );
    const by = statuses(rs);
    expect(by[200]).toBe(1);
    expect((by[409] ?? 0) + (by[403] ?? 0)).toBe(N - 1);
    const winner = rs.find((r) => r.status === 200)!.body;
    const final = (await t.api('GET', `/api/work-orders/${wo.id}`)).body;
    expect(final).toMatchObject({ status: 'in_progress', assigned_to: winner.assigned_to });
    const loser = techs.find((u) => u.id !== winner.assigned_to)!;
    const refused = await t.api('PATCH', `/api/work-orders/${wo.id}`, { token: loser.token, body: complete });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('work_order_not_assigned');
    expect(count(await auditActions('work_order', wo.id), 'status_in_progress')).toBe(1);
  });

  it('claims a queued job for exactly one of 50 concurrent runners', async () => {
    const db = t.server.ctx.db;
    const job = await enqueueJob(db, { type: 'test.race', createdBy: null });
    const at = new Date().toISOString();
    const wins = await Promise.all(
      Array.from({ length: N }, (_, i) => claimJob(db, job.id, `runner-${i}`, at)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const row = await db
      .selectFrom('background_jobs')
      .select(['status', 'worker_id'])
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'running', worker_id: `runner-${wins.indexOf(true)}` });
    const actions = await auditActions('background_job', job.id);
    expect(count(actions, 'start')).toBe(1);
  });
});
