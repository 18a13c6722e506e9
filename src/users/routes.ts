import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Nullable, Page, PageQuery, StrictObject } from '../http/schemas.ts';
import { CreateUserBody, PatchUserBody, RoleSchema, UserSchema } from './schemas.ts';
import { createUser, getUser, listUsers, setPassword, toPublicUser, updateUser } from './user-service.ts';

export const CreatedUserSchema = Type.Object({
  user: UserSchema,
  generated_password: Nullable(Type.String()),
});

export const PasswordResetSchema = Type.Object({
  ok: Type.Boolean(),
  generated_password: Nullable(Type.String()),
});

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const now = () => ctx.clock.now().toISOString();

  app.get(
    '/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          role: Type.Optional(RoleSchema),
          is_active: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: Page(UserSchema) },
      },
    },
    async (req) =>
      listUsers(ctx.db, { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 }),
  );

  app.post(
    '/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        body: CreateUserBody,
        response: { 201: CreatedUserSchema },
      },
    },
    async (req, reply) => {
      const { user, generatedPassword } = await createUser(ctx.db, currentUser(req).id, req.body, now());
      return reply.status(201).send({ user, generated_password: generatedPassword });
    },
  );

  app.get(
    '/users/:id',
    {
      config: { role: 'admin' },
      schema: { tags: ['users'], params: IdParams, response: { 200: UserSchema } },
    },
    async (req) => toPublicUser(await getUser(ctx.db, req.params.id)),
  );

  app.patch(
    '/users/:id',
    {
      config: { role: 'admin' },
      schema: { tags: ['users'], params: IdParams, body: PatchUserBody, response: { 200: UserSchema } },
    },
    async (req) => updateUser(ctx.db, currentUser(req).id, req.params.id, req.body, now()),
  );

  app.post(
    '/users/:id/reset-password',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        params: IdParams,
        body: Type.Optional(
          StrictObject({ password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }),
        ),
        response: { 200: PasswordResetSchema },
      },
    },
    async (req) => {
      // The admin either sets a temporary password or has one generated; the user must change it.
      const { generatedPassword } = await setPassword(
        ctx.db,
        currentUser(req).id,
        req.params.id,
        req.body?.password ?? null,
        { mustChange: true, action: 'reset_password' },
        now(),
      );
      return { ok: true, generated_password: generatedPassword };
    },
  );
};
