import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, DAY_MS, makeStandard, points } from './cmms-fixtures.ts';

const completion = { completion_notes: 'done', actual_duration_minutes: 45, parts_used: 'none' };

describe('calibration outcomes that show (issue 13 items 5 and 6)', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  it('a failed as-left puts the instrument out of tolerance in the register, dashboard, health and report', async () => {
    const now = new Date();
    const std = await makeStandard(t, now);
    const inst = await makeInstrument(t, { accuracy_class: 0.5 });
    const bad = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(60, 60),
    });
    expect(bad.outcome).toBe('failed_as_left');

    const reg = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(reg.body).toMatchObject({ out_of_tolerance: true, calibration_overdue: false });
    const list = await t.api('GET', `/api/instruments?q=${inst.tag}`);
    expect(list.body.items[0].out_of_tolerance).toBe(true);

    const dash = await t.api('GET', '/api/dashboard/summary');
    const card = dash.body.instruments.find((c: { id: number }) => c.id === inst.id);
    expect(card.out_of_tolerance).toBe(true);
    expect(card.health_score).toBeLessThanOrEqual(45);
    expect(card.health_parts.calibration).toBe(20);

    const report = await t.api('GET', `/api/reports/calibration?tag=${inst.tag}`);
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    const status = report.body.sections.find((s: { key: string }) => s.key === 'status');
    expect(status.rows.find((r: { tag: string }) => r.tag === inst.tag).status).toBe('OUT OF TOLERANCE');
    expect(report.body.summary.out_of_tolerance).toBe(1);

    // A calibration that leaves it in tolerance ends the state.
    await calibrate(t, { instrument_id: inst.id, reference_standard_id: std.id, points: points(0.1, 0.1) });
    const after = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(after.body.out_of_tolerance).toBe(false);
  });

  it('concurrent calibrations of one instrument: the dashboard ends where the register does', async () => {
    const now = Date.now();
    const std = await makeStandard(t, new Date(now));
    const insts = await Promise.all([1, 2, 3, 4].map(() => makeInstrument(t, { accuracy_class: 0.5 })));
    // Per instrument, a failed and a passing calibration at once; which is newer alternates, so the
    // state in memory must follow whichever reload started last, not whichever finished last.
    await Promise.all(
      insts.flatMap((inst, k) => [
        calibrate(t, {
          instrument_id: inst.id,
          reference_standard_id: std.id,
          performed_at: new Date(now - (k % 2 ? 1 : 2) * 3600_000).toISOString(),
          points: points(60, 60),
        }),
        calibrate(t, {
          instrument_id: inst.id,
          reference_standard_id: std.id,
          performed_at: new Date(now - (k % 2 ? 2 : 1) * 3600_000).toISOString(),
          points: points(0.1, 0.1),
        }),
      ]),
    );
    for (const [k, inst] of insts.entries()) {
      const reg = (await t.api('GET', `/api/instruments/${inst.id}`)).body;
      expect(reg.out_of_tolerance).toBe(k % 2 === 1);
      const card = (await t.api('GET', `/api/dashboard/summary?search=${inst.tag}`)).body.instruments[0];
      expect(card).toMatchObject({
        out_of_tolerance: reg.out_of_tolerance,
        next_calibration_due: reg.next_calibration_due,
      });
    }
  });

  it('a failed as-found opens an impact assessment the work order cannot be completed without', async () => {
    const now = new Date();
    const std = await makeStandard(t, now, { calibratedDaysAgo: 200 });
    const inst = await makeInstrument(t, { accuracy_class: 0.5 });
    const good = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      performed_at: new Date(now.getTime() - 100 * DAY_MS).toISOString(),
      points: points(0.1, 0.1),
    });
    const failed = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(2, 0.1),
    });
    expect(failed.outcome).toBe('failed_as_found');
    const woId = failed.corrective_work_order_id;
    expect(woId).toBeTypeOf('number');

    const ia = await t.api('GET', `/api/work-orders/${woId}/impact-assessment`, { token: tech.token });
    expect(ia.status).toBe(200);
    expect(ia.body).toMatchObject({
      status: 'open',
      calibration_record_id: failed.id,
      period_from: good.performed_at,
      period_to: failed.performed_at,
      readings_count: 0,
      alerts_count: 0,
    });

    await t.api('PATCH', `/api/work-orders/${woId}`, { body: { status: 'in_progress' } });
    const blocked = await t.api('PATCH', `/api/work-orders/${woId}`, {
      body: { status: 'completed', ...completion },
    });
    expect(blocked.status).toBe(422);
    expect(blocked.body.error.code).toBe('impact_assessment_open');

    const noText = await t.api('PATCH', `/api/impact-assessments/${ia.body.id}`, {
      body: { status: 'completed' },
    });
    expect(noText.status).toBe(400);
    const [c1, c2] = await Promise.all(
      [1, 2].map(() =>
        t.api('PATCH', `/api/impact-assessments/${ia.body.id}`, {
          token: tech.token,
          body: {
            assessment: 'Readings used only for indication; no product affected.',
            status: 'completed',
          },
        }),
      ),
    );
    expect([c1.status, c2.status].sort()).toEqual([200, 409]);
    const done = await t.api('PATCH', `/api/work-orders/${woId}`, {
      body: { status: 'completed', ...completion },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const openList = await t.api('GET', `/api/impact-assessments?status=completed&instrument_id=${inst.id}`);
    expect(openList.body.total).toBe(1);
    expect(openList.body.items[0].completed_by).toBe(tech.id);
  });

  it('a reference standard found out of tolerance flags every calibration since its last good certificate', async () => {
    const now = new Date();
    const std = await makeStandard(t, now, { calibratedDaysAgo: 60 });
    const i1 = await makeInstrument(t);
    const i2 = await makeInstrument(t);
    const c1 = await calibrate(t, {
      instrument_id: i1.id,
      reference_standard_id: std.id,
      performed_at: new Date(now.getTime() - 40 * DAY_MS).toISOString(),
      points: points(0.1, 0.1),
    });
    const c2 = await calibrate(t, {
      instrument_id: i2.id,
      reference_standard_id: std.id,
      points: points(0.1, 0.1),
    });
    const otherStd = await makeStandard(t, now);
    await calibrate(t, {
      instrument_id: i2.id,
      reference_standard_id: otherStd.id,
      points: points(0.1, 0.1),
    });

    const asTech = await t.api('POST', `/api/reference-standards/${std.id}/out-of-tolerance`, {
      token: tech.token,
      body: { notes: 'x' },
    });
    expect(asTech.status).toBe(403);
    const noNotes = await t.api('POST', `/api/reference-standards/${std.id}/out-of-tolerance`, { body: {} });
    expect(noNotes.status).toBe(400);
    const rep = await t.api('POST', `/api/reference-standards/${std.id}/out-of-tolerance`, {
      body: { notes: 'Found 0.1 % FS high at its annual calibration' },
    });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    expect(rep.body.flagged).toBe(2);
    expect(
      rep.body.flags.map((f: { calibration_record_id: number }) => f.calibration_record_id).sort(),
    ).toEqual([c1.id, c2.id].sort());
    const listed = await t.api('GET', `/api/reference-standards/${std.id}/out-of-tolerance`, {
      token: tech.token,
    });
    expect(listed.body.total).toBe(1);

    const open = await t.api(
      'GET',
      `/api/calibration-review-flags?status=open&reference_standard_id=${std.id}`,
    );
    expect(open.body.total).toBe(2);
    const flagId = open.body.items[0].id;
    const reviews = await Promise.all(
      [1, 2].map(() =>
        t.api('POST', `/api/calibration-review-flags/${flagId}/review`, {
          body: { notes: 'error within margin' },
        }),
      ),
    );
    expect(reviews.map((r) => r.status).sort()).toEqual([200, 409]);
    const left = await t.api(
      'GET',
      `/api/calibration-review-flags?status=open&reference_standard_id=${std.id}`,
    );
    expect(left.body.total).toBe(1);
  });

  it('closing a calibration work order needs a calibration performed after it was opened', async () => {
    const now = new Date();
    const std = await makeStandard(t, now, { calibratedDaysAgo: 400, validDays: 800 });
    const inst = await makeInstrument(t, { calibration_interval_days: 180 });
    const old = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      performed_at: new Date(now.getTime() - 365 * DAY_MS).toISOString(),
      points: points(0.1, 0.1),
    });
    const wo = await t.api('POST', '/api/work-orders', {
      body: { instrument_id: inst.id, title: 'Overdue calibration', type: 'calibration' },
    });
    expect(wo.status).toBe(201);
    await t.api('PATCH', `/api/work-orders/${wo.body.id}`, { body: { status: 'in_progress' } });
    const link = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
      body: { status: 'completed', ...completion, calibration_record_id: old.id },
    });
    expect(link.status).toBe(422);
    expect(link.body.error.code).toBe('calibration_before_work_order');

    const backdated = await t.api('POST', '/api/calibrations', {
      body: {
        instrument_id: inst.id,
        reference_standard_id: std.id,
        work_order_id: wo.body.id,
        performed_at: new Date(now.getTime() - 2 * DAY_MS).toISOString(),
        points: points(0.1, 0.1),
      },
    });
    expect(backdated.status).toBe(400);
    expect(backdated.body.error.details.field).toBe('performed_at');

    // The form gives minutes: a calibration stamped at the start of the minute the order was
    // opened in (seconds before it) counts as done under it.
    const opened = Date.parse(wo.body.created_at);
    const sameMinute = await t.api('POST', '/api/calibrations', {
      body: {
        instrument_id: inst.id,
        reference_standard_id: std.id,
        work_order_id: wo.body.id,
        performed_at: new Date(Math.floor(opened / 60_000) * 60_000).toISOString(),
        points: points(0.1, 0.1),
        reduced_check: true,
      },
    });
    expect(sameMinute.status, JSON.stringify(sameMinute.body)).toBe(201);

    const made = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      work_order_id: wo.body.id,
      points: points(0.1, 0.1),
    });
    const done = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
      body: { status: 'completed', ...completion },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.calibration_record_id).toBe(made.id);
  });
});
