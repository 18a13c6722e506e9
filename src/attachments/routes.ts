import { createReadStream, existsSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Nullable } from '../http/schemas.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import {
  type AttachmentTarget,
  addAttachment,
  attachmentPath,
  auditDownload,
  getAttachment,
  listAttachments,
} from './attachment-service.ts';
import { ALLOWED_MIME_TYPES } from './file-types.ts';

export const AttachmentSchema = Type.Object({
  id: Type.Integer(),
  entity_type: Type.String(),
  entity_id: Type.Integer(),
  filename: Type.String(),
  mime_type: Type.String({ description: 'recognised from the content' }),
  size_bytes: Type.Integer(),
  sha256: Type.String(),
  description: Nullable(Type.String()),
  uploaded_by: Type.Integer(),
  uploaded_by_name: Type.String(),
  created_at: Type.String(),
});

const UploadQuery = Type.Object({
  filename: Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'the original file name, with its extension',
  }),
  description: Type.Optional(Type.String({ maxLength: 500 })),
});

const TARGETS: { prefix: string; type: AttachmentTarget }[] = [
  { prefix: '/calibrations', type: 'calibration_record' },
  { prefix: '/work-orders', type: 'work_order' },
];

export const attachmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const settings = ctx.config.attachments;
  const tags = ['attachments'];
  // The file is the request body, as sent (no multipart): these parsers hold in this plugin only.
  for (const type of ['application/octet-stream', ...ALLOWED_MIME_TYPES]) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: settings.maxBytes }, (_req, body, done) =>
      done(null, body),
    );
  }

  for (const { prefix, type } of TARGETS) {
    app.post(
      `${prefix}/:id/attachments`,
      {
        config: { role: 'user' },
        bodyLimit: settings.maxBytes,
        schema: {
          tags,
          description:
            'Attaches a file: the request body is the file itself (Content-Type its type or ' +
            `application/octet-stream), ?filename= its name. Allowed: ${ALLOWED_MIME_TYPES.join(', ')}, ` +
            'recognised from the content (415 attachment_type_not_allowed / attachment_type_mismatch), ' +
            'up to ATTACHMENT_MAX_MB (413). Audited.',
          params: IdParams,
          querystring: UploadQuery,
          response: { 201: AttachmentSchema },
        },
      },
      async (req, reply) => {
        if (!Buffer.isBuffer(req.body))
          throw new ValidationError('body', 'send the file as the request body');
        const a = await addAttachment(
          ctx.db,
          settings,
          currentUser(req),
          { type, id: req.params.id },
          {
            filename: req.query.filename,
            declaredType: req.headers['content-type'],
            content: req.body,
            description: req.query.description,
          },
          ctx.clock.now(),
        );
        return reply.status(201).send(a);
      },
    );

    app.get(
      `${prefix}/:id/attachments`,
      {
        config: { role: 'user' },
        schema: {
          tags,
          params: IdParams,
          response: { 200: Type.Object({ items: Type.Array(AttachmentSchema), total: Type.Integer() }) },
        },
      },
      async (req) => listAttachments(ctx.db, type, req.params.id),
    );
  }

  app.get(
    '/attachments/:id/download',
    {
      config: { role: 'user', download: true },
      schema: { tags, params: IdParams, description: 'Downloads the attachment (audited).' },
    },
    async (req, reply) => {
      const a = await getAttachment(ctx.db, req.params.id);
      const file = attachmentPath(settings, a.storage_name);
      if (!existsSync(file)) throw new NotFoundError('attachment_file', a.id);
      await auditDownload(ctx.db, currentUser(req).id, a, ctx.clock.now());
      return reply
        .type(a.mime_type)
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-disposition',
          `attachment; filename="${a.filename.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
        )
        .send(createReadStream(file));
    },
  );
};
