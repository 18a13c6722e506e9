import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UpcomingQuerySchema, UpcomingSchema } from './schemas.ts';
import { upcomingWork } from './upcoming.ts';

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
        querystring: UpcomingQuerySchema,
        response: { 200: UpcomingSchema },
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
