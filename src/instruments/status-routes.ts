import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams } from '../http/schemas.ts';
import { instrumentStatus } from '../workflows/instrument-status.ts';
import { InstrumentStatusSchema } from './schemas.ts';

/** GET /api/instruments/{id}/status: the live picture of one instrument, health score included. */
export const instrumentStatusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  app.get(
    '/instruments/:id/status',
    {
      config: { role: 'user' },
      schema: {
        tags: ['instruments'],
        description:
          'Live value and quality, rule state, CUSUM sums vs h, stuck state, latest anomaly score, active ' +
          'model version and the health score with its parts.',
        params: IdParams,
        response: { 200: InstrumentStatusSchema },
      },
    },
    async (req) => instrumentStatus(ctx, req.params.id, ctx.clock.now()),
  );
};
