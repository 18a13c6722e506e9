import type { FastifyInstance } from 'fastify';
import { alertRoutes } from '../alerts/routes.ts';
import { auditRoutes } from '../audit/routes.ts';
import { authRoutes } from '../auth/routes.ts';
import { healthRoutes } from '../health/routes.ts';
import { instrumentRoutes } from '../instruments/routes.ts';
import { processUnitRoutes } from '../process-units/routes.ts';
import { userRoutes } from '../users/routes.ts';

/** Every route plugin, in one list. A module adds its plugin here and nowhere else. */
export async function apiRoutes(app: FastifyInstance) {
  await app.register(healthRoutes);
  const api = [authRoutes, userRoutes, processUnitRoutes, instrumentRoutes, auditRoutes, alertRoutes];
  for (const plugin of api) await app.register(plugin, { prefix: '/api' });
}
