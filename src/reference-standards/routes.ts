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
  createReferenceStandard,
  deleteReferenceStandard,
  getReferenceStandard,
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

export const ReferenceStandardSchema = Type.Object({
  id: Type.Integer(),
  identifier: Type.String(),
  description: Type.String(),
  certificate_number: Type.String(),
  accuracy: Type.String(),
  calibrated_on: Type.String(),
  due_date: Type.String(),
  expired: Type.Boolean(),
  days_until_due: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Nullable(Type.String()),
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
      schema: { tags, body: StrictObject(fields), response: { 201: ReferenceStandardSchema } },
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
        params: IdParams,
        body: StrictPatch(fields),
        response: { 200: ReferenceStandardSchema },
      },
    },
    async (req) =>
      updateReferenceStandard(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now()),
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
