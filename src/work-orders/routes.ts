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
import { InlineSignatureBody } from '../signatures/schemas.ts';
import { auditingRefusals } from '../signatures/signature-service.ts';
import { updateWorkOrder } from '../workflows/update-work-order.ts';
import { WORK_ORDER_PRIORITIES, WORK_ORDER_STATUSES, WORK_ORDER_TYPES } from './lifecycle.ts';
import {
  createWorkOrder,
  createWorkOrderFromAlert,
  getWorkOrder,
  listWorkOrders,
} from './work-order-service.ts';

const WoType = Literals(WORK_ORDER_TYPES);
const Priority = Literals(WORK_ORDER_PRIORITIES);
const Status = Literals(WORK_ORDER_STATUSES);
const Minutes = Type.Integer({ minimum: 0, maximum: 100_000 });

export const WorkOrderSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  type: Type.String({ description: WORK_ORDER_TYPES.join(' | ') }),
  priority: Type.String({ description: WORK_ORDER_PRIORITIES.join(' | ') }),
  status: Type.String({ description: WORK_ORDER_STATUSES.join(' | ') }),
  assigned_to: Nullable(Type.Integer()),
  assigned_to_name: Nullable(Type.String()),
  created_by: Nullable(Type.Integer()),
  created_by_name: Nullable(Type.String()),
  due_date: Nullable(Type.String()),
  overdue: Type.Boolean(),
  sla_breached: Type.Boolean(),
  sla_breached_at: Nullable(Type.String()),
  estimated_duration_minutes: Nullable(Type.Integer()),
  actual_duration_minutes: Nullable(Type.Integer()),
  duration_variance_minutes: Nullable(Type.Integer()),
  parts_used: Nullable(Type.String()),
  completion_notes: Nullable(Type.String()),
  cancel_reason: Nullable(Type.String()),
  calibration_record_id: Nullable(Type.Integer()),
  alert_id: Nullable(Type.Integer()),
  pm_plan_id: Nullable(Type.Integer()),
  source: Type.String({
    description: 'manual | alert | calibration_due | calibration_overdue | calibration_failed | pm | request',
  }),
  started_at: Nullable(Type.String()),
  completed_at: Nullable(Type.String()),
  cancelled_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const planning = {
  title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  description: Nullable(Type.String({ maxLength: 4000 })),
  type: WoType,
  priority: Priority,
  assigned_to: Nullable(Id),
  due_date: Nullable(Timestamp),
  estimated_duration_minutes: Nullable(Minutes),
};

export const CreateWorkOrderBody = StrictObject({
  instrument_id: Id,
  title: planning.title,
  description: Type.Optional(planning.description),
  type: planning.type,
  priority: Type.Optional(planning.priority),
  assigned_to: Type.Optional(planning.assigned_to),
  due_date: Type.Optional(planning.due_date),
  estimated_duration_minutes: Type.Optional(planning.estimated_duration_minutes),
});

export const FromAlertBody = StrictObject({
  alert_id: Id,
  title: Type.Optional(planning.title),
  description: Type.Optional(planning.description),
  type: Type.Optional(planning.type),
  priority: Type.Optional(planning.priority),
  assigned_to: Type.Optional(planning.assigned_to),
  due_date: Type.Optional(planning.due_date),
  estimated_duration_minutes: Type.Optional(planning.estimated_duration_minutes),
});

export const PatchWorkOrderBody = StrictObject(
  {
    title: Type.Optional(planning.title),
    description: Type.Optional(planning.description),
    type: Type.Optional(planning.type),
    priority: Type.Optional(planning.priority),
    assigned_to: Type.Optional(planning.assigned_to),
    due_date: Type.Optional(planning.due_date),
    estimated_duration_minutes: Type.Optional(planning.estimated_duration_minutes),
    status: Type.Optional(Status),
    completion_notes: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    actual_duration_minutes: Type.Optional(Nullable(Minutes)),
    parts_used: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    calibration_record_id: Type.Optional(Nullable(Id)),
    cancel_reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    signature: Type.Optional(InlineSignatureBody),
  },
  { minProperties: 1 },
);

export const workOrderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['work orders'];
  const deps = () => ({ now: ctx.clock.now(), settings: cmmsSettings(ctx.config) });

  app.get(
    '/work-orders',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Work orders, newest first, or with `sort=priority` most urgent first then earliest due. ' +
          '`assigned_to` takes a user id, `me` or `none`.',
        querystring: Type.Object({
          status: Type.Optional(Literals([...WORK_ORDER_STATUSES, 'active'])),
          tag: Type.Optional(Type.String({ maxLength: 40 })),
          instrument_id: Type.Optional(Id),
          assigned_to: Type.Optional(Type.String({ pattern: '^(me|none|[1-9][0-9]{0,9})$' })),
          type: Type.Optional(WoType),
          priority: Type.Optional(Priority),
          overdue: Type.Optional(Type.Boolean()),
          sla_breached: Type.Optional(Type.Boolean()),
          source: Type.Optional(Type.String({ maxLength: 40 })),
          sort: Type.Optional(Literals(['newest', 'priority'])),
          ...PageQuery,
        }),
        response: { 200: Page(WorkOrderSchema) },
      },
    },
    async (req) => {
      const { assigned_to, ...q } = req.query;
      const assignee =
        assigned_to === undefined
          ? undefined
          : assigned_to === 'me'
            ? currentUser(req).id
            : assigned_to === 'none'
              ? null
              : Number(assigned_to);
      return listWorkOrders(
        ctx.db,
        { ...q, assigned_to: assignee, limit: q.limit ?? 50, offset: q.offset ?? 0 },
        ctx.clock.now(),
      );
    },
  );

  app.get(
    '/work-orders/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: WorkOrderSchema } } },
    async (req) => getWorkOrder(ctx.db, req.params.id, ctx.clock.now()),
  );

  app.post(
    '/work-orders',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Creates a work order. Without `due_date` it is due after the SLA hours of its priority ' +
          '(SLA_HOURS_*). The assignee is notified in the app and by e-mail.',
        body: CreateWorkOrderBody,
        response: { 201: WorkOrderSchema },
      },
    },
    async (req, reply) => {
      const wo = await withAfterCommit(ctx, (after) =>
        createWorkOrder(ctx.db, currentUser(req).id, req.body, { ...deps(), after }),
      );
      return reply.status(201).send(wo);
    },
  );

  app.post(
    '/work-orders/from-alert',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Creates a work order from an alert and links it (the alert then reports `work_order_id`). ' +
          'Type and priority follow the alert unless given.',
        body: FromAlertBody,
        response: { 201: WorkOrderSchema },
      },
    },
    async (req, reply) => {
      const wo = await withAfterCommit(ctx, (after) =>
        createWorkOrderFromAlert(ctx.db, currentUser(req).id, req.body, { ...deps(), after }),
      );
      return reply.status(201).send(wo);
    },
  );

  app.patch(
    '/work-orders/:id',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Updates a work order. Technicians may change only `status` and the completion fields ' +
          '(completion_notes, actual_duration_minutes, parts_used, calibration_record_id, cancel_reason), ' +
          'and only of work assigned to them or unassigned (else 403 work_order_not_assigned; starting ' +
          'unassigned work assigns it to them); admins everything. Concurrent changes have one winner, ' +
          'the others get 409. Lifecycle: open -> in_progress -> completed, open | in_progress -> cancelled ' +
          '(with cancel_reason); anything else is 409 work_order_invalid_transition. Completing needs ' +
          'completion_notes, actual_duration_minutes and parts_used, and a calibration work order its ' +
          'calibration_record_id.',
        params: IdParams,
        body: PatchWorkOrderBody,
        response: { 200: WorkOrderSchema },
      },
    },
    async (req) => {
      const actor = currentUser(req);
      const d = deps();
      return auditingRefusals(
        ctx.db,
        actor.id,
        { type: 'work_order', id: req.params.id },
        'performed',
        d.now,
        () =>
          withAfterCommit(ctx, (after) =>
            updateWorkOrder(ctx.db, actor, req.params.id, req.body, { ...d, after }),
          ),
      );
    },
  );
};
