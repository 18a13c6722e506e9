import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';

const HealthBody = Type.Record(Type.String(), Type.Unknown());

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const startedAt = Date.now();

  app.get(
    '/health',
    {
      config: { role: 'public' },
      schema: {
        tags: ['health'],
        security: [],
        description: 'Database, broker and ingestion state. 200 when the database answers, 503 otherwise.',
        response: { 200: HealthBody, 503: HealthBody },
      },
    },
    async (_req, reply) => {
      const t0 = performance.now();
      let database: Record<string, unknown>;
      try {
        await sql`select 1`.execute(ctx.db);
        database = {
          status: 'ok',
          dialect: ctx.dialect,
          latency_ms: Math.round((performance.now() - t0) * 100) / 100,
        };
      } catch (e) {
        database = { status: 'error', dialect: ctx.dialect, error: (e as Error).message };
      }
      const parts: Record<string, unknown> = {};
      for (const [name, provider] of ctx.health) {
        try {
          parts[name] = await provider();
        } catch (e) {
          parts[name] = { status: 'error', error: (e as Error).message };
        }
      }
      const ok = database.status === 'ok';
      return reply.status(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'error',
        version: ctx.config.version,
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
        time: ctx.clock.now().toISOString(),
        database,
        ...parts,
      });
    },
  );

  app.get(
    '/metrics',
    { config: { role: 'public' }, schema: { tags: ['health'], security: [], hide: false } },
    async (_req, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.metrics()),
  );
};
