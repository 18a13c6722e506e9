import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { download, pdfContent, pdfPages, readCsv, squash } from './report-files.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const day = (n: number) => new Date(T0 + n * DAY).toISOString();

/**
 * A plant built by hand so the compliance figures can be worked out on paper. Every instrument has
 * a 100-day interval and is registered on day 0; the report runs on day 250 over days 50-250.
 *
 *   tag   unit  criticality  calibrated on day   due dates in period -> outcome          compliant
 *   I1    A     critical     90, 180             100 on time, 190 on time                 yes
 *   I2    A     high         120, 200            100 late (120), 220 on time (200)        no
 *   I6    A     medium       60, 150, 240        100 on time, 160 on time, 250 on time    yes
 *   I3    B     high         never               100 outstanding (overdue 150 days)       no
 *   I4    B     low          95, 210             100 on time, 195 late (210)              no
 *   I5    B     medium       never, out of service                                        excluded
 *
 * Due: 5 instruments; on time: 2 (I1, I6) -> 40.0 %. Overdue at the end: 1 (I3).
 * Unit A: 3 due, 2 on time -> 66.7 %; unit B: 2 due, 0 on time -> 0.0 %, 1 overdue.
 * Due dates in the period: 10 (7 on time, 2 late: I2 day 100 and I4 day 195, 1 outstanding: I3).
 */
describe('calibration compliance report, checked by hand', () => {
  const clock = new ManualClock(T0);
  let t: TestApp;
  const tags: Record<string, string> = {};
  let unitA = 0;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { PLANT_NAME: 'Kitwe Test Works' } });
    unitA = (await t.api('POST', '/api/process-units', { body: { name: 'Unit A' } })).body.id;
    const unitB = (await t.api('POST', '/api/process-units', { body: { name: 'Unit B' } })).body.id;
    const plan: [string, number, string, string?][] = [
      ['I1', unitA, 'critical'],
      ['I2', unitA, 'high'],
      ['I6', unitA, 'medium'],
      ['I3', unitB, 'high'],
      ['I4', unitB, 'low'],
      ['I5', unitB, 'medium', 'out_of_service'],
    ];
    const ids: Record<string, number> = {};
    for (const [name, unit, criticality, status] of plan) {
      const inst = await makeInstrument(t, {
        tag: `${name}-${unit}`,
        process_unit_id: unit,
        criticality,
        calibration_interval_days: 100,
        ...(status ? { status } : {}),
      });
      ids[name] = inst.id;
      tags[name] = inst.tag;
    }
    const std = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: 'RS-HAND',
        description: 'Pressure calibrator',
        certificate_number: 'CERT-1',
        accuracy: '0.02 % FS',
        calibrated_on: '2023-12-01',
        due_date: '2025-12-01',
      },
    });
    expect(std.status, JSON.stringify(std.body)).toBe(201);

    clock.set(day(250));
    await t.refreshAdmin();
    const calibrations: [string, number][] = [
      ['I1', 90],
      ['I1', 180],
      ['I2', 120],
      ['I2', 200],
      ['I6', 60],
      ['I6', 150],
      ['I6', 240],
      ['I4', 95],
      ['I4', 210],
    ];
    for (const [name, d] of calibrations) {
      const res = await t.api('POST', '/api/calibrations', {
        body: {
          instrument_id: ids[name],
          performed_at: day(d),
          reference_standard_id: std.body.id,
          points: [0, 5, 10].map((ref) => ({ reference_value: ref, as_found: ref + 0.01, as_left: ref })),
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });
  afterAll(() => t?.stop());

  const query = `from=${encodeURIComponent(day(50))}`;

  it('gives the figures worked out by hand, overall, by unit and by criticality', async () => {
    const res = await t.api('GET', `/api/reports/compliance?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body;
    expect(r.plant_name).toBe('Kitwe Test Works');
    expect(r.period).toMatchObject({ from: day(50), to: day(250), source: 'query' });
    expect(r.summary).toMatchObject({
      compliance_pct: 40,
      instruments: 5,
      instruments_due: 5,
      instruments_on_time: 2,
      overdue: 1,
      due_dates: 10,
      due_dates_late: 2,
      due_dates_outstanding: 1,
    });
    const byUnit = r.sections.find((s: any) => s.key === 'by_process_unit').rows;
    expect(byUnit).toEqual([
      { group: 'Unit A', instruments: 3, due: 3, on_time: 2, compliance_pct: 66.7, overdue: 0 },
      { group: 'Unit B', instruments: 2, due: 2, on_time: 0, compliance_pct: 0, overdue: 1 },
    ]);
    const byCrit = r.sections.find((s: any) => s.key === 'by_criticality').rows;
    expect(byCrit.map((g: any) => [g.group, g.due, g.on_time, g.compliance_pct])).toEqual([
      ['critical', 1, 1, 100],
      ['high', 2, 0, 0],
      ['medium', 1, 1, 100],
      ['low', 1, 0, 0],
    ]);
    const row = (name: string) => r.rows.find((x: any) => x.tag === tags[name]);
    expect(row('I2')).toMatchObject({ due_dates: 2, on_time: 1, late: 1, outstanding: 0, compliant: false });
    expect(row('I3')).toMatchObject({ outstanding: 1, overdue: true, days_overdue: 150, compliant: false });
    expect(row('I6')).toMatchObject({ due_dates: 3, on_time: 3, compliant: true, overdue: false });
    expect(row('I5')).toMatchObject({ compliant: null, remark: 'Out of service: excluded' });
  });

  it('narrows to one process unit', async () => {
    const res = await t.api('GET', `/api/reports/compliance?${query}&process_unit_id=${unitA}`);
    expect(res.body.summary).toMatchObject({ compliance_pct: 66.7, instruments_due: 3, overdue: 0 });
    expect(res.body.filters).toEqual([
      { key: 'process_unit_id', label: 'Process unit', value: unitA, display: 'Unit A' },
    ]);
    expect(res.body.rows.map((x: any) => x.tag).sort()).toEqual([tags.I1, tags.I2, tags.I6].sort());
  });

  it('exports the same rows as CSV', async () => {
    const file = await download(t.url, `/api/reports/compliance?${query}&export=csv`, t.adminToken);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toBe(
      'attachment; filename="cbu-cmms-compliance-20240220-to-20240907.csv"',
    );
    expect([...file.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(file.body.toString('utf8')).toContain('\r\n');
    const rows = readCsv(file.body);
    expect(rows).toHaveLength(6);
    expect(rows.find((x) => x.Tag === tags.I3)).toMatchObject({
      'Process unit': 'Unit B',
      'Due dates': '1',
      Outstanding: '1',
      Overdue: 'Yes',
      'Days over': '150',
      Compliant: 'No',
      'Last calibration': '',
      'Next due': '2024-04-10',
    });
    expect(rows.find((x) => x.Tag === tags.I1)).toMatchObject({ 'On time': '2', Compliant: 'Yes' });
  });

  it('prints the figures in the PDF with header, filters and page numbers', async () => {
    const file = await download(
      t.url,
      `/api/reports/compliance?${query}&process_unit_id=${unitA}&export=pdf`,
      t.adminToken,
    );
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.body.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = pdfPages(file.body);
    const first = squash(pages[0]);
    expect(first).toContain('The Copperbelt University CMMS');
    expect(first).toContain('Kitwe Test Works');
    expect(first).toContain('Calibration Compliance Summary');
    expect(first).toContain('Process unit: Unit A');
    expect(first).toContain('Administrator (employee no. admin)');
    expect(first).toContain('2024-02-20 00:00 to 2024-09-07 00:00');
    expect(first).toContain('66.7 %');
    const all = squash(pages.join('\n'));
    expect(all).toMatch(new RegExp(`${tags.I2} pressure Unit A high 100 2 1 1 0`));
    for (const [i, p] of pages.entries()) expect(p).toContain(`Page ${i + 1} of ${pages.length}`);
    expect(all).toContain('Compliance % = instruments calibrated on time / instruments due');
    expect(all).toContain('Reviewed by');
  });

  it('draws a bar per process unit in the PDF: red below 100 %', async () => {
    const file = await download(t.url, `/api/reports/compliance?${query}&export=pdf`, t.adminToken);
    expect(file.status).toBe(200);
    const text = squash(pdfPages(file.body).join('\n'));
    expect(text).toContain('Calibration compliance, % of instruments due');
    expect(text).toMatch(/Unit A 66\.7 %/);
    expect(text).toMatch(/Unit B 0 ?%/);
    const content = pdfContent(file.body);
    // The bars are filled rectangles in the palette's red (#b42318): both units missed a due date.
    const redBars = content.match(/[\d. ]+ re\n\/DeviceRGB cs\n0\.70\d* 0\.13\d* 0\.09\d* scn\nf/g) ?? [];
    expect(redBars.length).toBe(2);
    expect(text).toContain('target 100 %');
  });
});
