import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { verifyToken } from '../auth/tokens.ts';
import type { Role } from '../db/schema.ts';
import { bool } from '../shared/db-values.ts';
import { ForbiddenError, UnauthorizedError } from '../shared/errors.ts';
import { findUserById } from '../users/user-service.ts';

/** Who may call a route: anyone, any logged-in user, or admins only. Every /api route states one. */
export type RouteRole = 'public' | 'user' | 'admin';

export interface AuthUser {
  id: number;
  role: Role;
  employee_number: string;
  full_name: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: RouteRole;
    /**
     * A file download a browser opens as a plain link (it cannot set headers): the token may come
     * as `?access_token=`. Only these routes accept it; a function decides per request (a report
     * route is a download only with `export=csv|pdf`).
     */
    download?: boolean | ((query: Record<string, unknown>) => boolean);
    /** An admin route Prometheus may also scrape with METRICS_TOKEN as its bearer token. */
    metricsToken?: boolean;
  }
  interface FastifyRequest {
    user: AuthUser | null;
  }
  interface FastifyInstance {
    /** Every route with its declared role, for the route x role test and the docs. */
    routeRoles: { method: string; url: string; role: RouteRole }[];
  }
}

export function installAuthGuard(app: FastifyInstance) {
  app.decorateRequest('user', null);
  app.decorate('routeRoles', []);

  app.addHook('onRoute', (route) => {
    const role = route.config?.role;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!role) {
      // Plugin routes (static files, OpenAPI) are public; our API must say what it needs.
      if (route.url.startsWith('/api'))
        throw new Error(`route ${methods.join(',')} ${route.url} declares no role`);
      return;
    }
    for (const m of methods) if (m !== 'HEAD') app.routeRoles.push({ method: m, url: route.url, role });
  });

  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    const role = config?.role;
    if (!role || role === 'public') return;
    if (config.metricsToken && isMetricsToken(app, req)) return;
    req.user = await authenticate(app, req);
    if (role === 'admin' && req.user.role !== 'admin') throw new ForbiddenError();
  });
}

/** `?access_token=` counts only on download routes; everywhere else it is ignored, never read. */
function requestToken(req: FastifyRequest): string | undefined {
  const match = req.headers.authorization?.match(/^Bearer\s+(.+)$/i);
  if (match) return match[1];
  const download = req.routeOptions.config?.download;
  const query = (req.query ?? {}) as Record<string, unknown>;
  const allowed = typeof download === 'function' ? download(query) : download === true;
  return allowed && typeof query.access_token === 'string' ? query.access_token : undefined;
}

/** The configured METRICS_TOKEN given as the bearer token (compared in constant time). */
export function isMetricsToken(app: FastifyInstance, req: FastifyRequest): boolean {
  const expected = app.ctx.config.metricsToken;
  const given = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!expected || !given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * For public routes that show more to a logged-in user (GET /health): the user when a token is
 * sent (a bad one is still 401), null without one.
 */
export async function optionalUser(app: FastifyInstance, req: FastifyRequest): Promise<AuthUser | null> {
  return requestToken(req) ? authenticate(app, req) : null;
}

async function authenticate(app: FastifyInstance, req: FastifyRequest): Promise<AuthUser> {
  const token = requestToken(req);
  if (!token)
    throw new UnauthorizedError(
      'unauthorized',
      'authentication required: send Authorization: Bearer <token>',
    );
  const { ctx } = app;
  const claims = await verifyToken(ctx.config.jwt.secret, token, ctx.clock.now());
  // One indexed lookup per request: a deactivated user or a changed password ends old tokens at once.
  const user = await findUserById(ctx.db, claims.userId);
  if (!user) throw new UnauthorizedError('token_invalid', 'the token is not valid');
  if (!bool(user.is_active))
    throw new UnauthorizedError('account_inactive', 'this account has been deactivated');
  // Versions, not times: a token issued in the same second as a password change still ends.
  if (claims.ver !== user.token_version) {
    throw new UnauthorizedError(
      'token_revoked',
      'the password has changed or the session was ended since this token was issued; log in again',
    );
  }
  return { id: user.id, role: user.role, employee_number: user.employee_number, full_name: user.full_name };
}

/** The logged-in user of a route that declared role 'user' or 'admin'. */
export function currentUser(req: FastifyRequest): AuthUser {
  if (!req.user) throw new UnauthorizedError();
  return req.user;
}
