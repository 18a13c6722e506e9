import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { type ApiResponse, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, makeStandard, points } from './cmms-fixtures.ts';

// Issue 10 items 5 and 10: a correction keeps the performer and names the corrector; a technician's
// correction of someone else's record waits for an admin; concurrent corrections and decisions have
// exactly one winner.
describe('calibration corrections', () => {
  let t: TestApp;
  let performer: Awaited<ReturnType<typeof makeUser>>;
  let other: Awaited<ReturnType<typeof makeUser>>;
  let std: { id: number };
  const at = new Date(Date.now() - 3_600_000).toISOString();
  beforeAll(async () => {
    t = await startTestApp();
    performer = await makeUser(t, 'technician');
    other = await makeUser(t, 'technician');
    std = await makeStandard(t, new Date());
  });
  afterAll(() => t?.stop());

  async function original() {
    const inst = await makeInstrument(t);
    const rec = await calibrate(
      t,
      { instrument_id: inst.id, performed_at: at, reference_standard_id: std.id, points: points(0.2, 0.1) },
      performer.token,
    );
    return { inst, rec };
  }
  const correction = (instId: number, correctsId: number) => ({
    instrument_id: instId,
    reference_standard_id: std.id,
    points: points(0.25, 0.05),
    corrects_id: correctsId,
    notes: 'as-left at 50 % was mistyped',
  });
  const audit = async (type: string, id: number) =>
    (
      (await t.api('GET', `/api/audit?entity_type=${type}&entity_id=${id}&limit=500`)).body.items as {
        action: string;
        user_id: number | null;
      }[]
    ).reverse();
  const statuses = (rs: ApiResponse[]) => {
    const by: Record<number, number> = {};
    for (const r of rs) by[r.status] = (by[r.status] ?? 0) + 1;
    return by;
  };
  const inForce = async (instId: number) =>
    (await t.api('GET', `/api/calibrations?instrument_id=${instId}&current_only=true`)).body.items.map(
      (c: { id: number }) => c.id,
    );

  it('keeps the performer and records who corrected: own record and an admin correct at once', async () => {
    const { inst, rec } = await original();
    const own = await t.api('POST', '/api/calibrations', {
      token: performer.token,
      body: correction(inst.id, rec.id),
    });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({
      corrects_id: rec.id,
      technician_id: performer.id,
      corrected_by: performer.id,
      pending_correction_id: null,
    });

    const byAdmin = await t.api('POST', '/api/calibrations', { body: correction(inst.id, own.body.id) });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body).toMatchObject({ technician_id: performer.id, corrected_by: 1 });
    expect(byAdmin.body.corrected_by_name).toBeTruthy();
    expect(await inForce(inst.id)).toEqual([byAdmin.body.id]);
  });

  it("holds a technician's correction of someone else's record for an admin; approval supersedes", async () => {
    const { inst, rec } = await original();
    const before = (await t.api('GET', `/api/instruments/${inst.id}`)).body;
    const res = await t.api('POST', '/api/calibrations', {
      token: other.token,
      body: correction(inst.id, rec.id),
    });
    expect(res.status).toBe(202);
    const pending = res.body;
    expect(pending).toMatchObject({
      status: 'pending',
      calibration_id: rec.id,
      requested_by: other.id,
      technician_id: performer.id,
      performed_at: rec.performed_at,
      max_as_left_error_pct: 0.05,
      record_id: null,
    });
    expect(pending.points).toHaveLength(9);

    // Until approved, the original stays in force and takes no other correction.
    const orig = (await t.api('GET', `/api/calibrations/${rec.id}`)).body;
    expect(orig).toMatchObject({
      superseded: false,
      corrected_by_id: null,
      pending_correction_id: pending.id,
    });
    expect(await inForce(inst.id)).toEqual([rec.id]);
    expect((await t.api('GET', `/api/instruments/${inst.id}`)).body.last_calibration_at).toBe(
      before.last_calibration_at,
    );
    const second = await t.api('POST', '/api/calibrations', { body: correction(inst.id, rec.id) });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({
      code: 'calibration_correction_pending',
      details: { correction_id: pending.id },
    });
    const queue = await t.api('GET', `/api/calibration-corrections?status=pending&instrument_id=${inst.id}`);
    expect(queue.body.items.map((c: { id: number }) => c.id)).toEqual([pending.id]);

    // Technicians cannot decide.
    for (const verb of ['approve', 'reject']) {
      const r = await t.api('POST', `/api/calibration-corrections/${pending.id}/${verb}`, {
        token: performer.token,
        body: { notes: 'ok' },
      });
      expect(r.status).toBe(403);
    }
    const approved = await t.api('POST', `/api/calibration-corrections/${pending.id}/approve`, {
      body: { notes: 'checked against the field sheet' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', reviewed_by: 1 });
    const fixed = (await t.api('GET', `/api/calibrations/${approved.body.record_id}`)).body;
    expect(fixed).toMatchObject({
      corrects_id: rec.id,
      technician_id: performer.id,
      corrected_by: other.id,
      performed_at: rec.performed_at,
      max_as_left_error_pct: 0.05,
    });
    expect((await t.api('GET', `/api/calibrations/${rec.id}`)).body).toMatchObject({
      superseded: true,
      corrected_by_id: fixed.id,
      pending_correction_id: null,
    });
    expect(await inForce(inst.id)).toEqual([fixed.id]);

    expect((await audit('calibration_correction', pending.id)).map((a) => [a.action, a.user_id])).toEqual([
      ['request', other.id],
      ['approve', 1],
    ]);
    expect((await audit('calibration_record', fixed.id)).map((a) => a.action)).toEqual(['correct']);
    const again = await t.api('POST', `/api/calibration-corrections/${pending.id}/reject`, {
      body: { notes: 'too late' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('calibration_correction_decided');
  });

  it('rejects a pending correction: the original stays in force and can be corrected again', async () => {
    const { inst, rec } = await original();
    const pending = (
      await t.api('POST', '/api/calibrations', { token: other.token, body: correction(inst.id, rec.id) })
    ).body;
    const noReason = await t.api('POST', `/api/calibration-corrections/${pending.id}/reject`, { body: {} });
    expect(noReason.status).toBe(400);
    const rejected = await t.api('POST', `/api/calibration-corrections/${pending.id}/reject`, {
      body: { notes: 'the field sheet shows the original values' },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', record_id: null });
    expect((await t.api('GET', `/api/calibrations/${rec.id}`)).body).toMatchObject({
      superseded: false,
      pending_correction_id: null,
    });
    expect(await inForce(inst.id)).toEqual([rec.id]);
    const retry = await t.api('POST', '/api/calibrations', {
      token: other.token,
      body: correction(inst.id, rec.id),
    });
    expect(retry.status).toBe(202);
  });

  it('lets one of 50 concurrent corrections of a record win', async () => {
    const { inst, rec } = await original();
    const rs = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.api('POST', '/api/calibrations', { body: correction(inst.id, rec.id) }),
      ),
    );
    expect(statuses(rs)).toEqual({ 201: 1, 409: 49 });
    for (const r of rs.filter((r) => r.status === 409))
      expect(r.body.error.code).toBe('calibration_already_corrected');
    const history = (await t.api('GET', `/api/instruments/${inst.id}/calibrations`)).body;
    expect(history.total).toBe(2);
    const winner = rs.find((r) => r.status === 201)!.body;
    expect(await inForce(inst.id)).toEqual([winner.id]);
    const corrections = await t.api(
      'GET',
      `/api/audit?entity_type=calibration_record&action=correct&limit=500`,
    );
    expect(
      corrections.body.items.filter((a: { entity_id: string }) => a.entity_id === String(winner.id)),
    ).toHaveLength(1);
  });

  it('stores one of 50 concurrent correction requests and approves it once of 50', async () => {
    const { inst, rec } = await original();
    const rs = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.api('POST', '/api/calibrations', { token: other.token, body: correction(inst.id, rec.id) }),
      ),
    );
    expect(statuses(rs)).toEqual({ 202: 1, 409: 49 });
    const pending = rs.find((r) => r.status === 202)!.body;
    const decisions = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2
          ? t.api('POST', `/api/calibration-corrections/${pending.id}/approve`, { body: {} })
          : t.api('POST', `/api/calibration-corrections/${pending.id}/reject`, { body: { notes: 'no' } }),
      ),
    );
    expect(statuses(decisions)).toEqual({ 200: 1, 409: 49 });
    const final = (await t.api('GET', `/api/calibration-corrections/${pending.id}`)).body;
    const actions = (await audit('calibration_correction', pending.id)).map((a) => a.action);
    expect(actions).toEqual(['request', final.status === 'approved' ? 'approve' : 'reject']);
    const history = (await t.api('GET', `/api/instruments/${inst.id}/calibrations`)).body;
    expect(history.total).toBe(final.status === 'approved' ? 2 : 1);
    expect(await inForce(inst.id)).toEqual([final.status === 'approved' ? final.record_id : rec.id]);
  });
});
