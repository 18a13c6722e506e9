import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Ok, Page, PageQuery } from '../http/schemas.ts';
import { JobAccepted } from '../jobs/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import {
  createBaseline,
  deleteBaseline,
  instrumentByTag,
  listBaselines,
  type WindowSettings,
} from './baseline-service.ts';
import { activateModelVersion, listModelVersions } from './model-service.ts';
import {
  BaselineBody,
  BaselineSchema,
  CreatedBaselineSchema,
  ModelPage,
  ModelVersionSchema,
  TagParams,
  TagVersionParams,
} from './schemas.ts';
import { requestTraining } from './training-service.ts';

export const mlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['ml'];
  const windows: WindowSettings = {
    featureWindowSeconds: ctx.config.aggregationWindowSeconds,
    cusumWindowSeconds: ctx.config.cusum.windowMinutes * 60,
  };

  app.post(
    '/ml/baselines',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Marks a time range of an instrument’s data as clean (a reference baseline). Training uses only ' +
          'windows inside baselines; the CUSUM takes its reference mean and sigma from them.',
        body: BaselineBody,
        response: { 201: CreatedBaselineSchema },
      },
    },
    async (req, reply) => {
      const created = await withAfterCommit(ctx, (after) =>
        createBaseline(ctx.db, currentUser(req).id, req.body, ctx.clock.now(), windows, after),
      );
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/ml/baselines',
    {
      config: { role: 'user' },
      schema: {
        tags,
        querystring: Type.Object({
          tag: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
          ...PageQuery,
        }),
        response: { 200: Page(BaselineSchema) },
      },
    },
    async (req) =>
      listBaselines(ctx.db, {
        tag: req.query.tag,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      }),
  );

  app.delete(
    '/ml/baselines/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: Ok } } },
    async (req) => {
      await withAfterCommit(ctx, (after) =>
        deleteBaseline(ctx.db, currentUser(req).id, req.params.id, ctx.clock.now(), windows, after),
      );
      return { ok: true };
    },
  );

  app.post(
    '/ml/train/:tag',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Queues training of the instrument’s Isolation Forest on its reference baselines (202 with the job ' +
          'id; follow it at GET /api/jobs/{id}). 400 when the baselines hold too few windows.',
        params: TagParams,
        response: { 202: JobAccepted },
      },
    },
    async (req, reply) => {
      const job = await requestTraining(ctx, req.params.tag, currentUser(req).id);
      return reply.status(202).send({ job_id: job.id, status: job.status });
    },
  );

  app.get(
    '/ml/models/:tag',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Model versions of an instrument, newest first, with the active one.',
        params: TagParams,
        querystring: Type.Object(PageQuery),
        response: { 200: ModelPage },
      },
    },
    async (req) => {
      const target = await instrumentByTag(ctx.db, req.params.tag);
      return listModelVersions(ctx.db, target.id, {
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      });
    },
  );

  app.post(
    '/ml/models/:tag/:version/activate',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Makes this version the active model (rollback); the others are kept.',
        params: TagVersionParams,
        response: { 200: ModelVersionSchema },
      },
    },
    async (req) => {
      const target = await instrumentByTag(ctx.db, req.params.tag);
      return withAfterCommit(ctx, (after) =>
        activateModelVersion(
          ctx.db,
          ctx.config.dataDir,
          currentUser(req).id,
          target.id,
          req.params.version,
          ctx.clock.now().toISOString(),
          after,
        ),
      );
    },
  );
};
