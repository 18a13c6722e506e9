import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MAX_OFFSET, Nullable, Page, Timestamp } from '../http/schemas.ts';
import { DEFAULT_MAX_POINTS, getTrend } from './trends.ts';

export const TrendPointSchema = Type.Object({
  timestamp: Type.String({ description: "the start of the point's bucket (raw points: the reading's time)" }),
  value: Type.Number({ description: 'mean of the good readings (fault and spike readings left out)' }),
  min: Type.Number(),
  max: Type.Number(),
  bad_count: Type.Integer({ description: 'fault and spike readings in the bucket, not in value/min/max' }),
});

export const TrendSchema = Type.Object({
  tag: Type.String(),
  unit: Type.String(),
  tier: Type.String({ description: 'raw | 1m | 1h | 1d' }),
  from: Type.String(),
  to: Type.String(),
  bucket_seconds: Nullable(
    Type.Number({ description: 'width of each point; null when points are raw readings' }),
  ),
  points: Type.Array(TrendPointSchema),
  bad_count: Type.Integer({ description: 'fault and spike readings in the range, left out of the points' }),
  range_min: Type.Number(),
  range_max: Type.Number(),
  nominal_value: Nullable(Type.Number()),
  limits: Type.Object({
    low_critical: Nullable(Type.Number()),
    low_warning: Nullable(Type.Number()),
    high_warning: Nullable(Type.Number()),
    high_critical: Nullable(Type.Number()),
  }),
});

export const LatestSchema = Type.Object({
  instrument_id: Type.Integer(),
  tag: Type.String(),
  unit: Type.String(),
  status: Type.String(),
  timestamp: Nullable(Type.String()),
  value: Nullable(Type.Number()),
  quality: Nullable(Type.String()),
});

export const readingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['readings'];

  app.get(
    '/readings/trends',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'A chart series for one instrument. The tier follows the span: raw up to 6 h, 1-minute up to ' +
          '7 days, hourly up to a year, daily beyond (coarser when retention no longer holds the finer ' +
          'tier at `from`). At most `max_points` points, each with min and max. Default: the last hour.',
        querystring: Type.Object({
          tag: Type.String({ minLength: 1, maxLength: 40 }),
          from: Type.Optional(Timestamp),
          to: Type.Optional(Timestamp),
          max_points: Type.Optional(
            Type.Integer({ minimum: 10, maximum: 5000, default: DEFAULT_MAX_POINTS }),
          ),
        }),
        response: { 200: TrendSchema },
      },
    },
    async (req) =>
      // Histories read the reading tables: off the ingest thread on SQLite.
      getTrend(
        ctx.reads,
        ctx.dialect,
        { tag: req.query.tag, from: req.query.from, to: req.query.to, maxPoints: req.query.max_points },
        ctx.clock.now(),
      ),
  );

  app.get(
    '/readings/latest',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'The live value of every instrument (from memory), ordered by tag.',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 })),
        }),
        response: { 200: Page(LatestSchema) },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 1000;
      const offset = req.query.offset ?? 0;
      const base = ctx.reads.selectFrom('instruments').where('deleted_at', 'is', null);
      const [rows, count] = await Promise.all([
        base.select(['id', 'tag', 'unit', 'status']).orderBy('tag').limit(limit).offset(offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        items: rows.map((r) => {
          const last = ctx.live.lastReading(r.id);
          return {
            instrument_id: r.id,
            tag: r.tag,
            unit: r.unit,
            status: r.status,
            timestamp: last?.timestamp ?? null,
            value: last?.value ?? null,
            quality: last?.quality ?? null,
          };
        }),
        total: Number(count.n),
        limit,
        offset,
      };
    },
  );
};
