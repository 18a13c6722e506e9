import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Id, Nullable } from '../http/schemas.ts';
import { upcomingWork } from './upcoming.ts';

const Item = Type.Object({
  kind: Type.Union([Type.Literal('calibration'), Type.Literal('pm'), Type.Literal('work_order')]),
  due_at: Type.String(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  process_unit_id: Nullable(Type.Integer()),
  process_unit_name: Nullable(Type.String()),
  title: Type.String(),
  assigned_to: Nullable(Type.Integer()),
  assigned_to_name: Nullable(Type.String()),
  work_order_id: Nullable(Type.Integer()),
  pm_plan_id: Nullable(Type.Integer()),
  priority: Nullable(Type.String()),
  status: Nullable(Type.String()),
  overdue: Type.Boolean(),
});

const Upcoming = Type.Object({
  from: Type.String(),
  to: Type.String(),
  days: Type.Integer(),
  time_zone: Type.String(),
  total: Type.Integer(),
  overdue: Type.Array(Item),
  by_day: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), items: Type.Array(Item) })),
});

export const planningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  app.get(
    '/planning/upcoming',
    {
      config: { role: 'user' },
      schema: {
        tags: ['planning'],
        description:
          'Calibrations, PM occurrences and open work orders falling due in the next `days` days, by ' +
          'calendar day (REPORT_TIMEZONE), with what is already overdue. A calibration whose work ' +
          'order is raised is listed once, with the order. Filter by process unit and by assignee.',
        querystring: Type.Object(
          {
            days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30 })),
            process_unit_id: Type.Optional(Id),
            assigned_to: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: { 200: Upcoming },
      },
    },
    async (req) =>
      upcomingWork(
        ctx.db,
        { ...req.query, days: req.query.days ?? 30 },
        ctx.clock.now(),
        ctx.config.reports.timezone,
      ),
  );
};
