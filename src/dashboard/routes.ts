import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Id, Nullable } from '../http/schemas.ts';
import { dashboardSummary } from './dashboard-service.ts';

export const HealthCard = Type.Object({
  id: Type.Integer(),
  tag: Type.String(),
  type: Type.String(),
  unit: Type.String(),
  process_unit_id: Nullable(Type.Integer()),
  process_unit_name: Nullable(Type.String()),
  criticality: Type.String(),
  status: Type.String(),
  last_reading: Nullable(
    Type.Object({ timestamp: Type.String(), value: Type.Number(), quality: Type.String() }),
  ),
  health_score: Type.Integer({ minimum: 0, maximum: 100 }),
  health_parts: Type.Object(
    {
      alerts: Type.Number(),
      drift: Type.Number(),
      anomaly: Type.Number(),
      freshness: Type.Number(),
      calibration: Type.Number(),
    },
    { description: 'points deducted from 100 per part (formula in src/detection/health-score.ts)' },
  ),
  badges: Type.Object({
    rule: Type.Union([Type.Literal('ok'), Type.Literal('warning'), Type.Literal('critical')]),
    drift: Type.Union([Type.Literal('ok'), Type.Literal('drifting')]),
    ml: Type.Union([Type.Literal('ok'), Type.Literal('anomaly'), Type.Literal('no_model')]),
    quality: Type.Union([
      Type.Literal('good'),
      Type.Literal('fault'),
      Type.Literal('spike'),
      Type.Literal('no_data'),
    ]),
  }),
  open_alerts: Type.Integer(),
  worst_severity: Nullable(Type.String()),
  next_calibration_due: Nullable(Type.String()),
  calibration_overdue: Type.Boolean(),
  out_of_tolerance: Type.Boolean({ description: 'latest calibration failed as-left' }),
});

export const Summary = Type.Object({
  generated_at: Type.String(),
  process_unit_id: Nullable(Type.Integer()),
  total_instruments: Type.Integer(),
  calibration_overdue: Type.Integer(),
  active_alerts: Type.Integer(),
  open_work_orders: Type.Integer(),
  instruments: Type.Array(HealthCard),
});

export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  app.get(
    '/dashboard/summary',
    {
      config: { role: 'user' },
      schema: {
        tags: ['dashboard'],
        description:
          'KPI counts (total instruments, calibration overdue, active alerts, open work orders) and a ' +
          'health card per instrument. With process_unit_id, tiles and cards cover that unit only.',
        querystring: Type.Object({ process_unit_id: Type.Optional(Id) }),
        response: { 200: Summary },
      },
    },
    async (req) =>
      dashboardSummary(
        { db: ctx.db, config: ctx.config, live: ctx.live, monitor: ctx.monitor, anomaly: ctx.anomaly },
        ctx.clock.now(),
        req.query.process_unit_id,
      ),
  );
};
