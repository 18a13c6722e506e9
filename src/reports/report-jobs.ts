import { writeFile } from 'node:fs/promises';
import type { AppContext } from '../context.ts';
import { type ExportFormat, exportReport } from './report-export.ts';
import { REPORT_KEYS, type ReportKey, type ReportUser, totalRows } from './report-model.ts';
import { REPORTS } from './report-registry.ts';

export const REPORT_EXPORT_JOB = 'report.export';

/** What a queued export remembers: the same report, as of the moment it was asked for. */
export interface ReportJobParams {
  report: ReportKey;
  format: ExportFormat;
  query: Record<string, unknown>;
  as_of: string;
  user: ReportUser;
}

function parseParams(p: Record<string, unknown>): ReportJobParams {
  const report = p.report as ReportKey;
  if (!REPORT_KEYS.includes(report)) throw new Error(`unknown report "${String(p.report)}"`);
  if (p.format !== 'csv' && p.format !== 'pdf')
    throw new Error(`unknown export format "${String(p.format)}"`);
  const user = p.user as ReportUser | undefined;
  if (!user || typeof user.id !== 'number') throw new Error('the job names no user');
  if (typeof p.as_of !== 'string' || Number.isNaN(Date.parse(p.as_of)))
    throw new Error('the job has no valid as_of time');
  return {
    report,
    format: p.format,
    query: (p.query ?? {}) as Record<string, unknown>,
    as_of: p.as_of,
    user,
  };
}

/**
 * Registers the background export: rebuilds the report as of the request time, renders it (PDFs in
 * a worker thread) and stores the file for GET /api/jobs/{id}/result.
 */
export function registerReportJobs(ctx: AppContext) {
  ctx.jobs.register(REPORT_EXPORT_JOB, async (job, tools) => {
    const p = parseParams(job.params);
    const report = await REPORTS[p.report].build(
      {
        db: ctx.reads,
        now: new Date(p.as_of),
        config: ctx.config,
        live: ctx.live,
        monitor: ctx.monitor,
        anomaly: ctx.anomaly,
        user: p.user,
      },
      p.query,
    );
    tools.progress(0.1);
    const file = await exportReport(report, p.format, {
      timeZone: ctx.config.reports.timezone,
      onProgress: (x) => tools.progress(0.1 + 0.85 * x),
      signal: tools.signal,
    });
    const out = tools.resultPath(file.fileName);
    await writeFile(out, file.body);
    return {
      summary: {
        report: p.report,
        format: p.format,
        rows: totalRows(report),
        bytes: file.body.length,
        file_name: file.fileName,
      },
      file: out,
    };
  });
}
