import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentUser } from '../http/auth-guard.ts';
import { firstRun } from './first-run.ts';
import { FirstRunSchema } from './schemas.ts';

export const onboardingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  app.get(
    '/first-run',
    {
      config: { role: 'user' },
      schema: {
        tags: ['dashboard'],
        description:
          'How far a new plant has got (instruments, readings, users) for the first-run walk-through; ' +
          'for admins also how field devices connect: broker host and port, TLS, whether a login is ' +
          'needed, the topic prefix and the first instrument as a sample reading. Never a secret.',
        response: { 200: FirstRunSchema },
      },
    },
    async (req) =>
      firstRun(ctx.db, ctx.config, ctx.ingestion?.broker() ?? null, currentUser(req).role === 'admin'),
  );
};
