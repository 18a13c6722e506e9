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
    const role = req.routeOptions.config?.role;
    if (!role || role === 'public') return;
    req.user = await authenticate(app, req);
    if (role === 'admin' && req.user.role !== 'admin') throw new ForbiddenError();
  });
}

async function authenticate(app: FastifyInstance, req: FastifyRequest): Promise<AuthUser> {
  const header = req.headers.authorization;
  const match = header?.match(/^Bearer\s+(.+)$/i);
  // Browsers cannot set headers on a download link, so file exports may pass the token in the query.
  const queryToken = (req.query as Record<string, unknown> | undefined)?.access_token;
  const token = match?.[1] ?? (typeof queryToken === 'string' ? queryToken : undefined);
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
  if (user.password_changed_at && Math.floor(Date.parse(user.password_changed_at) / 1000) > claims.iat) {
    throw new UnauthorizedError(
      'token_revoked',
      'the password has changed since this session began; log in again',
    );
  }
  return { id: user.id, role: user.role, employee_number: user.employee_number, full_name: user.full_name };
}

/** The logged-in user of a route that declared role 'user' or 'admin'. */
export function currentUser(req: FastifyRequest): AuthUser {
  if (!req.user) throw new UnauthorizedError();
  return req.user;
}
