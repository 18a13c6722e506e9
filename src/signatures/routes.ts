import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { Id, StrictPatch } from '../http/schemas.ts';
import {
  PolicySchema,
  RecordSignaturesSchema,
  RecordTypeSchema,
  SignatureSchema,
  SignBody,
} from './schemas.ts';
import {
  auditingRefusals,
  listPolicies,
  signaturesOf,
  signRecord,
  updatePolicy,
} from './signature-service.ts';

export const signatureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['signatures'];

  app.post(
    '/signatures',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Signs a calibration record or a work order (21 CFR Part 11 meaning): re-enter the password ' +
          '(403 signature_password_incorrect, audited as sign_refused) and pick the meaning. ' +
          '`performed` is for the performer only; `reviewed` and `approved` for a second person ' +
          '(403 signature_same_person), approving needs the admin role. One signature per meaning ' +
          '(409 already_signed). Stored with the SHA-256 of the signed content and audited.',
        body: SignBody,
        response: { 201: SignatureSchema },
      },
    },
    async (req, reply) => {
      const actor = currentUser(req);
      const now = ctx.clock.now();
      const target = { type: req.body.entity_type, id: req.body.entity_id };
      const signature = await auditingRefusals(ctx.db, actor.id, target, req.body.meaning, now, () =>
        ctx.db
          .transaction()
          .execute((trx) =>
            signRecord(
              trx,
              actor,
              target,
              { password: req.body.password, meaning: req.body.meaning, comment: req.body.comment },
              now,
            ),
          ),
      );
      return reply.status(201).send(signature);
    },
  );

  app.get(
    '/signatures',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'The signatures of one record and where it stands against its signature policy.',
        querystring: Type.Object({ entity_type: RecordTypeSchema, entity_id: Id }),
        response: { 200: RecordSignaturesSchema },
      },
    },
    async (req) => signaturesOf(ctx.db, req.query.entity_type, req.query.entity_id),
  );

  app.get(
    '/signature-policies',
    {
      config: { role: 'user' },
      schema: { tags, response: { 200: Type.Object({ items: Type.Array(PolicySchema) }) } },
    },
    async () => listPolicies(ctx.db),
  );

  app.patch(
    '/signature-policies/:record_type',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Per record type: `signature_required` makes the performer sign on completion (recording a ' +
          'calibration, completing a work order); `approval_required` makes a second person’s approval ' +
          'mandatory (a calibration work order then closes only once its record is approved).',
        params: Type.Object({ record_type: RecordTypeSchema }),
        body: StrictPatch({ signature_required: Type.Boolean(), approval_required: Type.Boolean() }),
        response: { 200: PolicySchema },
      },
    },
    async (req) =>
      updatePolicy(ctx.db, currentUser(req).id, req.params.record_type, req.body, ctx.clock.now()),
  );
};
