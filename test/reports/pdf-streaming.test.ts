import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlant } from '../../bench/reports-plant.ts';
import { writePdf } from '../../src/reports/pdf-export.ts';
import type { ReportData } from '../../src/reports/report-model.ts';
import { REPORTS } from '../../src/reports/report-registry.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { pdfPages } from './report-files.ts';

// Issue 16, part 3: a long report's PDF goes out page by page as it is drawn (pdfkit keeps no page
// once the next one starts), laid out twice so every footer still reads "Page n of N".

const DAY = 86_400_000;

describe('report PDFs are written as they are drawn', () => {
  let t: TestApp;
  let report: ReportData;

  beforeAll(async () => {
    t = await startTestApp({ env: { PLANT_NAME: 'Nkana Concentrator' } });
    const now = t.server.ctx.clock.now();
    await buildPlant(t.server.ctx.db, { instruments: 40, years: 2, now, seed: 11 });
    report = await REPORTS.calibration.build(
      {
        db: t.server.ctx.db,
        now,
        config: t.server.ctx.config,
        live: { lastReading: () => null, lastSeen: () => null },
        user: { id: 1, full_name: 'Report Tester', employee_number: 'T-1' },
      },
      { from: new Date(now.getTime() - 730 * DAY).toISOString() },
    );
  });
  afterAll(() => t?.stop());

  it('streams the pages while drawing, every page numbered "Page n of N" with the header', async () => {
    const chunks: Buffer[] = [];
    // Bytes handed out while the rows were still being drawn (before 90 % progress).
    let early = 0;
    let progress = 0;
    await writePdf(report, { timeZone: 'Africa/Lusaka', onProgress: (p) => (progress = p) }, (c) => {
      chunks.push(c);
      if (progress < 0.9) early += c.length;
    });
    const pdf = Buffer.concat(chunks);
    expect(progress).toBe(1);

    const pages = pdfPages(pdf);
    expect(pages.length).toBeGreaterThan(30);
    pages.forEach((p, i) => {
      expect(p).toContain('The Copperbelt University CMMS');
      expect(p).toContain('Nkana Concentrator');
      expect(p).toContain('Calibration');
      expect(p).toMatch(new RegExp(`Page ${i + 1} of ${pages.length}\\s*$`, 'm'));
    });
    // Buffering every page (pdfkit's bufferPages) would write nothing but the file header until the end.
    expect(early).toBeGreaterThan(pdf.length / 2);
  });
});
