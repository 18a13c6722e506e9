import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { Nullable } from '../http/schemas.ts';
import { firstRun } from './first-run.ts';

const Connection = Type.Object({
  broker: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
  host: Nullable(Type.String({ description: "null: this server's own address" })),
  port: Nullable(Type.Integer()),
  tls: Type.Boolean(),
  loopback_only: Type.Boolean(),
  auth_required: Type.Boolean(),
  topic_prefix: Type.String(),
  tag: Type.String(),
  unit: Type.String(),
  value: Type.Number(),
  tag_is_real: Type.Boolean(),
});

const FirstRunSchema = Type.Object({
  instruments: Type.Integer(),
  readings: Type.Boolean(),
  active_users: Type.Integer(),
  complete: Type.Boolean(),
  connection: Nullable(Connection),
});

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
