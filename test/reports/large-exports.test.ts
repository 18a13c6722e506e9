import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlant } from '../../bench/reports-plant.ts';
import { makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitForJob } from '../helpers/wait.ts';
import { download, pdfPages, readCsv, squash } from './report-files.ts';

const DAY = 86_400_000;

describe('large exports run as background jobs', () => {
  let t: TestApp;
  let from = '';
  let total = 0;

  beforeAll(async () => {
    t = await startTestApp({ env: { REPORT_ASYNC_ROWS: '200', JOBS_POLL_MS: '100' } });
    const now = t.server.ctx.clock.now();
    await buildPlant(t.server.ctx.db, { instruments: 80, years: 2, now, seed: 7 });
    from = new Date(now.getTime() - 730 * DAY).toISOString();
  });
  afterAll(() => t?.stop());

  it('JSON still answers at once, paginated', async () => {
    const res = await t.api('GET', `/api/reports/calibration?from=${from}&limit=10`);
    expect(res.status).toBe(200);
    total = res.body.total_rows;
    expect(total).toBeGreaterThan(1000);
    expect(res.body.rows).toHaveLength(10);
  });

  it('a PDF above REPORT_ASYNC_ROWS answers 202 and is downloaded from the job, pages breaking with the header repeated', async () => {
    const res = await t.api('GET', `/api/reports/calibration?from=${from}&export=pdf`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({
      status: 'queued',
      status_url: `/api/jobs/${res.body.job_id}`,
      result_url: `/api/jobs/${res.body.job_id}/result`,
    });
    expect(res.body.rows).toBeGreaterThan(total);
    // The server keeps answering while the export is made.
    expect((await t.api('GET', '/api/instruments?limit=1')).status).toBe(200);

    const job = await waitForJob(t, res.body.job_id, { timeoutMs: 90_000 });
    expect(job.status, job.error).toBe('succeeded');
    expect(job.type).toBe('report.export');
    expect(job.params).not.toHaveProperty('access_token');
    expect(job.result_summary).toMatchObject({ report: 'calibration', format: 'pdf', rows: res.body.rows });

    const file = await download(t.url, res.body.result_url, t.adminToken);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toMatch(
      /^attachment; filename="cbu-cmms-calibration-\d{8}-to-\d{8}\.pdf"$/,
    );
    const pages = pdfPages(file.body);
    expect(pages.length).toBeGreaterThan(20);
    pages.forEach((p, i) => {
      expect(p).toContain('The Copperbelt University CMMS');
      expect(p).toContain(`Page ${i + 1} of ${pages.length}`);
    });
    const continued = pages.filter((p) =>
      p.includes('Calibration history: as-found / as-left per test point (continued)'),
    );
    expect(continued.length).toBeGreaterThan(10);
    for (const p of continued) expect(squash(p)).toMatch(/Cal # Tag Performed Technician Ref\. standard/);
    // The group (calibration) columns are printed again at the top of each page.
    for (const p of continued.slice(0, 5)) {
      const firstRow = squash(p)
        .split('\n')
        .find((l) => /^\s*\d+ (PT|TT|FT|LT)-7-\d{4} \d{4}-\d{2}-\d{2}/.test(l));
      expect(firstRow, p.slice(0, 800)).toBeDefined();
    }
  });

  it('a CSV above the threshold comes from a job too, with every row', async () => {
    const res = await t.api('GET', `/api/reports/calibration?from=${from}&export=csv`);
    expect(res.status).toBe(202);
    const job = await waitForJob(t, res.body.job_id, { timeoutMs: 90_000 });
    expect(job.status, job.error).toBe('succeeded');
    const file = await download(t.url, res.body.result_url, t.adminToken);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = readCsv(file.body);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.Pt))).toEqual(new Set(['1', '2', '3', '4', '5']));
  });

  it('another technician cannot fetch someone else’s export', async () => {
    const owner = await makeUser(t, 'technician');
    const other = await makeUser(t, 'technician');
    const res = await t.api('GET', `/api/reports/work-orders?from=${from}&export=csv`, {
      token: owner.token,
    });
    expect(res.status).toBe(202);
    const job = await waitForJob(t, res.body.job_id, { timeoutMs: 90_000 });
    expect(job.status, job.error).toBe('succeeded');
    expect((await download(t.url, res.body.result_url, owner.token)).status).toBe(200);
    expect((await download(t.url, res.body.result_url, other.token)).status).toBe(404);
  });
});
