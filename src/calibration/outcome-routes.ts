import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import {
  Id,
  IdParams,
  Nullable,
  Page,
  PageQuery,
  StrictObject,
  StrictPatch,
  Timestamp,
} from '../http/schemas.ts';
import { getReferenceStandard } from '../reference-standards/reference-standard-service.ts';
import { NotFoundError } from '../shared/errors.ts';
import { getWorkOrder } from '../work-orders/work-order-service.ts';
import {
  getImpactAssessment,
  impactAssessmentOfWorkOrder,
  listImpactAssessments,
  updateImpactAssessment,
} from './impact-assessment.ts';
import {
  listOotReports,
  listReviewFlags,
  reportStandardOutOfTolerance,
  reviewFlag,
} from './standard-review.ts';

// Issue 13 item 5: the outcomes of a failed calibration that need people: impact assessments on
// work orders and the review of calibrations made with a standard found out of tolerance.

export const ImpactAssessmentSchema = Type.Object({
  id: Type.Integer(),
  work_order_id: Type.Integer(),
  calibration_record_id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  period_from: Nullable(
    Type.String({ description: 'the last good calibration (or when the instrument was registered)' }),
  ),
  period_to: Type.String({ description: 'the failed as-found calibration' }),
  readings_count: Type.Integer(),
  alerts_count: Type.Integer(),
  status: Type.String({ description: 'open | completed' }),
  assessment: Nullable(Type.String()),
  completed_by: Nullable(Type.Integer()),
  completed_by_name: Nullable(Type.String()),
  completed_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const ReviewFlagSchema = Type.Object({
  id: Type.Integer(),
  report_id: Type.Integer(),
  calibration_record_id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  performed_at: Type.String(),
  calibration_passed: Type.Boolean(),
  reference_standard_id: Type.Integer(),
  reference_standard_identifier: Type.String(),
  status: Type.String({ description: 'open | reviewed' }),
  reviewed_by: Nullable(Type.Integer()),
  reviewed_by_name: Nullable(Type.String()),
  reviewed_at: Nullable(Type.String()),
  review_notes: Nullable(Type.String()),
  created_at: Type.String(),
});

export const OotReportSchema = Type.Object({
  id: Type.Integer(),
  reference_standard_id: Type.Integer(),
  found_at: Type.String(),
  since: Type.String(),
  notes: Type.String(),
  reported_by: Type.Integer(),
  reported_by_name: Type.String(),
  created_at: Type.String(),
  flagged: Type.Integer(),
  flags: Type.Array(ReviewFlagSchema),
});

const Notes = Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' });

export const calibrationOutcomeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['calibration'];

  app.get(
    '/impact-assessments',
    {
      config: { role: 'user' },
      schema: {
        tags,
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('completed')])),
          instrument_id: Type.Optional(Id),
          ...PageQuery,
        }),
        response: { 200: Page(ImpactAssessmentSchema) },
      },
    },
    async (req) =>
      listImpactAssessments(ctx.db, {
        ...req.query,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      }),
  );

  app.get(
    '/impact-assessments/:id',
    {
      config: { role: 'user' },
      schema: { tags, params: IdParams, response: { 200: ImpactAssessmentSchema } },
    },
    async (req) => getImpactAssessment(ctx.db, req.params.id),
  );

  app.get(
    '/work-orders/:id/impact-assessment',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'The impact assessment a failed as-found calibration opened on this (corrective) work order; 404 when none.',
        params: IdParams,
        response: { 200: ImpactAssessmentSchema },
      },
    },
    async (req) => {
      await getWorkOrder(ctx.db, req.params.id, ctx.clock.now());
      const ia = await impactAssessmentOfWorkOrder(ctx.db, req.params.id);
      if (!ia) throw new NotFoundError('impact_assessment', `of work order ${req.params.id}`);
      return ia;
    },
  );

  app.patch(
    '/impact-assessments/:id',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Saves the assessment text; `status: "completed"` closes it (needs the text). A completed ' +
          'assessment is 409 impact_assessment_completed. The work order cannot be completed while it is open.',
        params: IdParams,
        body: StrictPatch({
          assessment: Nullable(Type.String({ maxLength: 8000 })),
          status: Type.Literal('completed'),
        }),
        response: { 200: ImpactAssessmentSchema },
      },
    },
    async (req) =>
      updateImpactAssessment(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now()),
  );

  app.post(
    '/reference-standards/:id/out-of-tolerance',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['reference-standards'],
        description:
          'Reports the standard found out of tolerance: every calibration in force it was used for from ' +
          '`since` (default: its last certificate date, calibrated_on) to `found_at` is flagged for review.',
        params: IdParams,
        body: StrictObject({
          found_at: Type.Optional(Timestamp),
          since: Type.Optional(Timestamp),
          notes: Notes,
        }),
        response: { 201: OotReportSchema },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          await reportStandardOutOfTolerance(
            ctx.db,
            currentUser(req).id,
            req.params.id,
            req.body,
            ctx.clock.now(),
          ),
        ),
  );

  app.get(
    '/reference-standards/:id/out-of-tolerance',
    {
      config: { role: 'user' },
      schema: {
        tags: ['reference-standards'],
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(OotReportSchema), total: Type.Integer() }) },
      },
    },
    async (req) => {
      await getReferenceStandard(ctx.db, req.params.id, ctx.clock.now());
      return listOotReports(ctx.db, req.params.id);
    },
  );

  app.get(
    '/calibration-review-flags',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Calibrations flagged for review because their reference standard was found out of tolerance.',
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('reviewed')])),
          reference_standard_id: Type.Optional(Id),
          instrument_id: Type.Optional(Id),
          calibration_record_id: Type.Optional(Id),
          report_id: Type.Optional(Id),
          ...PageQuery,
        }),
        response: { 200: Page(ReviewFlagSchema) },
      },
    },
    async (req) =>
      listReviewFlags(ctx.db, { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 }),
  );

  app.post(
    '/calibration-review-flags/:id/review',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Records the review of a flagged calibration; a reviewed flag is 409 review_flag_reviewed.',
        params: IdParams,
        body: StrictObject({ notes: Notes }),
        response: { 200: ReviewFlagSchema },
      },
    },
    async (req) => reviewFlag(ctx.db, currentUser(req).id, req.params.id, req.body.notes, ctx.clock.now()),
  );
};
