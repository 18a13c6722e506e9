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
  toUtc,
} from '../http/schemas.ts';
import { getInstrument } from '../instruments/instrument-service.ts';
import { scanNow } from '../scans/scheduler.ts';
import { listMaintenance, MAINTENANCE_ACTION_TYPES } from './maintenance-records.ts';
import { getMaintenance, recordMaintenance } from './maintenance-service.ts';

const ActionType = Literals(MAINTENANCE_ACTION_TYPES);

export const MaintenanceSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  performed_at: Type.String(),
  action_type: Type.String(),
  technician_id: Type.Integer(),
  technician_name: Type.String(),
  description: Type.String(),
  parts_used: Nullable(Type.String()),
  duration_minutes: Nullable(Type.Integer()),
  work_order_id: Nullable(Type.Integer()),
  created_at: Type.String(),
});

const ScanSummarySchema = Type.Object({
  at: Type.String(),
  predicted_intervals_changed: Type.Integer(),
  calibration: Type.Object({
    overdue: Type.Integer(),
    alerts_raised: Type.Integer(),
    work_orders_created: Type.Integer(),
    cleared: Type.Integer(),
  }),
  calibration_work_orders_ahead: Type.Integer({
    description: 'calibration work orders raised CALIBRATION_LEAD_DAYS before they fall due',
  }),
  pm_work_orders_created: Type.Integer(),
  sla_breaches_flagged: Type.Integer(),
});

export const CreateMaintenanceBody = StrictObject({
  instrument_id: Id,
  action_type: ActionType,
  description: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' }),
  parts_used: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  duration_minutes: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 100_000 }))),
  performed_at: Type.Optional(Timestamp),
  technician_id: Type.Optional(Id),
  work_order_id: Type.Optional(Id),
});

export const maintenanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['maintenance'];

  app.post(
    '/maintenance',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Records completed maintenance. The technician is the logged-in user; an admin may name ' +
          '`technician_id`. Starts the instrument alert suppression window.',
        body: CreateMaintenanceBody,
        response: { 201: MaintenanceSchema },
      },
    },
    async (req, reply) => {
      const record = await recordMaintenance(ctx.db, currentUser(req), req.body, {
        now: ctx.clock.now(),
        suppressionMinutes: ctx.config.suppressionMinutes,
      });
      return reply.status(201).send(record);
    },
  );

  const listQuery = {
    technician_id: Type.Optional(Id),
    action_type: Type.Optional(ActionType),
    work_order_id: Type.Optional(Id),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    ...PageQuery,
  };

  app.get(
    '/maintenance',
    {
      config: { role: 'user' },
      schema: {
        tags,
        querystring: Type.Object({
          instrument_id: Type.Optional(Id),
          tag: Type.Optional(Type.String({ maxLength: 40 })),
          ...listQuery,
        }),
        response: { 200: Page(MaintenanceSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      return listMaintenance(ctx.db, {
        ...q,
        from: toUtc(q.from),
        to: toUtc(q.to),
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
      });
    },
  );

  app.get(
    '/maintenance/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: MaintenanceSchema } } },
    async (req) => getMaintenance(ctx.db, req.params.id),
  );

  app.get(
    '/instruments/:id/maintenance',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Maintenance history of the instrument, newest first.',
        params: IdParams,
        querystring: Type.Object(listQuery),
        response: { 200: Page(MaintenanceSchema) },
      },
    },
    async (req) => {
      await getInstrument(ctx.db, req.params.id, ctx.clock.now(), { includeDeleted: true });
      const q = req.query;
      return listMaintenance(ctx.db, {
        ...q,
        instrument_id: req.params.id,
        from: toUtc(q.from),
        to: toUtc(q.to),
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
      });
    },
  );

  app.post(
    '/maintenance/scan-now',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Runs the scheduled scans now (they also run hourly and at start): predicted calibration ' +
          'intervals, calibration overdue alerts and work orders, calibration work due within ' +
          'CALIBRATION_LEAD_DAYS, PM plans due within PM_LEAD_DAYS, SLA breaches. Idempotent.',
        response: { 200: ScanSummarySchema },
      },
    },
    async () => scanNow(ctx),
  );
};
