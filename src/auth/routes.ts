import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { ErrorBody, StrictObject } from '../http/schemas.ts';
import { UserSchema } from '../users/schemas.ts';
import { getUser, toPublicUser } from '../users/user-service.ts';
import { changeOwnPassword, login } from './auth-service.ts';
import { LoginThrottle } from './login-throttle.ts';
import { passwordResetRoutes } from './password-reset-routes.ts';

export const LoginResponseSchema = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_at: Type.String(),
  user: UserSchema,
});

export const LoginBody = StrictObject({
  employee_number: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const ChangePasswordBody = StrictObject({
  current_password: Type.String({ minLength: 1, maxLength: 256 }),
  new_password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  await app.register(passwordResetRoutes);
  const throttle = new LoginThrottle(
    ctx.db,
    ctx.config.loginRateLimit.maxFailures,
    ctx.config.loginRateLimit.windowMinutes * 60_000,
  );

  app.post(
    '/auth/login',
    {
      config: { role: 'public' },
      schema: {
        tags: ['auth'],
        security: [],
        body: LoginBody,
        response: {
          200: LoginResponseSchema,
          401: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (req) =>
      login(
        {
          db: ctx.db,
          throttle,
          jwtSecret: ctx.config.jwt.secret,
          expiryHours: ctx.config.jwt.expiryHours,
          now: ctx.clock.now(),
        },
        req.body.employee_number,
        req.body.password,
        req.ip,
      ),
  );

  app.get(
    '/auth/me',
    { config: { role: 'user' }, schema: { tags: ['auth'], response: { 200: UserSchema } } },
    async (req) => toPublicUser(await getUser(ctx.db, currentUser(req).id)),
  );

  app.post(
    '/auth/change-password',
    {
      config: { role: 'user' },
      schema: {
        tags: ['auth'],
        body: ChangePasswordBody,
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async (req) => {
      await changeOwnPassword(
        ctx.db,
        currentUser(req).id,
        req.body.current_password,
        req.body.new_password,
        ctx.clock.now(),
      );
      return { ok: true };
    },
  );
};
