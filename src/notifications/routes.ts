import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Nullable, PageQuery } from '../http/schemas.ts';
import { countUnread, listNotifications, markAllRead, markRead } from './notification-service.ts';

export const NotificationSchema = Type.Object({
  id: Type.Integer(),
  work_order_id: Nullable(Type.Integer()),
  kind: Type.String({ description: 'assignment | sla_breach' }),
  message: Type.String(),
  read: Type.Boolean(),
  read_at: Nullable(Type.String()),
  created_at: Type.String(),
});

/** Unread (or all) notifications and how many are unread. */
export const NotificationPageSchema = Type.Object({
  items: Type.Array(NotificationSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
  unread_count: Type.Integer(),
});

export const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['notifications'];
  const now = () => ctx.clock.now().toISOString();

  app.get(
    '/notifications',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: "The logged-in user's notifications, newest first: unread only unless `all=true`.",
        querystring: Type.Object({ all: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: {
          200: NotificationPageSchema,
        },
      },
    },
    async (req) =>
      listNotifications(ctx.db, currentUser(req).id, {
        all: req.query.all,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      }),
  );

  app.get(
    '/notifications/unread-count',
    {
      config: { role: 'user' },
      schema: { tags, response: { 200: Type.Object({ unread_count: Type.Integer() }) } },
    },
    async (req) => ({ unread_count: await countUnread(ctx.db, currentUser(req).id) }),
  );

  app.post(
    '/notifications/:id/read',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: NotificationSchema } } },
    async (req) => markRead(ctx.db, currentUser(req).id, req.params.id, now()),
  );

  app.post(
    '/notifications/read-all',
    {
      config: { role: 'user' },
      schema: { tags, response: { 200: Type.Object({ updated: Type.Integer() }) } },
    },
    async (req) => markAllRead(ctx.db, currentUser(req).id, now()),
  );
};
