import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Page, PageQuery } from '../http/schemas.ts';
import { NotFoundError } from '../shared/errors.ts';
import { getJobFor, jobResultFile, listJobs } from './job-service.ts';
import { JobSchema, JobStatusSchema } from './schemas.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.pdf': 'application/pdf',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.zip': 'application/zip',
};

export const jobRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['jobs'];

  app.get(
    '/jobs',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Background jobs, newest first. Technicians see the jobs they started; admins see every job.',
        querystring: Type.Object({
          status: Type.Optional(JobStatusSchema),
          type: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
          ...PageQuery,
        }),
        response: { 200: Page(JobSchema) },
      },
    },
    async (req) => {
      const user = currentUser(req);
      return listJobs(ctx.db, {
        status: req.query.status,
        type: req.query.type,
        createdBy: user.role === 'admin' ? undefined : user.id,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      });
    },
  );

  app.get(
    '/jobs/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: JobSchema } } },
    async (req) => getJobFor(ctx.db, req.params.id, currentUser(req)),
  );

  app.get(
    '/jobs/:id/result',
    {
      config: { role: 'user', download: true },
      schema: {
        tags,
        params: IdParams,
        description: 'Downloads the file a finished job produced (404 when it produced none).',
      },
    },
    async (req, reply) => {
      const job = await getJobFor(ctx.db, req.params.id, currentUser(req));
      const rel = await jobResultFile(ctx.db, job.id);
      const root = path.resolve(ctx.config.dataDir);
      // The stored path is relative to DATA_DIR and must stay inside it.
      const file = rel ? path.resolve(root, rel) : '';
      if (!file.startsWith(root + path.sep) || !existsSync(file)) {
        throw new NotFoundError('job_result', job.id);
      }
      const name = path.basename(file);
      return reply
        .type(CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${name.replace(/"/g, '')}"`)
        .send(createReadStream(file));
    },
  );
};
