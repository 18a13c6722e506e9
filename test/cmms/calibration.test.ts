import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, DAY_MS, makeStandard, points } from './cmms-fixtures.ts';

describe('calibration records and reference standards', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  it('records a passing and a failing multi-point calibration: errors per point, corrective work order, due date moves', async () => {
    const now = new Date();
    const inst = await makeInstrument(t, { accuracy_class: 0.5, calibration_interval_days: 180 });
    // Certified before the first calibration below (a standard is never used before its certificate).
    const std = await makeStandard(t, now, { calibratedDaysAgo: 250 });

    const firstAt = new Date(now.getTime() - 200 * DAY_MS).toISOString();
    const pass = await calibrate(
      t,
      {
        instrument_id: inst.id,
        performed_at: firstAt,
        reference_standard_id: std.id,
        notes: 'annual check',
        points: points(0.3, 0.1),
      },
      tech.token,
    );
    expect(pass).toMatchObject({
      instrument_id: inst.id,
      technician_id: tech.id,
      reference_standard_id: std.id,
      reference_standard_identifier: std.identifier,
      tolerance_pct: 0.5,
      passed: true,
      as_found_passed: true,
      as_left_passed: true,
      outcome: 'passed',
      corrective_work_order_id: null,
    });
    expect(pass.points).toHaveLength(9);
    expect(pass.points[3]).toMatchObject({
      seq: 3,
      reference_value: 7.5,
      as_found: 7.53,
      as_left: 7.51,
      as_found_error_pct: 0.3,
      as_left_error_pct: 0.1,
      as_found_passed: true,
      as_left_passed: true,
    });
    expect(pass.next_due_at).toBe(new Date(Date.parse(firstAt) + 180 * DAY_MS).toISOString());
    // 200 days ago + 180 days: the instrument is overdue until the next calibration.
    const before = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(before.body.calibration_overdue).toBe(true);
    expect(before.body.next_calibration_due).toBe(pass.next_due_at);

    // Found 0.8 % of span high at 75 % (tolerance 0.5 %), adjusted back to 0.1 %.
    const failPoints = points(0.2, 0.1);
    failPoints[3].as_found = 7.58;
    const secondAt = new Date(now.getTime() - 3_600_000).toISOString();
    const fail = await calibrate(
      t,
      { instrument_id: inst.id, performed_at: secondAt, reference_standard_id: std.id, points: failPoints },
      tech.token,
    );
    expect(fail).toMatchObject({
      passed: false,
      as_found_passed: false,
      as_left_passed: true,
      outcome: 'failed_as_found',
      max_as_found_error_pct: 0.8,
    });
    expect(fail.points[3]).toMatchObject({
      as_found_error_pct: 0.8,
      as_found_passed: false,
      as_left_passed: true,
    });
    expect(fail.corrective_work_order_id).toEqual(expect.any(Number));

    const wo = await t.api('GET', `/api/work-orders/${fail.corrective_work_order_id}`);
    expect(wo.body).toMatchObject({
      instrument_id: inst.id,
      type: 'corrective',
      priority: 'high',
      status: 'open',
      source: 'calibration_failed',
      calibration_record_id: fail.id,
    });
    expect(wo.body.description).toContain('7.58');

    // The next due date moved to the new calibration + interval.
    const after = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(after.body.last_calibration_at).toBe(secondAt);
    expect(after.body.next_calibration_due).toBe(new Date(Date.parse(secondAt) + 180 * DAY_MS).toISOString());
    expect(after.body.calibration_overdue).toBe(false);

    // History: newest first, as-found and as-left per point with error %, the failure marked.
    const history = await t.api('GET', `/api/instruments/${inst.id}/calibrations`);
    expect(history.status).toBe(200);
    expect(history.body.total).toBe(2);
    expect(history.body.items.map((c: { id: number }) => c.id)).toEqual([fail.id, pass.id]);
    const [h0, h1] = history.body.items;
    expect(h0).toMatchObject({
      outcome: 'failed_as_found',
      corrective_work_order_id: fail.corrective_work_order_id,
    });
    expect(h0.points[3]).toMatchObject({
      reference_value: 7.5,
      as_found: 7.58,
      as_left: 7.51,
      as_found_error_pct: 0.8,
    });
    expect(h1.points[0]).toMatchObject({ as_found_error_pct: 0.3, as_left_error_pct: 0.1 });

    // Both records and the generated work order are in the audit trail, by the right user.
    const audit = await t.api('GET', `/api/audit?entity_type=calibration_record&entity_id=${fail.id}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ action: 'create', user_id: tech.id });
    const woAudit = await t.api(
      'GET',
      `/api/audit?entity_type=work_order&entity_id=${fail.corrective_work_order_id}`,
    );
    expect(woAudit.body.items.map((a: { action: string }) => a.action)).toContain('create');
  });

  it('opens an urgent work order when the instrument is still out of tolerance after adjustment', async () => {
    const inst = await makeInstrument(t, { accuracy_class: 0.25 });
    const std = await makeStandard(t, new Date());
    const rec = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(0.6, 0.4),
    });
    expect(rec).toMatchObject({ outcome: 'failed_as_left', passed: false, as_left_passed: false });
    const wo = await t.api('GET', `/api/work-orders/${rec.corrective_work_order_id}`);
    expect(wo.body.priority).toBe('urgent');
  });

  it('refuses a calibration with an expired reference standard (422) and names bad fields (400)', async () => {
    const now = new Date();
    const inst = await makeInstrument(t);
    const expired = await makeStandard(t, now, { calibratedDaysAgo: 400, validDays: 365 });
    const res = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: { instrument_id: inst.id, reference_standard_id: expired.id, points: points(0.1, 0.1) },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('reference_standard_expired');
    expect(res.body.error.message).toContain(expired.identifier);
    expect(res.body.error.details).toMatchObject({
      reference_standard_id: expired.id,
      due_date: expired.due_date,
    });
    // Nothing was stored.
    expect((await t.api('GET', `/api/instruments/${inst.id}/calibrations`)).body.total).toBe(0);

    // A calibration done while the standard was still valid may be entered later.
    const backdated = new Date(Date.parse(expired.due_date) - 2 * DAY_MS).toISOString();
    const ok = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: {
        instrument_id: inst.id,
        reference_standard_id: expired.id,
        performed_at: backdated,
        points: points(0.1, 0.1),
      },
    });
    expect(ok.status).toBe(201);

    const valid = await makeStandard(t, now);
    const cases: [Record<string, unknown>, string][] = [
      [{ instrument_id: inst.id, reference_standard_id: valid.id, points: [] }, 'points'],
      [{ instrument_id: inst.id, reference_standard_id: valid.id }, 'points'],
      [{ instrument_id: inst.id, points: points(0, 0) }, 'reference_standard_id'],
      [
        {
          instrument_id: inst.id,
          reference_standard_id: valid.id,
          points: [{ reference_value: 1, as_found: 'x', as_left: 1 }],
        },
        'points.0.as_found',
      ],
      [{ instrument_id: 999999, reference_standard_id: valid.id, points: points(0, 0) }, 'instrument_id'],
      [
        { instrument_id: inst.id, reference_standard_id: 999999, points: points(0, 0) },
        'reference_standard_id',
      ],
      [
        {
          instrument_id: inst.id,
          reference_standard_id: valid.id,
          points: [{ reference_value: 50, as_found: 50, as_left: 50 }],
        },
        'points.0.reference_value',
      ],
      [
        {
          instrument_id: inst.id,
          reference_standard_id: valid.id,
          performed_at: new Date(now.getTime() + 2 * DAY_MS).toISOString(),
          points: points(0, 0),
        },
        'performed_at',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await t.api('POST', '/api/calibrations', { token: tech.token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.details.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('corrects a record with a new record that references it; the original is kept and marked superseded', async () => {
    const inst = await makeInstrument(t);
    const std = await makeStandard(t, new Date());
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const original = await calibrate(
      t,
      { instrument_id: inst.id, performed_at: at, reference_standard_id: std.id, points: points(0.2, 0.1) },
      tech.token,
    );
    const fix = await calibrate(
      t,
      {
        instrument_id: inst.id,
        performed_at: at,
        reference_standard_id: std.id,
        points: points(0.25, 0.05),
        corrects_id: original.id,
        notes: 'as-left at 50 % was mistyped',
      },
      tech.token,
    );
    expect(fix.corrects_id).toBe(original.id);
    const old = await t.api('GET', `/api/calibrations/${original.id}`);
    expect(old.body).toMatchObject({ superseded: true, corrected_by_id: fix.id, max_as_left_error_pct: 0.1 });
    const history = await t.api('GET', `/api/instruments/${inst.id}/calibrations`);
    expect(history.body.total).toBe(2);
    const current = await t.api('GET', `/api/calibrations?instrument_id=${inst.id}&current_only=true`);
    expect(current.body.items.map((c: { id: number }) => c.id)).toEqual([fix.id]);

    const again = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: {
        instrument_id: inst.id,
        reference_standard_id: std.id,
        points: points(0, 0),
        corrects_id: original.id,
      },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'calibration_already_corrected',
      details: { corrected_by_id: fix.id },
    });

    const other = await makeInstrument(t);
    const wrong = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: {
        instrument_id: other.id,
        reference_standard_id: std.id,
        points: points(0, 0),
        corrects_id: fix.id,
      },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.field).toBe('corrects_id');
    const audit = await t.api('GET', `/api/audit?entity_type=calibration_record&entity_id=${fix.id}`);
    expect(audit.body.items[0].action).toBe('correct');
  });

  it('lists every calibration done with a standard (reverse traceability)', async () => {
    const std = await makeStandard(t, new Date());
    const otherStd = await makeStandard(t, new Date());
    const a = await makeInstrument(t);
    const b = await makeInstrument(t);
    const c1 = await calibrate(t, {
      instrument_id: a.id,
      reference_standard_id: std.id,
      points: points(0.1, 0),
    });
    const c2 = await calibrate(t, {
      instrument_id: b.id,
      reference_standard_id: std.id,
      points: points(0.1, 0),
    });
    await calibrate(t, { instrument_id: b.id, reference_standard_id: otherStd.id, points: points(0.1, 0) });
    const res = await t.api('GET', `/api/reference-standards/${std.id}/calibrations`, { token: tech.token });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(res.body.items.map((c: { id: number }) => c.id).sort()).toEqual([c1.id, c2.id].sort());
    expect(res.body.items.map((c: { tag: string }) => c.tag).sort()).toEqual([a.tag, b.tag].sort());
    expect((await t.api('GET', '/api/reference-standards/999999/calibrations')).status).toBe(404);
  });

  it('keeps the register of reference standards: admins write, technicians read, every change audited', async () => {
    const now = new Date();
    const created = await makeStandard(t, now, { identifier: 'RS-REG-1' });
    expect(created).toMatchObject({ identifier: 'RS-REG-1', expired: false });

    const dup = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: 'RS-REG-1',
        description: 'x',
        certificate_number: 'c',
        accuracy: 'a',
        calibrated_on: '2026-01-01',
        due_date: '2027-01-01',
      },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('reference_standard_identifier_taken');
    // The certificate is never edited in place (issue 13): a new certificate is a new row.
    const badDates = await t.api('PATCH', `/api/reference-standards/${created.id}`, {
      body: { due_date: '2000-01-01' },
    });
    expect(badDates.status).toBe(409);
    expect(badDates.body.error.code).toBe('reference_standard_certificate_immutable');
    expect(badDates.body.error.details.field).toBe('due_date');
    const badFormat = await t.api('PATCH', `/api/reference-standards/${created.id}`, {
      body: { due_date: 'soon' },
    });
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.error.details.field).toBe('due_date');

    const asTech = await t.api('POST', '/api/reference-standards', {
      token: tech.token,
      body: {
        identifier: 'X',
        description: 'x',
        certificate_number: 'c',
        accuracy: 'a',
        calibrated_on: '2026-01-01',
        due_date: '2027-01-01',
      },
    });
    expect(asTech.status).toBe(403);
    const list = await t.api('GET', '/api/reference-standards?q=RS-REG', { token: tech.token });
    expect(list.body.items.map((s: { identifier: string }) => s.identifier)).toEqual(['RS-REG-1']);

    const patched = await t.api('PATCH', `/api/reference-standards/${created.id}`, {
      body: { description: 'Fluke 754 documenting calibrator' },
    });
    expect(patched.body.description).toBe('Fluke 754 documenting calibrator');
    const expired = await makeStandard(t, now, { calibratedDaysAgo: 500 });
    const expiredList = await t.api('GET', '/api/reference-standards?status=expired&limit=500');
    expect(expiredList.body.items.map((s: { id: number }) => s.id)).toContain(expired.id);
    expect(expiredList.body.items.every((s: { expired: boolean }) => s.expired)).toBe(true);

    expect((await t.api('DELETE', `/api/reference-standards/${created.id}`)).status).toBe(200);
    expect((await t.api('GET', '/api/reference-standards?q=RS-REG')).body.total).toBe(0);
    const audit = await t.api('GET', `/api/audit?entity_type=reference_standard&entity_id=${created.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action).reverse()).toEqual([
      'create',
      'update',
      'delete',
    ]);
  });
});
