import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Id, Nullable, Page, PageQuery, Timestamp, toUtc } from '../http/schemas.ts';
import { advanceLocalCheckpoint, currentCheckpoint, signCheckpoint } from './audit-checkpoint.ts';
import { auditKeyOf } from './audit-key.ts';
import { listAudit } from './audit-log.ts';
import { verifyAudit } from './audit-verify.ts';

export const AuditItem = Type.Object({
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

const Check = Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() });
const Problem = Type.Object({
  check: Type.String(),
  kind: Type.String(),
  message: Type.String(),
  audit_id: Type.Optional(Type.Integer()),
  entity_type: Type.Optional(Type.String()),
  entity_id: Type.Optional(Type.Integer()),
});
/** GET|POST /api/audit/verify (docs/audit.md says what each check detects). */
export const AuditReport = Type.Object({
  ok: Type.Boolean(),
  rows_checked: Type.Integer(),
  first_broken_id: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
  key_id: Type.String(),
  head: Type.Object({
    rows: Type.Integer(),
    last_id: Nullable(Type.Integer()),
    last_hash: Nullable(Type.String()),
  }),
  legacy_rows: Type.Integer(),
  keyed_from_id: Nullable(Type.Integer()),
  records_checked: Type.Object({
    calibration_records: Type.Integer(),
    maintenance_records: Type.Integer(),
  }),
  checks: Type.Array(Check),
  problems: Type.Array(Problem),
  problems_truncated: Type.Boolean(),
});
const Checkpoint = Type.Object(
  {
    format: Type.String({ maxLength: 60 }),
    key_id: Type.String({ maxLength: 64 }),
    keyed_from_id: Nullable(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
    rows: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    last_id: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    last_hash: Type.String({ maxLength: 128 }),
    taken_at: Type.String({ maxLength: 40 }),
  },
  { additionalProperties: false },
);
export const SignedCheckpoint = Type.Object(
  { checkpoint: Checkpoint, signature: Type.String({ maxLength: 128 }) },
  { additionalProperties: false },
);

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
      schema: { tags: ['audit'], response: { 200: AuditReport } },
    },
    async () => verifyAudit(ctx.db, { dataDir: ctx.config.dataDir }),
  );

  // The same, also against a checkpoint the admin exported earlier and kept away from this server.
  app.post(
    '/audit/verify',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        body: Type.Object({ checkpoint: Type.Optional(SignedCheckpoint) }, { additionalProperties: false }),
        response: { 200: AuditReport },
      },
    },
    async (req) => verifyAudit(ctx.db, { dataDir: ctx.config.dataDir, exported: req.body.checkpoint }),
  );

  // A signed checkpoint of the head now, to keep outside the plant's systems.
  app.get(
    '/audit/checkpoint',
    {
      config: { role: 'admin' },
      schema: { tags: ['audit'], response: { 200: SignedCheckpoint } },
    },
    async (_req, reply) => {
      const at = ctx.clock.now().toISOString();
      await advanceLocalCheckpoint(ctx.db, ctx.config.dataDir, at, ctx.log);
      reply.header(
        'content-disposition',
        `attachment; filename="audit-checkpoint-${at.slice(0, 19).replace(/:/g, '')}Z.json"`,
      );
      return signCheckpoint(auditKeyOf(ctx.db), await currentCheckpoint(ctx.db, at));
    },
  );
};
