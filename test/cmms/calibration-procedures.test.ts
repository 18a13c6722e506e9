import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, DAY_MS, makeStandard } from './cmms-fixtures.ts';

// Issue 13 items 2 and 3: procedures (points, direction, tolerance rule, transfer function) that
// the API enforces, reduced checks and the due date, hysteresis and repeatability.

const upDown = (pcts: number[]) => [...pcts, ...pcts.slice(0, -1).reverse()];

describe('calibration procedures', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  const procedure = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/api/calibration-procedures', { body });
    if (res.status !== 201) throw new Error(`procedure: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, any>;
  };

  it('admins write procedures (audited, revisions), technicians read; bad rules are 400', async () => {
    const p = await procedure({
      name: `PT 5-point ${Date.now()}`,
      test_points: [100, 0, 50, 25, 75],
      direction: 'up_down',
      tolerance: { mode: 'pct_span', fail_limit: 0.5, adjust_limit: 0.25 },
    });
    expect(p).toMatchObject({
      revision: 1,
      test_points: [0, 25, 50, 75, 100],
      cycles: 1,
      allow_reduced_check: false,
    });
    expect(p.sequence.map((s: { nominal_pct: number }) => s.nominal_pct)).toEqual(
      upDown([0, 25, 50, 75, 100]),
    );

    const asTech = await t.api('POST', '/api/calibration-procedures', {
      token: tech.token,
      body: { name: 'x', test_points: [0], direction: 'up', tolerance: { mode: 'units', fail_limit: 1 } },
    });
    expect(asTech.status).toBe(403);
    expect((await t.api('GET', `/api/calibration-procedures/${p.id}`, { token: tech.token })).status).toBe(
      200,
    );

    const bad = [
      [{ tolerance: { mode: 'pct_span', fail_limit: 0.5, adjust_limit: 0.6 } }, 'tolerance.adjust_limit'],
      [{ test_points: [0, 50, 50] }, 'test_points'],
      [{ test_points: [0, 120] }, 'test_points/1'],
      [{ tolerance: { mode: 'pct_of_nothing', fail_limit: 1 } }, 'tolerance/mode'],
      [
        { transfer_function: { kind: 'sqrt', input_min: 10, input_max: 0, input_unit: 'mbar' } },
        'transfer_function.input_max',
      ],
      [{ direction: 'sideways' }, 'direction'],
      [{ sneaky: 1 }, 'sneaky'],
    ] as const;
    for (const [patch, field] of bad) {
      const res = await t.api('PATCH', `/api/calibration-procedures/${p.id}`, { body: patch });
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(String(res.body.error.details.field)).toContain(field.split('/')[0]);
    }
    const dup = await t.api('POST', '/api/calibration-procedures', {
      body: {
        name: p.name.toUpperCase(),
        test_points: [0],
        direction: 'up',
        tolerance: { mode: 'units', fail_limit: 1 },
      },
    });
    expect(dup.status).toBe(409);
    const edited = await t.api('PATCH', `/api/calibration-procedures/${p.id}`, { body: { cycles: 2 } });
    expect(edited.body).toMatchObject({ revision: 2, cycles: 2 });
    const audit = await t.api('GET', `/api/audit?entity_type=calibration_procedure&entity_id=${p.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action).reverse()).toEqual(['create', 'update']);
  });

  it('enforces the procedure points; computes hysteresis; a reduced check keeps the due date unless allowed', async () => {
    const now = new Date();
    const std = await makeStandard(t, now, { calibratedDaysAgo: 300 });
    const p = await procedure({
      name: `PT up-down ${Date.now()}`,
      test_points: [0, 50, 100],
      direction: 'up_down',
      tolerance: { mode: 'pct_span', fail_limit: 1, adjust_limit: 0.5 },
    });
    const type = 'level';
    const inst = await makeInstrument(t, { accuracy_class: 0.25, calibration_interval_days: 90 });
    // By instrument; a type assignment reaches only instruments of that type.
    const assigned = await t.api('PUT', `/api/instruments/${inst.id}/calibration-procedure`, {
      body: { procedure_id: p.id },
    });
    expect(assigned.body).toMatchObject({ source: 'instrument', procedure: { id: p.id } });
    const other = await makeInstrument(t);
    expect(
      (
        await t.api('PUT', `/api/instrument-types/${type}/calibration-procedure`, {
          body: { procedure_id: p.id },
        })
      ).status,
    ).toBe(200);
    expect((await t.api('GET', `/api/instruments/${other.id}/calibration-procedure`)).body.source).toBe(
      'none',
    );

    const base = { instrument_id: inst.id, reference_standard_id: std.id };
    // Five points of the procedure 0-50-100-50-0 going up reads 0.2 % low, going down 0.2 % high.
    const pts = (refs: number[], errUp = -0.02, errDown = 0.02) =>
      refs.map((ref, i) => {
        const down = i > refs.indexOf(Math.max(...refs));
        const v = Number((ref + (down ? errDown : errUp)).toFixed(6));
        return { reference_value: ref, as_found: v, as_left: v };
      });

    const wrongCount = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: { ...base, points: pts([0, 5, 10]) },
    });
    expect(wrongCount.status).toBe(400);
    expect(wrongCount.body.error.details.field).toBe('points');
    expect(wrongCount.body.error.message).toContain('takes 5 points');
    const wrongPlace = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: { ...base, points: pts([0, 6, 10, 5, 0]) },
    });
    expect(wrongPlace.status).toBe(400);
    expect(wrongPlace.body.error.details.field).toBe('points.1.reference_value');
    expect(wrongPlace.body.error.message).toContain('50 % of span');

    const at = new Date(now.getTime() - 40 * DAY_MS).toISOString();
    const full = await calibrate(
      t,
      { ...base, performed_at: at, points: pts([0, 5.01, 10, 4.99, 0]) },
      tech.token,
    );
    expect(full).toMatchObject({
      procedure_id: p.id,
      procedure_name: p.name,
      procedure_revision: 1,
      reduced_check: false,
      resets_due_date: true,
      passed: true,
      tolerance_pct: 1,
      hysteresis_as_found_pct: 0.4,
      repeatability_as_found_pct: null,
    });
    expect(full.points.map((q: { direction: string }) => q.direction)).toEqual([
      'up',
      'up',
      'up',
      'down',
      'down',
    ]);
    expect(full.points[1]).toMatchObject({
      nominal_pct: 50,
      fail_limit: 0.1,
      adjust_limit: 0.05,
      as_found_verdict: 'pass',
    });
    const dueAfterFull = full.next_due_at;
    expect(dueAfterFull).toBe(new Date(Date.parse(at) + 90 * DAY_MS).toISOString());

    // A one-point check: refused without reduced_check, recorded with it, due date unchanged.
    const one = [{ reference_value: 5, as_found: 5.07, as_left: 5.07 }];
    const noFlag = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: { ...base, points: one },
    });
    expect(noFlag.status).toBe(400);
    const check = await calibrate(t, { ...base, reduced_check: true, points: one }, tech.token);
    expect(check).toMatchObject({ reduced_check: true, resets_due_date: false, next_due_at: dueAfterFull });
    // 0.7 % of span: beyond the adjust limit (0.5 %), inside the fail limit (1 %).
    expect(check.points[0]).toMatchObject({ as_found_verdict: 'adjust', as_found_passed: true });
    expect(check.warnings.map((w: { code: string }) => w.code)).toContain('reduced_check_no_due_date');
    const instNow = await t.api('GET', `/api/instruments/${inst.id}`);
    expect(instNow.body.next_calibration_due).toBe(dueAfterFull);

    // Once the procedure allows it, a reduced check resets the due date.
    await t.api('PATCH', `/api/calibration-procedures/${p.id}`, { body: { allow_reduced_check: true } });
    const allowed = await calibrate(t, { ...base, reduced_check: true, points: one }, tech.token);
    expect(allowed).toMatchObject({ reduced_check: true, resets_due_date: true, procedure_revision: 2 });
    expect(Date.parse(allowed.next_due_at)).toBeGreaterThan(Date.parse(dueAfterFull));

    // Unassigned: the instrument is back to its accuracy class and free points.
    await t.api('PUT', `/api/instruments/${inst.id}/calibration-procedure`, { body: { procedure_id: null } });
    const free = await calibrate(t, { ...base, points: pts([0, 2, 4, 6, 8, 10]) }, tech.token);
    expect(free).toMatchObject({ procedure_id: null, tolerance_pct: 0.25 });
  });

  it('resolves a square-root flow transmitter from applied DP, % of reading tolerance with guard band', async () => {
    const now = new Date();
    const p = await procedure({
      name: `FT sqrt ${Date.now()}`,
      test_points: [25, 50, 100],
      direction: 'up',
      tolerance: { mode: 'pct_reading', fail_limit: 1, guard_band_pct: 20 },
      transfer_function: { kind: 'sqrt', input_min: 0, input_max: 250, input_unit: 'mbar' },
    });
    const inst = await makeInstrument(t, {
      type: 'flow',
      unit: 'm3/h',
      range_min: 0,
      range_max: 120,
      nominal_value: 60,
      alarm_low_critical: null,
      alarm_low_warning: null,
      alarm_high_warning: null,
      alarm_high_critical: null,
    });
    await t.api('PUT', `/api/instrument-types/flow/calibration-procedure`, { body: { procedure_id: p.id } });
    expect((await t.api('GET', `/api/instruments/${inst.id}/calibration-procedure`)).body).toMatchObject({
      source: 'type',
      procedure: { id: p.id },
    });
    // mbar standard with ±0.05 mbar: converted through the square root's slope.
    const stdRes = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: `DP-${Date.now()}`,
        description: 'DP calibrator',
        certificate_number: 'DP-CERT-1',
        accuracy: '0.02 % FS',
        calibrated_on: new Date(now.getTime() - 10 * DAY_MS).toISOString().slice(0, 10),
        due_date: new Date(now.getTime() + 300 * DAY_MS).toISOString().slice(0, 10),
        uncertainty_value: 0.5,
        uncertainty_unit: 'mbar',
      },
    });
    expect(stdRes.status).toBe(201);
    const needInput = await t.api('POST', '/api/calibrations', {
      body: {
        instrument_id: inst.id,
        reference_standard_id: stdRes.body.id,
        points: [{ reference_value: 60, as_found: 60, as_left: 60 }],
      },
    });
    expect(needInput.status).toBe(400);
    expect(needInput.body.error.details.field).toBe('points.0.input_value');
    // 25 % flow = 6.25 % DP = 15.625 mbar; 50 % = 62.5 mbar; 100 % = 250 mbar.
    const rec = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: stdRes.body.id,
      points: [
        { input_value: 15.625, as_found: 30.2, as_left: 30.1 },
        { input_value: 62.5, as_found: 60.55, as_left: 60.1 },
        { input_value: 250, as_found: 119.5, as_left: 120 },
      ],
    });
    expect(rec.points.map((q: { reference_value: number }) => q.reference_value)).toEqual([30, 60, 120]);
    // 1 % of reading at 60 m3/h = 0.6, guard band 20 % leaves 0.48; +0.55 fails as found.
    expect(rec.points[1]).toMatchObject({
      input_value: 62.5,
      fail_limit: 0.6,
      acceptance_limit: 0.48,
      as_found_verdict: 'fail',
    });
    expect(rec.points[0].as_found_verdict).toBe('pass');
    expect(rec).toMatchObject({ as_found_passed: false, as_left_passed: true });
    // u = 0.5 mbar x d(flow)/d(DP): at 62.5 mbar the slope is 120 / (2 sqrt(62.5 x 250)) = 0.48 m3/h per mbar.
    expect(rec.points[1].std_uncertainty).toBeCloseTo(0.24, 3);
    expect(rec.points[1].tur).toBeCloseTo(2.5, 2);
    expect(rec.min_tur).toBeLessThan(4);
    const w = rec.warnings.find((x: { code: string }) => x.code === 'tur_below_4');
    expect(w.message).toContain('below 4:1');

    // The calibration report carries direction, TUR and the low-TUR remark per record.
    const report = await t.api('GET', `/api/reports/calibration?instrument_id=${inst.id}`);
    expect(report.status).toBe(200);
    const rows = report.body.rows.filter((r: { calibration_id: number }) => r.calibration_id === rec.id);
    expect(rows.map((r: { direction: string }) => r.direction)).toEqual(['up', 'up', 'up']);
    expect(rows[1].tur).toBeCloseTo(2.5, 2);
    expect(rows[0]).toMatchObject({ procedure: p.name, remarks: expect.stringContaining('below 4:1') });
  });

  it('concurrent edits: one wins per revision (409 for the rest); concurrent assignments leave one row', async () => {
    const p = await procedure({
      name: `Race ${Date.now()}`,
      test_points: [0, 100],
      direction: 'up',
      tolerance: { mode: 'pct_span', fail_limit: 1 },
    });
    const edits = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        t.api('PATCH', `/api/calibration-procedures/${p.id}`, { body: { description: `edit ${n}` } }),
      ),
    );
    const ok = edits.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(1);
    for (const r of edits) {
      if (r.status !== 200) expect(r.body.error.code).toBe('calibration_procedure_changed');
    }
    expect((await t.api('GET', `/api/calibration-procedures/${p.id}`)).body.revision).toBe(1 + ok);

    const inst = await makeInstrument(t);
    const other = await procedure({
      name: `Race other ${Date.now()}`,
      test_points: [0, 50, 100],
      direction: 'up',
      tolerance: { mode: 'units', fail_limit: 0.05 },
    });
    const puts = await Promise.all(
      [p.id, other.id, p.id, other.id, p.id, other.id, p.id, other.id].map((id) =>
        t.api('PUT', `/api/instruments/${inst.id}/calibration-procedure`, { body: { procedure_id: id } }),
      ),
    );
    expect(puts.map((r) => r.status)).toEqual(Array(8).fill(200));
    const current = (await t.api('GET', `/api/instruments/${inst.id}/calibration-procedure`)).body;
    expect([p.id, other.id]).toContain(current.procedure.id);
    const audit = await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${inst.id}`);
    expect(audit.body.items.filter((a: { action: string }) => a.action === 'assign_procedure')).toHaveLength(
      8,
    );
    // Deleting a procedure ends its assignments.
    expect((await t.api('DELETE', `/api/calibration-procedures/${current.procedure.id}`)).status).toBe(200);
    expect((await t.api('GET', `/api/instruments/${inst.id}/calibration-procedure`)).body.source).toBe(
      'none',
    );
  });

  it('a Pt100 transmitter calibrated by simulated resistance: expected degC from ohm, uncertainty in ohm', async () => {
    const now = new Date();
    const p = await procedure({
      name: `TT Pt100 ${Date.now()}`,
      test_points: [0, 50, 100],
      direction: 'up',
      tolerance: { mode: 'units', fail_limit: 0.5 },
      transfer_function: { kind: 'pt100' },
    });
    const inst = await makeInstrument(t, {
      type: 'temperature',
      unit: 'degC',
      range_min: 0,
      range_max: 200,
      nominal_value: 80,
      alarm_low_critical: null,
      alarm_low_warning: null,
      alarm_high_warning: null,
      alarm_high_critical: null,
    });
    await t.api('PUT', `/api/instruments/${inst.id}/calibration-procedure`, { body: { procedure_id: p.id } });
    const std = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: `RTD-SIM-${Date.now()}`,
        description: 'Resistance simulator',
        certificate_number: 'R-1',
        accuracy: '0.01 ohm',
        calibrated_on: new Date(now.getTime() - 5 * DAY_MS).toISOString().slice(0, 10),
        due_date: new Date(now.getTime() + 300 * DAY_MS).toISOString().slice(0, 10),
        uncertainty_value: 0.02,
        uncertainty_unit: 'ohm',
      },
    });
    // 0, 100 and 200 degC are 100, 138.5055 and 175.856 ohm.
    const rec = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.body.id,
      points: [
        { input_value: 100, as_found: 0.1, as_left: 0.05 },
        { input_value: 138.51, as_found: 100.2, as_left: 100.01 },
        { input_value: 175.86, as_found: 200.9, as_left: 200.1 },
      ],
    });
    expect(
      rec.points.map((q: { reference_value: number }) => Math.round(q.reference_value * 100) / 100),
    ).toEqual([0, 100.01, 200.01]);
    expect(rec.points[2]).toMatchObject({
      as_found_verdict: 'fail',
      as_left_verdict: 'pass',
      fail_limit: 0.5,
    });
    // 0.02 ohm at about 0.38 ohm/degC: about 0.053 degC, TUR about 9.5.
    expect(rec.points[1].std_uncertainty).toBeCloseTo(0.0527, 3);
    expect(rec.points[1].tur).toBeGreaterThan(9);
    expect(rec.warnings).toEqual([]);
  });
});
