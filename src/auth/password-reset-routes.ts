import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, StrictObject } from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { confirmPasswordReset, requestPasswordReset } from './password-reset-service.ts';

export const passwordResetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['auth'];

  app.post(
    '/auth/password-reset/request',
    {
      config: { role: 'public' },
      schema: {
        tags,
        security: [],
        description:
          'E-mails a single-use reset link (valid 60 minutes) to the account named by employee number or ' +
          'e-mail, when it has an address and SMTP is configured. Always answers 200, so it does not ' +
          'reveal which accounts exist.',
        body: StrictObject({
          employee_number: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
        }),
        response: { 200: Type.Object({ ok: Type.Boolean(), message: Type.String() }), 400: ErrorBody },
      },
    },
    async (req) => {
      await withAfterCommit(ctx, (after) =>
        requestPasswordReset(ctx.db, req.body, {
          now: ctx.clock.now(),
          publicUrl: ctx.config.publicUrl,
          after,
        }),
      );
      return {
        ok: true,
        message: 'if the account exists and has an e-mail address, a reset link has been sent to it',
      };
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: { role: 'public' },
      schema: {
        tags,
        security: [],
        description:
          'Sets a new password with the token from the reset e-mail; the token then stops working.',
        body: StrictObject({
          token: Type.String({ minLength: 10, maxLength: 200 }),
          new_password: Type.String({ minLength: 1, maxLength: 256 }),
        }),
        response: { 200: Type.Object({ ok: Type.Boolean() }), 400: ErrorBody },
      },
    },
    async (req) => {
      await confirmPasswordReset(ctx.db, req.body.token, req.body.new_password, ctx.clock.now());
      return { ok: true };
    },
  );
};
