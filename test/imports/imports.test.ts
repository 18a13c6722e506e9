import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../foundation/audit-helpers.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 18 parts 1 and 2: the instrument register and calibration history from CSV and XLSX,
// through the real HTTP server on SQLite and PostgreSQL.

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DAY_MS = 86_400_000;
const uid = () => randomBytes(3).toString('hex').toUpperCase();

describe('imports', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  /** Posts a file as the request body. */
  async function upload(
    kind: 'instruments' | 'calibrations',
    content: string | Buffer,
    opts: { type?: string; dryRun?: boolean; token?: string; filename?: string } = {},
  ) {
    const qs = new URLSearchParams({
      dry_run: String(opts.dryRun ?? false),
      filename: opts.filename ?? `${kind}.csv`,
    });
    const res = await fetch(`${t.url}/api/imports/${kind}?${qs}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${opts.token ?? t.adminToken}`,
        'content-type': opts.type ?? 'text/csv',
      },
      body: typeof content === 'string' ? content : new Uint8Array(content),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  const instrumentsByTag = async (tag: string) =>
    (await t.api('GET', `/api/instruments?q=${encodeURIComponent(tag)}&limit=200`)).body.items as any[];
  const auditCount = async (entityType: string, entityId?: number) =>
    (
      await t.api(
        'GET',
        `/api/audit?entity_type=${entityType}${entityId ? `&entity_id=${entityId}` : ''}&limit=1`,
      )
    ).body.total as number;

  it('imports a CSV register with aliases, a BOM, ";" separators and decimal commas, all or nothing and idempotent', async () => {
    const p = uid();
    const unit = `Boiler House ${p}`;
    const csv =
      '\uFEFFTag No.;Instrument Type;Eng. Units;LRV;URV;Cal Interval (days);Process Unit;Description;Colour\r\n' +
      `PT-${p}1;pressure;bar;0;16;180;${unit};Drum pressure;red\r\n` +
      ';;;;;;;;\r\n' +
      `TT-${p}2;temperature;degC;0;400,5;365;${unit};Superheater outlet;blue\r\n`;
    const dry = await upload('instruments', csv, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ rows: 2, created: 2, updated: 0, unchanged: 0, errors: [] });
    expect(dry.body.process_units_created).toEqual([unit]);
    expect(dry.body.warnings.map((w: any) => w.column)).toContain('Colour');
    expect(await instrumentsByTag(`PT-${p}1`)).toHaveLength(0);

    const done = await upload('instruments', csv, { filename: 'register.csv' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ created: 2, updated: 0, unchanged: 0, dry_run: false });
    const [pt] = await instrumentsByTag(`PT-${p}1`);
    expect(pt).toMatchObject({
      type: 'pressure',
      unit: 'bar',
      range_min: 0,
      range_max: 16,
      process_unit_name: unit,
    });
    const [tt] = await instrumentsByTag(`TT-${p}2`);
    expect(tt.range_max).toBe(400.5);
    expect(done.body.items.map((i: any) => i.instrument_id)).toEqual([pt.id, tt.id]);
    const fileAudit = await t.api('GET', '/api/audit?entity_type=import&action=import&limit=5');
    expect(fileAudit.body.items.some((a: any) => a.new_value?.file === 'register.csv')).toBe(true);
    expect(await auditCount('instrument', pt.id)).toBe(1);

    // The same file again: nothing changes, nothing is audited.
    const importsBefore = await auditCount('import');
    const again = await upload('instruments', csv);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 2, process_units_created: [] });
    expect(await auditCount('import')).toBe(importsBefore);
    expect(await auditCount('instrument', pt.id)).toBe(1);

    // One changed field: one update, audited like an API edit with just that field.
    const changed = csv.replace('Drum pressure', 'Boiler 1 drum pressure');
    const upd = await upload('instruments', changed);
    expect(upd.body).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect(upd.body.items[0].changes).toEqual(['description']);
    const audit = await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${pt.id}&action=update`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].new_value).toEqual({ description: 'Boiler 1 drum pressure' });
  });

  it('lists every bad row and cell at once and writes nothing', async () => {
    const p = uid();
    const existing = await makeInstrument(t, { tag: `FT-${p}0` });
    const csv = [
      'tag,type,unit,range_min,range_max,accuracy_class,criticality',
      `FT-${p}1,flow,m3/h,abc,100,0.5,medium`, // 2: range_min not a number
      `FT-${p}2,viscosity,cP,0,10,0.5,medium`, // 3: unknown type
      `FT-${p}3,flow,m3/h,50,10,0.5,extreme`, // 4: range_min > range_max and a bad criticality
      `ft-${p}1,flow,m3/h,0,100,0.5,medium`, // 5: duplicate of row 2 (case)
      `FT-${p}4,flow,m3/h,=A1*2,100,0.5,medium`, // 6: a formula
      '', // 7: empty
      `FT-${p}5,flow,,0,100,0.5,medium`, // 8: no unit
      `FT-${p}6,flow,m3/h,0,100,0.5,high`, // 9: good
    ].join('\n');
    const before = (await t.api('GET', '/api/instruments?limit=1')).body.total;
    const res = await upload('instruments', csv);
    expect(res.status).toBe(422);
    const errs = res.body.errors.map((e: any) => `${e.row}:${e.column}`);
    expect(errs).toEqual(
      expect.arrayContaining([
        '2:range_min',
        '3:type',
        '4:range_max',
        '4:criticality',
        '5:tag',
        '6:range_min',
        '8:unit',
      ]),
    );
    expect(res.body.errors.every((e: any) => e.row !== 9)).toBe(true);
    expect(res.body.errors.find((e: any) => e.row === 4 && e.column === 'range_max').message).toMatch(
      /must be greater than range_min/,
    );
    expect((await t.api('GET', '/api/instruments?limit=1')).body.total).toBe(before);
    expect(await instrumentsByTag(`FT-${p}6`)).toHaveLength(0);
    expect(existing.id).toBeGreaterThan(0);
  });

  it('matches a tag differing only in case to the existing instrument and keeps its tag', async () => {
    const p = uid();
    const inst = await makeInstrument(t, { tag: `LT-${p}` });
    const res = await upload('instruments', `tag,description\nlt-${p.toLowerCase()},Feed tank level\n`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 0, updated: 1 });
    expect(res.body.warnings[0].message).toMatch(/existing instrument/);
    const [after] = await instrumentsByTag(`LT-${p}`);
    expect(after).toMatchObject({ id: inst.id, tag: `LT-${p}`, description: 'Feed tank level' });
  });

  it('imports an XLSX register: formulas by their value, dates as cells, serial numbers or text, empty rows skipped', async () => {
    const p = uid();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Index');
    ws.addRow(['Tag No.', 'Type', 'Eng. Units', 'LRV', 'URV', 'Cal Interval (days)', 'Last Calibrated']);
    const lastCal = new Date(Date.now() - 400 * DAY_MS);
    lastCal.setUTCHours(0, 0, 0, 0);
    ws.addRow([`PT-${p}1`, 'pressure', 'bar', 0, { formula: '4*4', result: 16 }, 180, lastCal]);
    ws.addRow([]);
    ws.addRow([`PT-${p}2`, 'pressure', 'bar', 0, 10, 365, 45292]); // 2024-01-01 as a serial
    ws.addRow([`PT-${p}3`, 'pressure', 'bar', 0, 25, 365, '2025-06-30']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await upload('instruments', buf, { type: XLSX, filename: 'index.xlsx' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ rows: 3, created: 3, calibrations_created: 3 });
    expect(res.body.items.map((i: any) => i.row)).toEqual([2, 4, 5]);
    const [one] = await instrumentsByTag(`PT-${p}1`);
    expect(one.range_max).toBe(16);
    // The register's last calibration counts for the due date: 400 days ago + 180 is overdue.
    expect(one.last_calibration_at).toBe(lastCal.toISOString());
    expect(one.calibration_overdue).toBe(true);
    const [two] = await instrumentsByTag(`PT-${p}2`);
    expect(two.last_calibration_at).toBe('2024-01-01T00:00:00.000Z');
    const cal = await t.api('GET', `/api/calibrations?instrument_id=${one.id}`);
    expect(cal.body.items[0]).toMatchObject({ import_kind: 'summary', points: [], passed: true });
    expect(cal.body.items[0].notes).toMatch(/imported, no test points/);
    // Again: the summary record is not written twice.
    const again = await upload('instruments', buf, { type: XLSX });
    expect(again.body).toMatchObject({ created: 0, unchanged: 3, calibrations_created: 0 });
    expect((await t.api('GET', `/api/calibrations?instrument_id=${one.id}`)).body.total).toBe(1);
  });

  it('reports a formula with no stored value in an XLSX by its row and column', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Index');
    ws.addRow(['tag', 'type', 'unit', 'range_min', 'range_max']);
    ws.addRow([`PT-${uid()}`, 'pressure', 'bar', 0, { formula: 'B7*2' }]);
    const res = await upload('instruments', Buffer.from(await wb.xlsx.writeBuffer()), { type: XLSX });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ row: 2, column: 'range_max' });
    expect(res.body.errors[0].message).toMatch(/formula/);
  });

  it('accepts a multipart upload from the web page', async () => {
    const p = uid();
    const form = new FormData();
    form.append(
      'file',
      new Blob([`tag,type,unit,range_min,range_max\nPT-${p},pressure,bar,0,10\n`]),
      'web.csv',
    );
    const res = await fetch(`${t.url}/api/imports/instruments?dry_run=false`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}` },
      body: form,
    });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ created: 1, file: 'web.csv' });
  });

  it('refuses files over 10,000 rows or 5 MB, and technicians', async () => {
    const rows = Array.from({ length: 10_001 }, (_, i) => `X-${i},pressure,bar,0,10`);
    const big = await upload('instruments', `tag,type,unit,range_min,range_max\n${rows.join('\n')}\n`);
    expect(big.status).toBe(422);
    expect(big.body.errors[0].message).toMatch(/at most 10000/);
    const huge = await upload('instruments', `tag\n${'x'.repeat(5 * 1024 * 1024 + 10)}\n`);
    expect(huge.status).toBe(413);
    expect((huge.body as any).error.code).toBe('import_too_large');
    const tech = await makeUser(t, 'technician');
    const refused = await upload('instruments', 'tag\nPT-1\n', { token: tech.token });
    expect(refused.status).toBe(403);
  });

  it('serves templates that import as they are', async () => {
    const csv = await fetch(`${t.url}/api/imports/instruments/template.csv`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text.split('\n')[0]).toMatch(/^tag,type,measured_variable,unit,range_min,range_max/);
    const xlsx = await fetch(`${t.url}/api/imports/instruments/template.xlsx`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(xlsx.headers.get('content-type')).toContain(XLSX);
    const dry = await upload('instruments', Buffer.from(await xlsx.arrayBuffer()), {
      type: XLSX,
      dryRun: true,
    });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    const cal = await fetch(`${t.url}/api/imports/calibrations/template.csv`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect((await cal.text()).split('\n')[0]).toBe(
      'tag,performed_at,performed_by,reference_standard,reference_value,as_found,as_left,notes',
    );
  });

  it('two concurrent imports of the same new tags: one writes them, no duplicates, the other is refused or finds them', async () => {
    const p = uid();
    const csv = `tag,type,unit,range_min,range_max,process_unit\n${Array.from(
      { length: 30 },
      (_, i) => `RC-${p}-${i},pressure,bar,0,10,Race ${p}`,
    ).join('\n')}\n`;
    const [a, b] = await Promise.all([upload('instruments', csv), upload('instruments', csv)]);
    const statuses = [a.status, b.status].sort();
    expect([
      [200, 200],
      [200, 409],
    ]).toContainEqual(statuses);
    const loser = a.status === 409 ? a : b.status === 409 ? b : null;
    if (loser) expect(loser.body.error.code).toMatch(/instrument_tag_taken|process_unit_name_taken/);
    else expect([a.body.created, b.body.created].sort()).toEqual([0, 30]);
    expect(await instrumentsByTag(`RC-${p}-`)).toHaveLength(30);
    const units = (await t.api('GET', '/api/process-units')).body.items.filter(
      (u: any) => u.name === `Race ${p}`,
    );
    expect(units).toHaveLength(1);
  });

  it('imports calibration history: records by tag and time, performer and standard kept as text, due dates and prediction follow', async () => {
    const inst = await makeInstrument(t, { accuracy_class: 1, calibration_interval_days: 365 });
    const tech = await makeUser(t, 'technician');
    const at = (daysAgo: number) =>
      new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 16).replace('T', ' ');
    // Drift: as-found error grows 0.2, then 0.5 % of span over 150-day intervals.
    const rows: string[] = [];
    for (const [daysAgo, by, drift] of [
      [330, 'J. Banda', 0.0],
      [180, tech.employee_number, 0.02],
      [30, 'M. Phiri', 0.05],
    ] as const) {
      for (const ref of [0, 5, 10])
        rows.push(`${inst.tag},${at(daysAgo)},${by},OLD-CAL-7,${ref},${ref + drift},${ref},history`);
    }
    const csv = `Tag,Date,Technician,Standard,Reference,As Found,As Left,Remarks,Ignored\n${rows.join('\n')}\n`;
    const dry = await upload('calibrations', csv, { dryRun: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toMatchObject({ rows: 9, created: 3, unchanged: 0 });
    expect((await t.api('GET', `/api/calibrations?instrument_id=${inst.id}`)).body.total).toBe(0);

    const res = await upload('calibrations', csv, { filename: 'history-2025.csv' });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.rows)).toEqual([
      [2, 3, 4],
      [5, 6, 7],
      [8, 9, 10],
    ]);
    const list = (await t.api('GET', `/api/calibrations?instrument_id=${inst.id}`)).body.items;
    expect(list).toHaveLength(3);
    expect(list.map((c: any) => c.import_kind)).toEqual(['history', 'history', 'history']);
    expect(list[0]).toMatchObject({
      technician_name: 'M. Phiri',
      reference_standard_identifier: 'OLD-CAL-7',
    });
    expect(list[1]).toMatchObject({ technician_id: tech.id, performed_by_name: null });
    expect(list[0].points).toHaveLength(3);
    expect(list[0].max_as_found_error_pct).toBeCloseTo(0.5);
    const after = (await t.api('GET', `/api/instruments/${inst.id}`)).body;
    expect(after.last_calibration_at).toBe(list[0].performed_at);
    expect(Date.parse(after.next_calibration_due)).toBe(Date.parse(list[0].performed_at) + 365 * DAY_MS);
    // The dashboard's calibration states in memory heard of the import (calibrations.imported).
    const card = (await t.api('GET', `/api/dashboard/summary?search=${inst.tag}`)).body.instruments[0];
    expect(card.next_calibration_due).toBe(after.next_calibration_due);
    const interval = (await t.api('GET', `/api/instruments/${inst.id}/calibration-interval`)).body;
    expect(interval.prediction.basis).toBe('as_found_history');
    expect(interval.prediction.history_rate_pct_per_day).toBeGreaterThan(0);
    const audit = await t.api('GET', `/api/audit?entity_type=calibration_record&entity_id=${list[2].id}`);
    expect(audit.body.items[0]).toMatchObject({ action: 'import' });
    expect(audit.body.items[0].new_value).toMatchObject({
      file: 'history-2025.csv',
      sha256: res.body.sha256,
      rows: [2, 3, 4],
    });

    const again = await upload('calibrations', csv);
    expect(again.body).toMatchObject({ created: 0, unchanged: 3 });
    expect((await t.api('GET', `/api/calibrations?instrument_id=${inst.id}`)).body.total).toBe(3);
  });

  it('refuses a history with unknown tags, future dates and bad numbers, listing each, writing nothing', async () => {
    const inst = await makeInstrument(t);
    const future = new Date(Date.now() + 5 * DAY_MS).toISOString().slice(0, 10);
    const csv = [
      'tag;performed_at;reference_value;as_found;as_left',
      `${inst.tag};2025-03-01;0;0,01;0`,
      `NOPE-${uid()};2025-03-01;0;0;0`,
      `${inst.tag};${future};0;0;0`,
      `${inst.tag};2025-02-30;0;0;0`,
      `${inst.tag};2025-03-02;five;0;0`,
      `${inst.tag};2025-03-03;50;50;50`,
    ].join('\n');
    const res = await upload('calibrations', csv);
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: any) => `${e.row}:${e.column}`)).toEqual([
      '3:tag',
      '4:performed_at',
      '5:performed_at',
      '6:reference_value',
      '7:reference_value',
    ]);
    expect((await t.api('GET', `/api/calibrations?instrument_id=${inst.id}`)).body.total).toBe(0);
  });

  it('writes a register and its history set-based: each change audited, the trail verifies, the live register follows once', async () => {
    const p = uid();
    const n = 40;
    const day = (i: number) => `2025-0${1 + (i % 9)}-1${i % 10}`;
    const register = (description: string) =>
      `tag,type,unit,range_min,range_max,process_unit,description,last_calibrated_on\n${Array.from(
        { length: n },
        (_, i) => `BT-${p}-${i},pressure,bar,0,16,Batch ${p} ${i % 3},${description} ${i},${day(i)}`,
      ).join('\n')}\n`;
    // The import announces its changes once, after commit, not once per instrument.
    const events: string[] = [];
    const bus = t.server.ctx.events;
    const one = () => events.push('instrument.changed');
    const many = () => events.push('instruments.changed');
    bus.on('instrument.changed', one);
    bus.on('instruments.changed', many);
    const created = await upload('instruments', register('Header pressure'), { filename: 'batch.csv' });
    expect(created.status, JSON.stringify(created.body.errors)).toBe(200);
    expect(created.body).toMatchObject({ created: n, calibrations_created: n });
    expect(created.body.process_units_created).toHaveLength(3);
    expect(events).toEqual(['instruments.changed']);
    const ids = created.body.items.map((i: any) => i.instrument_id as number);
    expect(new Set(ids).size).toBe(n);
    // Every instrument audited as the API creates one, with its own id and tag.
    const [first] = await instrumentsByTag(`BT-${p}-7`);
    expect(ids[7]).toBe(first.id);
    const audit = await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${first.id}`);
    expect(audit.body.items.map((a: any) => a.action)).toEqual(['create']);
    expect(audit.body.items[0].new_value).toMatchObject({ id: first.id, tag: `BT-${p}-7`, range_max: 16 });
    expect(first.last_calibration_at).toBe(`${day(7)}T00:00:00.000Z`);
    // The live register (ingestion's cache) learns every imported tag from that one event.
    const cache = t.server.ctx.ingestion?.instruments;
    if (cache)
      await waitFor('the ingestion cache to learn the imported tags', () =>
        Array.from({ length: n }, (_, i) => `BT-${p}-${i}`).every((tag) => cache.byTagName(tag)),
      );

    // Every row changed: n updates, each audited with just its field; one event again.
    events.length = 0;
    const updated = await upload('instruments', register('Steam header pressure'));
    expect(updated.body).toMatchObject({ created: 0, updated: n, calibrations_created: 0 });
    expect(events).toEqual(['instruments.changed']);
    const upd = await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${first.id}&action=update`);
    expect(upd.body.items[0].old_value).toEqual({ description: 'Header pressure 7' });
    expect(upd.body.items[0].new_value).toEqual({ description: 'Steam header pressure 7' });

    // A history of two records per instrument, written in the same set-based way.
    const rows = ids.flatMap((_: number, i: number) =>
      ['2024-02-01 08:00', '2025-02-01 08:00'].flatMap((at, k) =>
        [0, 8, 16].map((ref) => `BT-${p}-${i},${at},J. Banda,${ref},${ref + 0.01 * (k + 1)},${ref}`),
      ),
    );
    const history = `tag,performed_at,performed_by,reference_value,as_found,as_left\n${rows.join('\n')}\n`;
    const hist = await upload('calibrations', history, { filename: 'batch-history.csv' });
    expect(hist.status, JSON.stringify(hist.body.errors)).toBe(200);
    expect(hist.body).toMatchObject({ created: 2 * n });
    const cals = (await t.api('GET', `/api/calibrations?instrument_id=${first.id}`)).body.items;
    expect(cals.map((c: any) => c.import_kind).sort()).toEqual(['history', 'history', 'summary']);
    const rec = cals.find((c: any) => c.performed_at.startsWith('2025-02-01'));
    expect(rec.points).toHaveLength(3);
    const recAudit = await t.api('GET', `/api/audit?entity_type=calibration_record&entity_id=${rec.id}`);
    expect(recAudit.body.items[0].new_value).toMatchObject({
      file: 'batch-history.csv',
      sha256: hist.body.sha256,
      rows: [2 + 7 * 6 + 3, 2 + 7 * 6 + 4, 2 + 7 * 6 + 5],
    });
    // Each record's content hash and every audit row, chained and signed in batches, verify.
    const v = await verify(t);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    // Again: nothing new.
    const again = await upload('calibrations', history);
    expect(again.body).toMatchObject({ created: 0, unchanged: 2 * n });
    bus.off('instrument.changed', one);
    bus.off('instruments.changed', many);
  });
});
