import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Id, Nullable, Page, PageQuery, Timestamp, toUtc } from '../http/schemas.ts';
import { listAudit, verifyAuditChain } from './audit-log.ts';

const AuditItem = Type.Object({
  id: Type.Integer(),
  timestamp: Type.String(),
  user_id: Nullable(Type.Integer()),
  action: Type.String(),
  entity_type: Type.String(),
  entity_id: Nullable(Type.String()),
  old_value: Type.Unknown(),
  new_value: Type.Unknown(),
  hash: Type.String(),
});

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  app.get(
    '/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        querystring: Type.Object({
          entity_type: Type.Optional(Type.String({ maxLength: 60 })),
          entity_id: Type.Optional(Type.String({ maxLength: 60 })),
          user_id: Type.Optional(Id),
          action: Type.Optional(Type.String({ maxLength: 60 })),
          from: Type.Optional(Timestamp),
          to: Type.Optional(Timestamp),
          ...PageQuery,
        }),
        response: { 200: Page(AuditItem) },
      },
    },
    async (req) => {
      const q = req.query;
      return listAudit(ctx.db, {
        ...q,
        from: toUtc(q.from),
        to: toUtc(q.to),
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
      });
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            rows_checked: Type.Integer(),
            first_broken_id: Type.Optional(Type.Integer()),
            reason: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async () => verifyAuditChain(ctx.db),
  );
};
