import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Id, Literals, MAX_OFFSET, Nullable } from '../http/schemas.ts';
import { ValidationError } from '../shared/errors.ts';
import { CARD_SORTS, dashboardSummary } from './dashboard-service.ts';

/** The most cards one request may ask for. */
export const MAX_CARDS = 500;

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
  total: Type.Integer({ description: 'instruments matching search/problems_only (the KPIs ignore both)' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  sort: Literals(CARD_SORTS),
  instruments: Type.Array(HealthCard, { description: 'this page of cards, in `sort` order' }),
});

export const SummaryQuerySchema = Type.Object(
  {
    process_unit_id: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CARDS, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 })),
    sort: Type.Optional({ ...Literals(CARD_SORTS), default: 'problems' }),
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    problems_only: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  app.get(
    '/dashboard/summary',
    {
      config: { role: 'user' },
      // Query strings elsewhere drop unknown names; here a misspelt `sort` or `limt` would silently
      // give a different page than asked for, so it is a 400 naming it.
      preValidation: async (req) => {
        for (const k of Object.keys(req.query as object))
          if (!(k in SummaryQuerySchema.properties))
            throw new ValidationError(k, `unknown query parameter "${k}"`);
      },
      schema: {
        tags: ['dashboard'],
        description:
          'KPI counts (total instruments, calibration overdue, active alerts, open work orders) and ' +
          'one page of health cards, problems first by default (worst open alert, calibration ' +
          'overdue or out of tolerance, lowest health, then tag). With process_unit_id, tiles and ' +
          'cards cover that unit only; search (tag contains) and problems_only narrow the cards and ' +
          '`total`, not the tiles. The ETag covers everything but generated_at: a poll sending ' +
          'If-None-Match gets 304 with no body when nothing changed.',
        querystring: SummaryQuerySchema,
        response: { 200: Summary, 304: Type.Null({ description: 'nothing changed since If-None-Match' }) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const body = await dashboardSummary(
        {
          db: ctx.reads,
          config: ctx.config,
          live: ctx.live,
          monitor: ctx.monitor,
          anomaly: ctx.anomaly,
          register: ctx.ingestion.instruments,
          calibrations: ctx.calibrations,
        },
        ctx.clock.now(),
        {
          processUnitId: q.process_unit_id,
          limit: q.limit ?? 100,
          offset: q.offset ?? 0,
          sort: q.sort ?? 'problems',
          search: q.search,
          problemsOnly: q.problems_only,
        },
      );
      // Send only what changed: one page is ~50 kB of JSON, hashed in well under a millisecond.
      const { generated_at: _, ...content } = body;
      const etag = `"${createHash('sha1').update(JSON.stringify(content)).digest('base64url')}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (req.headers['if-none-match'] === etag) return reply.code(304).send(null);
      return body;
    },
  );
};
