import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { isMetricsToken, optionalUser } from '../http/auth-guard.ts';

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
        description:
          'Overall status: ok, degraded (the database answers but refuses writes: disk full, read-only ' +
          'file) or error (the database does not answer, 503). Without a token only `status`; with any ' +
          "user's token (or METRICS_TOKEN) the database, broker, ingestion and detector details.",
        response: { 200: HealthBody, 503: HealthBody },
      },
    },
    async (req, reply) => {
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
      const refusal = ctx.writes.current();
      if (refusal && database.status === 'ok') database.status = 'degraded';
      database.writes = refusal ? { status: 'refused', ...refusal } : { status: 'ok' };
      const status = database.status as 'ok' | 'degraded' | 'error';
      const code = status === 'error' ? 503 : 200;

      // Tag names, errors and counters are for staff and monitoring, not for anyone on the network.
      const detailed = isMetricsToken(app, req) || (await optionalUser(app, req)) !== null;
      if (!detailed) return reply.status(code).send({ status });

      const parts: Record<string, unknown> = {};
      for (const [name, provider] of ctx.health) {
        try {
          parts[name] = await provider();
        } catch (e) {
          parts[name] = { status: 'error', error: (e as Error).message };
        }
      }
      return reply.status(code).send({
        status,
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
    {
      // Admins, or Prometheus with METRICS_TOKEN as its bearer token.
      config: { role: 'admin', metricsToken: true },
      schema: { tags: ['health'], description: 'Prometheus metrics: an admin token or METRICS_TOKEN.' },
    },
    async (_req, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.metrics()),
  );
};
