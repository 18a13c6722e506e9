import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import {
  Id,
  IdParams,
  Literals,
  Nullable,
  Page,
  PageQuery,
  StrictObject,
  Timestamp,
} from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { cmmsSettings } from '../settings/cmms-settings.ts';
import { WORK_ORDER_PRIORITIES, WORK_ORDER_TYPES } from '../work-orders/lifecycle.ts';
import { WorkOrderSchema } from '../work-orders/routes.ts';
import {
  acceptWorkRequest,
  createWorkRequest,
  getWorkRequest,
  listWorkRequests,
  rejectWorkRequest,
  WORK_REQUEST_STATUSES,
} from './work-request-service.ts';

export const WorkRequestSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  description: Type.String(),
  status: Type.String({ description: WORK_REQUEST_STATUSES.join(' | ') }),
  reported_by: Type.Integer(),
  reported_by_name: Nullable(Type.String()),
  reviewed_by: Nullable(Type.Integer()),
  reviewed_by_name: Nullable(Type.String()),
  reviewed_at: Nullable(Type.String()),
  review_notes: Nullable(Type.String()),
  work_order_id: Nullable(Type.Integer()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });

export const CreateWorkRequestBody = StrictObject({ instrument_id: Id, description: Text(4000) });

export const AcceptWorkRequestBody = StrictObject({
  title: Type.Optional(Text(200)),
  type: Type.Optional(Literals(WORK_ORDER_TYPES)),
  priority: Type.Optional(Literals(WORK_ORDER_PRIORITIES)),
  assigned_to: Type.Optional(Nullable(Id)),
  due_date: Type.Optional(Nullable(Timestamp)),
  notes: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
});

export const AcceptedWorkRequestSchema = Type.Object({
  request: WorkRequestSchema,
  work_order: WorkOrderSchema,
});

export const workRequestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['work requests'];

  app.get(
    '/work-requests',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Problems reported from the field, newest first. `reported_by=me` for your own.',
        querystring: Type.Object({
          status: Type.Optional(Literals(WORK_REQUEST_STATUSES)),
          instrument_id: Type.Optional(Id),
          reported_by: Type.Optional(Type.String({ pattern: '^(me|[1-9][0-9]{0,9})$' })),
          ...PageQuery,
        }),
        response: { 200: Page(WorkRequestSchema) },
      },
    },
    async (req) => {
      const { reported_by, ...q } = req.query;
      const reporter =
        reported_by === undefined
          ? undefined
          : reported_by === 'me'
            ? currentUser(req).id
            : Number(reported_by);
      return listWorkRequests(ctx.db, {
        ...q,
        reported_by: reporter,
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
      });
    },
  );

  app.get(
    '/work-requests/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: WorkRequestSchema } } },
    async (req) => getWorkRequest(ctx.db, req.params.id),
  );

  app.post(
    '/work-requests',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Reports a problem at an instrument ("Report a problem" on its page); an admin decides.',
        body: CreateWorkRequestBody,
        response: { 201: WorkRequestSchema },
      },
    },
    async (req, reply) => {
      const r = await createWorkRequest(ctx.db, currentUser(req).id, req.body, ctx.clock.now());
      return reply.status(201).send(r);
    },
  );

  app.post(
    '/work-requests/:id/accept',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Turns an open request into a work order (corrective, medium priority unless given; due after ' +
          'its SLA unless given) and links it. A request already decided is 409 work_request_decided.',
        params: IdParams,
        body: AcceptWorkRequestBody,
        response: { 200: AcceptedWorkRequestSchema },
      },
    },
    async (req) =>
      withAfterCommit(ctx, (after) =>
        acceptWorkRequest(ctx.db, currentUser(req).id, req.params.id, req.body, {
          now: ctx.clock.now(),
          settings: cmmsSettings(ctx.config),
          after,
        }),
      ),
  );

  app.post(
    '/work-requests/:id/reject',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Rejects an open request with a reason the reporter sees. Already decided: 409.',
        params: IdParams,
        body: StrictObject({ reason: Text(2000) }),
        response: { 200: WorkRequestSchema },
      },
    },
    async (req) =>
      rejectWorkRequest(ctx.db, currentUser(req).id, req.params.id, req.body.reason, ctx.clock.now()),
  );
};
