import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import {
  Id,
  IdParams,
  Literals,
  Nullable,
  Ok,
  Page,
  PageQuery,
  StrictObject,
  StrictPatch,
  Timestamp,
} from '../http/schemas.ts';
import { WORK_ORDER_PRIORITIES } from '../work-orders/lifecycle.ts';
import { createPlan, deletePlan, getPlan, listPlans, updatePlan } from './pm-plan-service.ts';

const Priority = Literals(WORK_ORDER_PRIORITIES);

export const PlanSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  task: Type.String(),
  interval_days: Type.Integer(),
  next_due: Type.String(),
  due: Type.Boolean(),
  priority: Type.String(),
  assigned_to: Nullable(Type.Integer()),
  assigned_to_name: Nullable(Type.String()),
  is_active: Type.Boolean(),
  last_work_order_id: Nullable(Type.Integer()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const fields = {
  task: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
  interval_days: Type.Integer({ minimum: 1, maximum: 3650 }),
  next_due: Timestamp,
  priority: Priority,
  assigned_to: Nullable(Id),
  is_active: Type.Boolean(),
};

export const CreatePlanBody = StrictObject({
  instrument_id: Id,
  task: fields.task,
  interval_days: fields.interval_days,
  next_due: Type.Optional(fields.next_due),
  priority: Type.Optional(fields.priority),
  assigned_to: Type.Optional(fields.assigned_to),
  is_active: Type.Optional(fields.is_active),
});

export const PatchPlanBody = StrictPatch(fields);

export const pmPlanRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['preventive maintenance'];

  app.get(
    '/pm-plans',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Preventive maintenance plans, soonest due first.',
        querystring: Type.Object({
          instrument_id: Type.Optional(Id),
          tag: Type.Optional(Type.String({ maxLength: 40 })),
          is_active: Type.Optional(Type.Boolean()),
          due: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: Page(PlanSchema) },
      },
    },
    async (req) =>
      listPlans(
        ctx.db,
        { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 },
        ctx.clock.now(),
      ),
  );

  app.get(
    '/pm-plans/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: PlanSchema } } },
    async (req) => getPlan(ctx.db, req.params.id, ctx.clock.now()),
  );

  app.post(
    '/pm-plans',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'A recurring task for one instrument. When `next_due` arrives the scan opens a preventive work ' +
          'order (once) and moves the plan on by its interval.',
        body: CreatePlanBody,
        response: { 201: PlanSchema },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await createPlan(ctx.db, currentUser(req).id, req.body, ctx.clock.now())),
  );

  app.patch(
    '/pm-plans/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        params: IdParams,
        body: PatchPlanBody,
        response: { 200: PlanSchema },
      },
    },
    async (req) => updatePlan(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now()),
  );

  app.delete(
    '/pm-plans/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: Ok } } },
    async (req) => {
      await deletePlan(ctx.db, currentUser(req).id, req.params.id, ctx.clock.now());
      return { ok: true };
    },
  );
};
