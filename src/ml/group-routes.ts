// /api/ml/model-groups: instruments modelled together (issue 11). Admins define, train and roll
// back; everyone signed in reads them with their live residual CUSUMs and anomaly score.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Ok, Page, PageQuery } from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { deleteModelGroup } from '../workflows/delete-model-group.ts';
import {
  GroupBody,
  GroupDetailSchema,
  GroupPatchBody,
  GroupSchema,
  GroupVersionParams,
  GroupVersionSchema,
} from './group-schemas.ts';
import {
  activateGroupVersion,
  createGroup,
  getGroup,
  listGroups,
  listGroupVersions,
  trainGroup,
  updateGroup,
} from './group-service.ts';

export const modelGroupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['ml'];
  const at = () => ctx.clock.now().toISOString();
  const detail = async (id: number) => {
    const g = await getGroup(ctx.db, id);
    return { ...g, live: ctx.monitor.groupSnapshot(id) };
  };

  app.get(
    '/ml/model-groups',
    {
      config: { role: 'user' },
      schema: { tags, querystring: Type.Object(PageQuery), response: { 200: Page(GroupSchema) } },
    },
    async (req) => listGroups(ctx.db, { limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 }),
  );

  app.post(
    '/ml/model-groups',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Defines a model group: instruments that move together (redundant sensors, a flow balance, a ' +
          'pump). Give instrument_ids, or a process_unit_id to take the unit’s instruments. 409 when an ' +
          'instrument is already in another group or the name is taken.',
        body: GroupBody,
        response: { 201: GroupSchema },
      },
    },
    async (req, reply) => {
      const g = await withAfterCommit(ctx, (after) =>
        createGroup(ctx.db, currentUser(req).id, req.body, at(), after),
      );
      return reply.status(201).send(g);
    },
  );

  app.get(
    '/ml/model-groups/:id',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'The group with its live state: each member’s residual CUSUM and the group’s T² score.',
        params: IdParams,
        response: { 200: GroupDetailSchema },
      },
    },
    async (req) => detail(req.params.id),
  );

  app.patch(
    '/ml/model-groups/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Changes a group. New members or windows deactivate the active model until the group is trained again.',
        params: IdParams,
        body: GroupPatchBody,
        response: { 200: GroupSchema },
      },
    },
    async (req) => {
      return withAfterCommit(ctx, (after) =>
        updateGroup(ctx.db, currentUser(req).id, req.params.id, req.body, at(), after),
      );
    },
  );

  app.delete(
    '/ml/model-groups/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: Ok } } },
    async (req) => {
      await withAfterCommit(ctx, (after) =>
        deleteModelGroup(ctx.db, currentUser(req).id, req.params.id, at(), after),
      );
      return { ok: true };
    },
  );

  app.post(
    '/ml/model-groups/:id/train',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Trains the group on the time where all its members have a reference baseline (POST ' +
          '/api/ml/baselines) and activates the new version. 422 naming what is missing when the ' +
          'common baseline is too short for both the drift and the anomaly model.',
        params: IdParams,
        response: { 201: GroupVersionSchema },
      },
    },
    async (req, reply) => {
      const v = await withAfterCommit(ctx, (after) =>
        trainGroup(ctx.db, currentUser(req).id, req.params.id, at(), after),
      );
      return reply.status(201).send(v);
    },
  );

  app.get(
    '/ml/model-groups/:id/versions',
    {
      config: { role: 'user' },
      schema: {
        tags,
        params: IdParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Page(GroupVersionSchema) },
      },
    },
    async (req) =>
      listGroupVersions(ctx.db, req.params.id, {
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      }),
  );

  app.post(
    '/ml/model-groups/:id/versions/:version/activate',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Makes an older version active again (rollback); it must have the group’s current members.',
        params: GroupVersionParams,
        response: { 200: GroupVersionSchema },
      },
    },
    async (req) => {
      return withAfterCommit(ctx, (after) =>
        activateGroupVersion(ctx.db, currentUser(req).id, req.params.id, req.params.version, at(), after),
      );
    },
  );
};
