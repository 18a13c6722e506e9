import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, StrictObject } from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { cmmsSettings } from '../settings/cmms-settings.ts';
import { importCalibrations } from '../workflows/import-calibrations.ts';
import { certificateNumber, loadCertificateData, renderCertificatePdf } from './certificate.ts';
import { CalibrationSchema, CalibrationWarningSchema } from './schemas.ts';

export const CalibrationImportResultSchema = Type.Object({
  imported: Type.Integer(),
  records: Type.Array(CalibrationSchema),
  warnings: Type.Array(Type.Intersect([CalibrationWarningSchema, Type.Object({ row: Type.Integer() })])),
});

export const CalibrationImportBody = StrictObject({
  format: Type.Union([Type.Literal('cbu'), Type.Literal('beamex'), Type.Literal('fluke')]),
  csv: Type.String({ minLength: 1, maxLength: 2_000_000 }),
});

/** Calibration certificates (PDF) and the import of documenting-calibrator results (CSV). */
export const calibrationImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['calibration'];

  app.get(
    '/calibrations/:id/certificate.pdf',
    {
      // Opened as a link from the record and the instrument page (?access_token= allowed here).
      config: { role: 'user', download: true },
      schema: {
        tags,
        description:
          'The calibration certificate of a record as a PDF: instrument, procedure, points with as-found / ' +
          'as-left, errors, limits and verdicts, the standard with the certificate in force and its ' +
          'uncertainty, TUR, hysteresis, repeatability, result and signatures.',
        params: IdParams,
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const data = await loadCertificateData(ctx.db, req.params.id);
      const pdf = await renderCertificatePdf(data, {
        plantName: ctx.config.plantName,
        timeZone: ctx.config.reports.timezone,
        generatedBy: user.full_name,
        now: ctx.clock.now(),
      });
      const name = `${certificateNumber(data.record.id)}-${data.record.tag.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf`;
      return (reply as FastifyReply)
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );

  app.post(
    '/calibrations/import',
    {
      config: { role: 'user' },
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags,
        description:
          'Imports results from a documenting calibrator as CSV (layouts in docs/calibration.md: cbu, ' +
          'beamex, fluke). Every row is validated; any problem is 400 calibration_import_invalid with ' +
          '`details.errors` [{row, column, message}] and nothing is written. Otherwise every record is ' +
          'created in one transaction exactly as POST /api/calibrations would, by the logged-in user.',
        body: CalibrationImportBody,
        response: {
          201: CalibrationImportResultSchema,
        },
      },
    },
    async (req, reply) => {
      const result = await withAfterCommit(ctx, (after) =>
        importCalibrations(ctx.db, currentUser(req), req.body, {
          now: ctx.clock.now(),
          settings: cmmsSettings(ctx.config),
          after,
        }),
      );
      req.log.info({ imported: result.imported, format: req.body.format }, 'calibrator results imported');
      return reply.status(201).send(result);
    },
  );
};
