import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { download, pdfPages, squash } from '../reports/report-files.ts';
import { calibrate, DAY_MS } from './cmms-fixtures.ts';

// Issue 13 item 8: the calibration certificate PDF per record, and results imported from
// documenting calibrators as CSV (validated row by row, all or nothing, the same records).

const day = (d: Date) => d.toISOString().slice(0, 10);

describe('calibration certificates and calibrator imports', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  let stdId: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { PLANT_NAME: 'Nkana Water Works' } });
    tech = await makeUser(t, 'technician');
    const now = new Date();
    stdId = `MC6-${Date.now()}`;
    const std = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: stdId,
        description: 'Beamex MC6 documenting calibrator',
        certificate_number: 'ZM-2026-0412',
        accuracy: '0.015 % RDG + 0.0025 % FS',
        calibrated_on: day(new Date(now.getTime() - 60 * DAY_MS)),
        due_date: day(new Date(now.getTime() + 300 * DAY_MS)),
        uncertainty_value: 0.02,
        uncertainty_unit: 'bar',
      },
    });
    if (std.status !== 201) throw new Error(JSON.stringify(std.body));
  });
  afterAll(() => t?.stop());

  const importCsv = (format: string, csv: string, token?: string) =>
    t.api('POST', '/api/calibrations/import', { body: { format, csv }, ...(token ? { token } : {}) });

  it('prints a certificate with the header, plant, points, standard, uncertainty, TUR and result', async () => {
    const inst = await makeInstrument(t, { accuracy_class: 0.5, description: 'Raw water header pressure' });
    const std = (await t.api('GET', `/api/reference-standards?q=${stdId}`)).body.items[0];
    const proc = await t.api('POST', '/api/calibration-procedures', {
      body: {
        name: `Pressure 5-point ${Date.now()}`,
        test_points: [0, 25, 50, 75, 100],
        direction: 'up_down',
        tolerance: { mode: 'pct_span', fail_limit: 0.5, adjust_limit: 0.25 },
      },
    });
    await t.api('PUT', `/api/instruments/${inst.id}/calibration-procedure`, {
      body: { procedure_id: proc.body.id },
    });
    const refs = [0, 2.5, 5, 7.5, 10, 7.5, 5, 2.5, 0];
    const rec = await calibrate(
      t,
      {
        instrument_id: inst.id,
        reference_standard_id: std.id,
        notes: 'zero trimmed',
        points: refs.map((r, i) => ({
          reference_value: r,
          as_found: r + (i === 3 ? 0.08 : 0.01),
          as_left: r + 0.005,
        })),
      },
      tech.token,
    );
    const res = await download(t.url, `/api/calibrations/${rec.id}/certificate.pdf`, tech.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain(`CAL-${String(rec.id).padStart(6, '0')}`);
    mkdirSync('test-results', { recursive: true });
    // Kept for a look (pdftoppm -png -r 80 -f 1 -l 1 test-results/certificate.pdf docs/screenshots/certificate).
    writeFileSync('test-results/certificate.pdf', res.body);
    const text = squash(pdfPages(res.body).join('\n'));
    for (const s of [
      'The Copperbelt University CMMS',
      'Nkana Water Works',
      'Calibration certificate',
      inst.tag,
      'Raw water header pressure',
      proc.body.name,
      'ZM-2026-0412',
      '±0.02 bar',
      '2.5:1',
      'FAILED AS FOUND',
      'zero trimmed',
      'Hysteresis',
      'Performed by',
    ]) {
      expect(text, s).toContain(s);
    }
    // Opened as a link: the token in the query is accepted here; without one, 401.
    const link = await fetch(
      `${t.url}/api/calibrations/${rec.id}/certificate.pdf?access_token=${tech.token}`,
    );
    expect(link.status).toBe(200);
    expect((await fetch(`${t.url}/api/calibrations/${rec.id}/certificate.pdf`)).status).toBe(401);
    expect((await download(t.url, '/api/calibrations/999999/certificate.pdf', tech.token)).status).toBe(404);
  });

  it('imports the cbu layout, a Beamex-style and a Fluke-style export into the same records as the API', async () => {
    const a = await makeInstrument(t, { accuracy_class: 0.5 });
    const b = await makeInstrument(t, { accuracy_class: 0.5 });
    const when = new Date(Date.now() - 2 * DAY_MS);
    const stamp = `${day(when)} 09:30`;
    const cbu = [
      'tag,performed_at,reference_standard,point,direction,reference_value,as_found,as_left,notes',
      `${a.tag},${stamp},${stdId},1,up,0,0.01,0.01,from MC6`,
      `${a.tag},${stamp},${stdId},2,up,5,5.02,5.01,`,
      `${a.tag},${stamp},${stdId},3,up,10,10.03,10.01,`,
    ].join('\n');
    const one = await importCsv('cbu', cbu, tech.token);
    expect(one.status, JSON.stringify(one.body)).toBe(201);
    expect(one.body.imported).toBe(1);
    const direct = await calibrate(
      t,
      {
        instrument_id: a.id,
        reference_standard_id: one.body.records[0].reference_standard_id,
        performed_at: when.toISOString(),
        points: [
          { reference_value: 0, as_found: 0.01, as_left: 0.01 },
          { reference_value: 5, as_found: 5.02, as_left: 5.01 },
          { reference_value: 10, as_found: 10.03, as_left: 10.01 },
        ],
      },
      tech.token,
    );
    const imported = one.body.records[0];
    expect(imported.technician_id).toBe(tech.id);
    expect(imported.notes).toBe('from MC6');
    expect(imported.points).toEqual(direct.points);
    expect(imported).toMatchObject({ passed: direct.passed, min_tur: direct.min_tur, tolerance_pct: 0.5 });

    const beamex = [
      'Position ID;Calibration Date;Calibrator ID;Point No;Direction;Input Applied;Output As Found;Output As Left;Remarks',
      `${b.tag};${day(when)}T10:00:00Z;${stdId};1;Up;0;0,02;0,00;`,
      `${b.tag};${day(when)}T10:00:00Z;${stdId};2;Up;10;10,08;10,01;span adjusted`,
      `${b.tag};${day(when)}T10:00:00Z;${stdId};3;Down;0;0,03;0,00;`,
    ].join('\n');
    const bx = await importCsv('beamex', beamex, tech.token);
    expect(bx.status, JSON.stringify(bx.body)).toBe(201);
    expect(bx.body.records[0]).toMatchObject({
      outcome: 'failed_as_found',
      corrective_work_order_id: expect.any(Number),
    });
    expect(bx.body.records[0].points.map((p: { direction: string }) => p.direction)).toEqual([
      'up',
      'up',
      'down',
    ]);

    const fluke = [
      'Tag,Test Date,Test Type,Calibrator Serial,Step,Nominal Input,Actual Input,Actual Output,Comment',
      `${b.tag},${day(when)} 14:00,As Found,${stdId},1,0,0.000,0.04,`,
      `${b.tag},${day(when)} 14:00,As Found,${stdId},2,5,5.001,5.06,`,
      `${b.tag},${day(when)} 14:00,As Found,${stdId},3,10,10.000,10.07,`,
      `${b.tag},${day(when)} 14:00,As Left,${stdId},2,5,5.001,5.00,`,
      `${b.tag},${day(when)} 14:00,As Left,${stdId},3,10,10.000,10.01,`,
    ].join('\n');
    const fl = await importCsv('fluke', fluke, tech.token);
    expect(fl.status, JSON.stringify(fl.body)).toBe(201);
    // Step 1 had no As Left row: left as found.
    expect(
      fl.body.records[0].points.map((p: { as_found: number; as_left: number }) => [p.as_found, p.as_left]),
    ).toEqual([
      [0.04, 0.04],
      [5.06, 5],
      [10.07, 10.01],
    ]);
    expect(fl.body.records[0].points[1].reference_value).toBe(5.001);
  });

  it('reports every bad row by number and writes nothing', async () => {
    const a = await makeInstrument(t);
    const before = (await t.api('GET', '/api/calibrations?limit=1')).body.total;
    const stamp = `${day(new Date(Date.now() - DAY_MS))} 08:00`;
    const csv = [
      'tag,performed_at,reference_standard,point,reference_value,as_found,as_left',
      `${a.tag},${stamp},${stdId},1,0,0.01,0.01`,
      '',
      `${a.tag},${stamp},${stdId},2,5,five,5.01`,
      `${a.tag},2026-02-30 08:00,${stdId},1,0,0,0`,
      `NO-SUCH-TAG,${stamp},${stdId},1,0,0,0`,
      `${a.tag},${stamp},${stdId},3,50,50,50`,
      `${a.tag},${stamp},${stdId},x,10,10,`,
    ].join('\n');
    const res = await importCsv('cbu', csv, tech.token);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('calibration_import_invalid');
    const rows = res.body.error.details.errors.map((e: { row: number; column?: string }) => [
      e.row,
      e.column ?? null,
    ]);
    expect(rows).toEqual(
      expect.arrayContaining([
        [4, 'as_found'],
        [5, 'performed_at'],
        [6, 'tag'],
        [8, 'point'],
        [8, 'as_left'],
      ]),
    );
    expect((await t.api('GET', '/api/calibrations?limit=1')).body.total).toBe(before);

    // The file is fine row by row but one record breaks a service rule (out-of-range point):
    // reported at its row, and the good record of the same file is not written either.
    const b = await makeInstrument(t);
    const ruleBreak = [
      'tag,performed_at,reference_standard,reference_value,as_found,as_left',
      `${b.tag},${stamp},${stdId},0,0,0`,
      `${b.tag},${stamp},${stdId},10,10,10`,
      `${a.tag},${stamp},${stdId},0,0,0`,
      `${a.tag},${stamp},${stdId},50,50,50`,
    ].join('\n');
    const broken = await importCsv('cbu', ruleBreak, tech.token);
    expect(broken.status).toBe(400);
    expect(broken.body.error.details.errors).toEqual([
      { row: 5, column: 'reference_value', message: expect.stringContaining('outside the range') },
    ]);
    expect((await t.api('GET', '/api/calibrations?limit=1')).body.total).toBe(before);

    const header = await importCsv('beamex', 'tag,as_found\nx,1', tech.token);
    expect(header.status).toBe(400);
    expect(header.body.error.details.errors[0]).toMatchObject({
      row: 1,
      message: expect.stringContaining('position id'),
    });
    const badBody = await t.api('POST', '/api/calibrations/import', {
      body: { format: 'cbu', csv: 'a', extra: 1 },
    });
    expect(badBody.status).toBe(400);
  });
});
