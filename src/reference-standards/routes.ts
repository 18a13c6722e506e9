import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listCalibrations } from '../calibration/calibration-records.ts';
import { CalibrationSchema } from '../calibration/schemas.ts';
import { currentUser } from '../http/auth-guard.ts';
import {
  DateOnly,
  IdParams,
  Nullable,
  Ok,
  Page,
  PageQuery,
  StrictObject,
  StrictPatch,
} from '../http/schemas.ts';
import {
  addCertificate,
  createReferenceStandard,
  deleteReferenceStandard,
  getReferenceStandard,
  listCertificates,
  listReferenceStandards,
  updateReferenceStandard,
} from './reference-standard-service.ts';

const fields = {
  identifier: Type.String({ minLength: 1, maxLength: 60, pattern: '\\S' }),
  description: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
  certificate_number: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  accuracy: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  calibrated_on: DateOnly,
  due_date: DateOnly,
};

const uncertaintyFields = {
  uncertainty_value: Type.Optional(
    Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1e9, description: 'expanded uncertainty (k=2)' })),
  ),
  uncertainty_unit: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 20,
        pattern: '\\S',
        description:
          "an engineering unit (bar, mbar, degC, mA, mV, ohm...) or '%' for % of the applied value",
      }),
    ),
  ),
};

export const CertificateSchema = Type.Object({
  id: Type.Integer(),
  reference_standard_id: Type.Integer(),
  certificate_number: Type.String(),
  calibrated_on: Type.String(),
  due_date: Type.String(),
  uncertainty_value: Nullable(Type.Number()),
  uncertainty_unit: Nullable(Type.String()),
  issued_by: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  current: Type.Boolean(),
  created_by: Nullable(Type.Integer()),
  created_at: Type.String(),
});

export const ReferenceStandardSchema = Type.Object({
  id: Type.Integer(),
  identifier: Type.String(),
  description: Type.String(),
  certificate_number: Type.String(),
  accuracy: Type.String(),
  calibrated_on: Type.String(),
  due_date: Type.String(),
  uncertainty_value: Nullable(Type.Number()),
  uncertainty_unit: Nullable(Type.String()),
  current_certificate_id: Nullable(Type.Integer()),
  expired: Type.Boolean(),
  days_until_due: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Nullable(Type.String()),
});

export const CreateStandardBody = StrictObject({ ...fields, ...uncertaintyFields });

export const PatchStandardBody = StrictPatch(fields);

export const CreateCertificateBody = StrictObject({
  certificate_number: fields.certificate_number,
  calibrated_on: DateOnly,
  due_date: DateOnly,
  ...uncertaintyFields,
  issued_by: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  notes: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
});

export const referenceStandardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['reference standards'];

  app.get(
    '/reference-standards',
    {
      config: { role: 'user' },
      schema: {
        tags,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          status: Type.Optional(
            Type.Union([Type.Literal('valid'), Type.Literal('expired'), Type.Literal('all')]),
          ),
          include_deleted: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: Page(ReferenceStandardSchema) },
      },
    },
    async (req) =>
      listReferenceStandards(
        ctx.db,
        { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 },
        ctx.clock.now(),
      ),
  );

  app.get(
    '/reference-standards/:id',
    {
      config: { role: 'user' },
      schema: { tags, params: IdParams, response: { 200: ReferenceStandardSchema } },
    },
    async (req) => getReferenceStandard(ctx.db, req.params.id, ctx.clock.now()),
  );

  app.get(
    '/reference-standards/:id/calibrations',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Reverse traceability: every calibration performed with this standard, newest first ' +
          '(what an auditor asks for when a standard is found out of tolerance).',
        params: IdParams,
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: Page(CalibrationSchema) },
      },
    },
    async (req) => {
      await getReferenceStandard(ctx.db, req.params.id, ctx.clock.now());
      return listCalibrations(ctx.db, {
        reference_standard_id: req.params.id,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      });
    },
  );

  app.post(
    '/reference-standards',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        body: CreateStandardBody,
        response: { 201: ReferenceStandardSchema },
      },
    },
    async (req, reply) => {
      const created = await createReferenceStandard(ctx.db, currentUser(req).id, req.body, ctx.clock.now());
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/reference-standards/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Edits identifier, description and accuracy. The certificate (number, dates, uncertainty) is never ' +
          'edited: a change of certificate_number, calibrated_on or due_date is 409 ' +
          'reference_standard_certificate_immutable; record a new one with POST .../certificates.',
        params: IdParams,
        body: PatchStandardBody,
        response: { 200: ReferenceStandardSchema },
      },
    },
    async (req) =>
      updateReferenceStandard(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now()),
  );

  app.get(
    '/reference-standards/:id/certificates',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'The certificate history of the standard, newest first.',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(CertificateSchema), total: Type.Integer() }) },
      },
    },
    async (req) => listCertificates(ctx.db, req.params.id),
  );

  app.post(
    '/reference-standards/:id/certificates',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Records a new certificate (the standard was recalibrated): a new row that becomes current, with ' +
          'its expanded uncertainty. Calibrations keep the certificate in force on their day.',
        params: IdParams,
        body: CreateCertificateBody,
        response: { 201: CertificateSchema },
      },
    },
    async (req, reply) => {
      const created = await addCertificate(
        ctx.db,
        currentUser(req).id,
        req.params.id,
        req.body,
        ctx.clock.now(),
      );
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/reference-standards/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: Ok } } },
    async (req) => {
      await deleteReferenceStandard(ctx.db, currentUser(req).id, req.params.id, ctx.clock.now());
      return { ok: true };
    },
  );
};
