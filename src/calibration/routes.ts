import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { Id, IdParams, Page, PageQuery, Timestamp, toUtc } from '../http/schemas.ts';
import { getInstrument } from '../instruments/instrument-service.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { cmmsSettings } from '../settings/cmms-settings.ts';
import { auditingRefusals } from '../signatures/signature-service.ts';
import { approveCorrection } from '../workflows/approve-correction.ts';
import { recordCalibration } from '../workflows/record-calibration.ts';
import { listCalibrations } from './calibration-records.ts';
import { getCalibration } from './calibration-service.ts';
import {
  correctionNeedsApproval,
  getCorrection,
  listCorrections,
  rejectCorrection,
  requestCorrection,
} from './corrections.ts';
import { getCalibrationInterval } from './interval-service.ts';
import {
  ApproveCorrectionBody,
  CalibrationIntervalSchema,
  CalibrationSchema,
  CorrectionSchema,
  CreateCalibrationBody,
  RejectCorrectionBody,
} from './schemas.ts';

export const calibrationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['calibration'];

  app.post(
    '/calibrations',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Records a multi-point calibration. The technician is the logged-in user (admins may name ' +
          '`technician_id`). Errors are computed as % of span against the instrument accuracy class; a ' +
          'failed as-found (or as-left) opens a corrective work order. Corrections are new records ' +
          'with `corrects_id`; a correction keeps the original performer (`technician_id`) and records ' +
          'who corrected it (`corrected_by`). A technician correcting a record someone else performed ' +
          'gets 202 with a pending correction an admin approves or rejects ' +
          '(POST /api/calibration-corrections/{id}/approve | reject); the original stays in force until ' +
          'then. An expired reference standard is refused with 422 reference_standard_expired.',
        body: CreateCalibrationBody,
        response: { 201: CalibrationSchema, 202: CorrectionSchema },
      },
    },
    async (req, reply) => {
      const actor = currentUser(req);
      if (await correctionNeedsApproval(ctx.db, actor, req.body.corrects_id)) {
        const pending = await requestCorrection(
          ctx.db,
          actor,
          { ...req.body, corrects_id: req.body.corrects_id as number },
          ctx.clock.now(),
        );
        return reply.status(202).send(pending);
      }
      const now = ctx.clock.now();
      const record = await auditingRefusals(
        ctx.db,
        actor.id,
        { type: 'calibration_record', id: null },
        'performed',
        now,
        () =>
          withAfterCommit(ctx, (after) =>
            recordCalibration(ctx.db, actor, req.body, { now, settings: cmmsSettings(ctx.config), after }),
          ),
      );
      return reply.status(201).send(record);
    },
  );

  app.get(
    '/calibration-corrections',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Corrections submitted for approval, newest first (`status=pending` for the queue).',
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
          ),
          instrument_id: Type.Optional(Id),
          calibration_id: Type.Optional(Id),
          ...PageQuery,
        }),
        response: { 200: Page(CorrectionSchema) },
      },
    },
    async (req) =>
      listCorrections(ctx.db, { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 }),
  );

  app.get(
    '/calibration-corrections/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: CorrectionSchema } } },
    async (req) => getCorrection(ctx.db, req.params.id),
  );

  app.post(
    '/calibration-corrections/:id/approve',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Approves a pending correction: the correcting record is written now and supersedes the original. ' +
          'A correction already approved or rejected is 409 calibration_correction_decided.',
        params: IdParams,
        body: Type.Optional(ApproveCorrectionBody),
        response: { 200: CorrectionSchema },
      },
    },
    async (req) =>
      withAfterCommit(ctx, (after) =>
        approveCorrection(ctx.db, currentUser(req), req.params.id, req.body?.notes ?? null, {
          now: ctx.clock.now(),
          settings: cmmsSettings(ctx.config),
          after,
        }),
      ),
  );

  app.post(
    '/calibration-corrections/:id/reject',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Rejects a pending correction (notes say why); the original record stays in force.',
        params: IdParams,
        body: RejectCorrectionBody,
        response: { 200: CorrectionSchema },
      },
    },
    async (req) => rejectCorrection(ctx.db, currentUser(req), req.params.id, req.body.notes, ctx.clock.now()),
  );

  app.get(
    '/calibrations',
    {
      config: { role: 'user' },
      schema: {
        tags,
        querystring: Type.Object({
          instrument_id: Type.Optional(Id),
          tag: Type.Optional(Type.String({ maxLength: 40 })),
          device_id: Type.Optional(Id),
          reference_standard_id: Type.Optional(Id),
          technician_id: Type.Optional(Id),
          passed: Type.Optional(Type.Boolean()),
          current_only: Type.Optional(Type.Boolean()),
          from: Type.Optional(Timestamp),
          to: Type.Optional(Timestamp),
          ...PageQuery,
        }),
        response: { 200: Page(CalibrationSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      return listCalibrations(ctx.db, {
        ...q,
        from: toUtc(q.from),
        to: toUtc(q.to),
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
      });
    },
  );

  app.get(
    '/calibrations/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: CalibrationSchema } } },
    async (req) => getCalibration(ctx.db, req.params.id),
  );

  app.get(
    '/instruments/:id/calibrations',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Full calibration history of the instrument, newest first, with as-found / as-left and error % ' +
          'per point. Records superseded by a correction are kept and marked `superseded`.',
        params: IdParams,
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: Page(CalibrationSchema) },
      },
    },
    async (req) => {
      await getInstrument(ctx.db, req.params.id, ctx.clock.now(), { includeDeleted: true });
      return listCalibrations(ctx.db, {
        instrument_id: req.params.id,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      });
    },
  );

  app.get(
    '/instruments/:id/calibration-interval',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'The fixed and the condition-based (predicted) calibration interval side by side, with the ' +
          'basis of the prediction. An admin switches with PATCH /api/instruments/{id} ' +
          '{ "use_predicted_interval": true }.',
        params: IdParams,
        response: { 200: CalibrationIntervalSchema },
      },
    },
    async (req) => getCalibrationInterval(ctx.db, req.params.id),
  );
};
