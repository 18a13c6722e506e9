import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.ts';
import { type AuthUser, currentUser } from '../http/auth-guard.ts';
import { exportReport } from './report-export.ts';
import { REPORT_EXPORT_JOB, type ReportJobParams } from './report-jobs.ts';
import { REPORT_KEYS, type ReportData, type ReportKey, totalRows } from './report-model.ts';
import { exportQuery, periodQuery, scopeQuery } from './report-params.ts';
import type { BuildContext } from './report-queries.ts';
import { REPORTS } from './report-registry.ts';
import { ReportJobAccepted, ReportJson } from './schemas.ts';

export function buildContextFor(ctx: AppContext, user: AuthUser, now: Date): BuildContext {
  return {
    // Reports are reads, often large: off the ingest thread on SQLite (src/db/read-worker-dialect.ts).
    db: ctx.reads,
    now,
    config: ctx.config,
    live: ctx.live,
    monitor: ctx.monitor,
    anomaly: ctx.anomaly,
    user: { id: user.id, full_name: user.full_name, employee_number: user.employee_number },
  };
}

/** JSON form: the report with its main table flattened to `columns` / `rows`, paginated. */
function toJson(r: ReportData, limit: number, offset: number) {
  const { main, landscape: _landscape, ...rest } = r;
  return {
    ...rest,
    table: { key: main.key, title: main.title, group_by: main.groupBy ?? null },
    columns: main.columns,
    rows: main.rows.slice(offset, offset + limit),
    total_rows: main.rows.length,
    limit,
    offset,
  };
}

export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  for (const key of REPORT_KEYS) {
    const def = REPORTS[key];
    const queryKeys = Object.keys({ ...periodQuery, ...scopeQuery, ...def.query });
    app.get(
      `/reports/${key}`,
      {
        // A CSV/PDF export may be opened as a link with ?access_token= (never the JSON view).
        config: { role: 'user', download: (q) => q.export === 'csv' || q.export === 'pdf' },
        schema: {
          tags: ['reports'],
          summary: def.summary,
          description:
            `Default period: the last ${def.defaultDays} days up to now. JSON by default (main-table rows ` +
            'paginated with limit/offset); export=csv or export=pdf downloads a file. An export with more ' +
            'rows than REPORT_ASYNC_ROWS answers 202 with a job id; download it from /api/jobs/{id}/result.',
          querystring: Type.Object({ ...periodQuery, ...scopeQuery, ...def.query, ...exportQuery }),
          response: { 200: ReportJson, 202: ReportJobAccepted },
        },
      },
      async (req, reply) => {
        const user = currentUser(req);
        const { export: format, limit, offset } = req.query;
        // Only the report's own parameters travel on (never an access_token given for a download).
        const query: Record<string, unknown> = {};
        for (const k of queryKeys) {
          const v = (req.query as Record<string, unknown>)[k];
          if (v !== undefined) query[k] = v;
        }
        const now = ctx.clock.now();
        const report = await def.build(buildContextFor(ctx, user, now), query);
        if (!format || format === 'json') return toJson(report, limit ?? 1000, offset ?? 0);

        const rows = totalRows(report);
        if (rows > ctx.config.reports.asyncRows) {
          const params: ReportJobParams = {
            report: key as ReportKey,
            format,
            query,
            as_of: now.toISOString(),
            user: report.generated_by,
          };
          const job = await ctx.jobs.enqueue({
            type: REPORT_EXPORT_JOB,
            params: { ...params },
            createdBy: user.id,
          });
          return reply.status(202).send({
            job_id: job.id,
            status: job.status,
            rows,
            status_url: `/api/jobs/${job.id}`,
            result_url: `/api/jobs/${job.id}/result`,
          });
        }
        const file = await exportReport(report, format, { timeZone: ctx.config.reports.timezone });
        // A file, not the JSON schema's shape: sent through the untyped reply.
        return (reply as FastifyReply)
          .type(file.contentType)
          .header('content-disposition', `attachment; filename="${file.fileName}"`)
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );
  }
};
