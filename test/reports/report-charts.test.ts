import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { countOps, download, pdfContent, pdfPages, squash } from './report-files.ts';

// The pictures of the PDFs (issue 18, part 8): drawn as vectors with pdfkit's path operators, so
// the text layer holds their captions and axis labels and the page content holds the paths.

const HOUR = 3_600_000;

/** Kept for a look: pdftoppm -png -r 80 test-results/charts-*.pdf */
function keep(name: string, body: Buffer) {
  mkdirSync('test-results', { recursive: true });
  writeFileSync(`test-results/charts-${name}.pdf`, body);
}

describe('charts in the report and certificate PDFs', () => {
  let t: TestApp;
  let unitId = 0;
  let inst: { id: number; tag: string };
  const calIds: number[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    unitId = (await t.api('POST', '/api/process-units', { body: { name: 'Acid Plant' } })).body.id;
    inst = await makeInstrument(t, {
      process_unit_id: unitId,
      range_min: 0,
      range_max: 10,
      accuracy_class: 0.5,
    });
    const tech = await makeUser(t, 'technician');
    const std = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: `RS-${inst.tag}`,
        description: 'Pressure calibrator',
        certificate_number: 'ZABS-1',
        accuracy: '0.02 %',
        calibrated_on: '2020-01-01',
        due_date: '2099-01-01',
      },
    });
    expect(std.status, JSON.stringify(std.body)).toBe(201);
    // One failed as found (adjusted to pass), one clean.
    for (const found of [
      [0.02, 5.2, 10.3],
      [0.01, 5.02, 9.98],
    ]) {
      const res = await t.api('POST', '/api/calibrations', {
        token: tech.token,
        body: {
          instrument_id: inst.id,
          reference_standard_id: std.body.id,
          points: [0, 5, 10].map((ref, i) => ({
            reference_value: ref,
            as_found: found[i],
            as_left: ref + 0.01,
          })),
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      calIds.push(res.body.id);
    }
    // A month of hourly history (the tier the trend reads), as the downsampler would have left it.
    const now = t.server.ctx.clock.now().getTime();
    const first = Math.floor((now - 30 * 24 * HOUR) / HOUR) * HOUR;
    const rows = [];
    for (let b = first; b < now - HOUR; b += HOUR) {
      const avg = 5 + Math.sin(b / (24 * HOUR));
      rows.push({
        instrument_id: inst.id,
        bucket: b,
        avg,
        min: avg - 0.2,
        max: avg + 0.2,
        count: 1800,
        bad_count: 0,
      });
    }
    for (let i = 0; i < rows.length; i += 200) {
      await t.server.ctx.db
        .insertInto('readings_1h')
        .values(rows.slice(i, i + 200))
        .execute();
    }
  });
  afterAll(() => t?.stop());

  it('calibration report: a plot of as-found and as-left error per record against the band', async () => {
    const res = await t.api('GET', `/api/reports/calibration?tag=${inst.tag}`);
    expect(res.status).toBe(200);
    const file = await download(t.url, `/api/reports/calibration?tag=${inst.tag}&export=pdf`, t.adminToken);
    expect(file.status).toBe(200);
    keep('calibration-report', file.body);
    const text = squash(pdfPages(file.body).join('\n'));
    expect(text).toContain('As-found and as-left error per test point');
    expect(text).toContain(`#${calIds[0]} ${inst.tag}`);
    expect(text).toMatch(/FAIL/);
    expect(text).toContain('error % of span, band ±0.5 %');
    expect(text).toContain('as found');
    expect(text).toContain('as left');
    const content = pdfContent(file.body);
    // Each as-found point is a circle: four Bezier curves ("c"); tables draw none.
    expect(countOps(content, 'c')).toBeGreaterThanOrEqual(2 * 3 * 4);
    // The tolerance band's edges are dashed lines.
    expect(content).toMatch(/\[2 1\.5\] 0 d/);
  });

  it('calibration certificate: the same plot for its record', async () => {
    const file = await download(t.url, `/api/calibrations/${calIds[0]}/certificate.pdf`, t.adminToken);
    expect(file.status).toBe(200);
    keep('certificate', file.body);
    const text = squash(pdfPages(file.body).join('\n'));
    expect(text).toContain('Error per test point against the tolerance band');
    expect(text).toContain(`${inst.tag}: error in % of span, as found and as left`);
    const content = pdfContent(file.body);
    expect(countOps(content, 'c')).toBeGreaterThanOrEqual(3 * 4);
    expect(content).toMatch(/\[2 1\.5\] 0 d/);
  });

  it('compliance report: a unit with nothing due has no bar, and says so', async () => {
    // The bars of units with due dates are checked with hand-worked figures in compliance.test.ts.
    const file = await download(t.url, '/api/reports/compliance?export=pdf', t.adminToken);
    expect(file.status).toBe(200);
    keep('compliance-report', file.body);
    const text = squash(pdfPages(file.body).join('\n'));
    expect(text).toContain('Calibration compliance, % of instruments due');
    expect(text).toMatch(/Acid Plant nothing due/);
    expect(text).toMatch(/0 ?% .*50 % .*100 %/);
  });

  it('health report: a 30-day trend line per instrument', async () => {
    const res = await t.api('GET', `/api/reports/health-status?process_unit_id=${unitId}`);
    expect(res.status).toBe(200);
    const file = await download(
      t.url,
      `/api/reports/health-status?process_unit_id=${unitId}&export=pdf`,
      t.adminToken,
    );
    expect(file.status).toBe(200);
    keep('health-report', file.body);
    const text = squash(pdfPages(file.body).join('\n'));
    expect(text).toContain('30-day trend by instrument');
    expect(text).toContain(`${inst.tag} health`);
    expect(text).not.toContain('no readings in the last 30 days');
    const content = pdfContent(file.body);
    // 30 days of 6-hour buckets: the line and its envelope are ~120 segments each.
    expect(countOps(content, 'l')).toBeGreaterThan(200);
  });
});
