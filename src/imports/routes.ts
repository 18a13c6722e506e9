import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { AppError, ValidationError } from '../shared/errors.ts';
import { importCalibrationHistory } from './calibration-import.ts';
import { type ImportFile, loadImportFile, previewOf } from './import-file.ts';
import { importInstruments } from './instrument-import.ts';
import { type ImportAnswer, ImportAnswerSchema } from './schemas.ts';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, XLSX_TYPE } from './spreadsheet.ts';
import { calibrationTemplateCsv, instrumentTemplateCsv, instrumentTemplateXlsx } from './templates.ts';

const ImportQuery = Type.Object({
  dry_run: Type.Optional(Type.Boolean({ description: 'check only, write nothing (default false)' })),
  filename: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'the file name, for the audit trail' }),
  ),
});

// A raw upload's content types; the content itself decides CSV or XLSX (an XLSX is a zip).
// Windows browsers label .csv files application/vnd.ms-excel.
const FILE_TYPES = ['text/csv', XLSX_TYPE, 'application/vnd.ms-excel', 'application/octet-stream'];

const tooLarge = () =>
  new AppError(
    'import_too_large',
    `the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it into smaller files`,
    413,
    { max_bytes: MAX_IMPORT_BYTES },
  );

/** The file from the request: the body itself, or the one file of a multipart upload. */
async function uploadedFile(req: FastifyRequest, query: { filename?: string }) {
  if (req.isMultipart()) {
    let part: Awaited<ReturnType<FastifyRequest['file']>>;
    try {
      part = await req.file({ limits: { fileSize: MAX_IMPORT_BYTES, files: 1 } });
    } catch (e) {
      if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
      throw e;
    }
    if (!part) throw new ValidationError('file', 'the upload has no file');
    let content: Buffer;
    try {
      content = await part.toBuffer();
    } catch (e) {
      if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
      throw e;
    }
    return { content, name: query.filename ?? part.filename ?? 'upload', type: part.mimetype };
  }
  if (!Buffer.isBuffer(req.body) || req.body.length === 0)
    throw new ValidationError(
      'body',
      'send the CSV or XLSX file as the request body (or a multipart upload)',
    );
  return { content: req.body, name: query.filename ?? 'upload', type: req.headers['content-type'] };
}

/** Import plugin: the instrument register and calibration history from CSV or XLSX (issue 18). */
export const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['imports'];
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 5 } });
  for (const type of FILE_TYPES) {
    // Read by hand so a file over the limit gets the import's own 413 with its limit named.
    app.addContentTypeParser(type, (_req, payload, done) => {
      const chunks: Buffer[] = [];
      let size = 0;
      payload.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_IMPORT_BYTES) {
          payload.removeAllListeners('data');
          payload.resume();
          done(tooLarge(), undefined);
          return;
        }
        chunks.push(c);
      });
      payload.on('end', () => {
        if (size <= MAX_IMPORT_BYTES) done(null, Buffer.concat(chunks));
      });
      payload.on('error', (e) => done(e, undefined));
    });
  }

  const run = async (
    req: FastifyRequest,
    query: { dry_run?: boolean; filename?: string },
    reply: FastifyReply,
    importer: (file: ImportFile, dryRun: boolean) => Promise<ImportAnswer>,
    kind: 'instruments' | 'calibrations',
  ) => {
    const dryRun = query.dry_run ?? false;
    const upload = await uploadedFile(req, query);
    const loaded = await loadImportFile(upload.content, upload.name, upload.type);
    let answer: ImportAnswer;
    if ('problem' in loaded) {
      answer = {
        kind,
        dry_run: dryRun,
        file: loaded.name,
        sha256: loaded.sha256,
        rows: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        errors: [loaded.problem],
        warnings: [],
        process_units_created: [],
        calibrations_created: 0,
        items: [],
      };
    } else answer = await importer(loaded.file, dryRun);
    const body =
      'file' in loaded && (dryRun || answer.errors.length)
        ? { ...answer, preview: previewOf(loaded.file.sheet, [...answer.errors, ...answer.warnings]) }
        : answer;
    req.log.info(
      {
        kind,
        file: body.file,
        sha256: body.sha256,
        dry_run: dryRun,
        rows: body.rows,
        created: body.created,
        updated: body.updated,
        unchanged: body.unchanged,
        errors: body.errors.length,
      },
      dryRun ? 'import checked' : body.errors.length ? 'import refused' : 'import written',
    );
    return reply.status(body.errors.length ? 422 : 200).send(body);
  };

  const describe = (what: string) =>
    `The body is the file itself (text/csv or ${XLSX_TYPE}; the content decides) or a multipart upload with ` +
    `one file. Up to ${MAX_IMPORT_ROWS} data rows and ${MAX_IMPORT_BYTES / 1024 / 1024} MB (413 import_too_large). ` +
    `${what} Every row is checked and every problem listed in errors [{row, column, message}] (422); ` +
    'all or nothing: with any error nothing is written. dry_run=true checks and counts without writing. ' +
    'Unknown columns are named in warnings. Re-importing the same file changes nothing. Docs: docs/imports.md.';

  app.post(
    '/imports/instruments',
    {
      config: { role: 'admin' },
      bodyLimit: MAX_IMPORT_BYTES + 256 * 1024,
      schema: {
        tags,
        description: describe(
          'Columns are the instrument API field names (tag, type, unit, range_min, range_max, ...), process_unit ' +
            'by name (created when new) and last_calibrated_on (a summary record, "imported, no test points"); ' +
            'headers match case-insensitively and usual spreadsheet names are aliases ("Tag No.", "LRV", "URV", ' +
            '"Eng. Units", "Cal Interval (days)"). Rows match existing instruments by tag regardless of case; ' +
            'only changed fields are updated, each audited like an API edit.',
        ),
        querystring: ImportQuery,
        response: { 200: ImportAnswerSchema, 422: ImportAnswerSchema },
      },
    },
    (req, reply) =>
      run(
        req,
        req.query,
        reply,
        (file, dryRun) =>
          // The instruments' change events go out once the import has committed.
          withAfterCommit(ctx, (after) =>
            importInstruments(ctx.db, currentUser(req).id, file, { dryRun, now: ctx.clock.now(), after }),
          ),
        'instruments',
      ),
  );

  app.post(
    '/imports/calibrations',
    {
      config: { role: 'admin' },
      bodyLimit: MAX_IMPORT_BYTES + 256 * 1024,
      schema: {
        tags,
        description: describe(
          'Calibration history, one row per test point: tag, performed_at, performed_by, reference_standard, ' +
            'reference_value, as_found, as_left, notes; rows with the same tag and performed_at are one record. ' +
            'Records are marked imported, keep the performer and standard as text when they are not a user or ' +
            'registered standard here, and count for due dates, history and interval prediction.',
        ),
        querystring: ImportQuery,
        response: { 200: ImportAnswerSchema, 422: ImportAnswerSchema },
      },
    },
    (req, reply) =>
      run(
        req,
        req.query,
        reply,
        (file, dryRun) =>
          withAfterCommit(ctx, (after) =>
            importCalibrationHistory(ctx.db, currentUser(req).id, file, {
              dryRun,
              now: ctx.clock.now(),
              after,
            }),
          ),
        'calibrations',
      ),
  );

  const download = (reply: FastifyReply, type: string, name: string, body: string | Buffer) =>
    reply.type(type).header('content-disposition', `attachment; filename="${name}"`).send(body);

  app.get(
    '/imports/instruments/template.csv',
    {
      config: { role: 'admin', download: true },
      schema: { tags, description: 'The register template (CSV).' },
    },
    async (_req, reply) =>
      download(reply, 'text/csv; charset=utf-8', 'instrument-register.csv', instrumentTemplateCsv()),
  );
  app.get(
    '/imports/instruments/template.xlsx',
    {
      config: { role: 'admin', download: true },
      schema: { tags, description: 'The register template (XLSX).' },
    },
    async (_req, reply) =>
      download(reply, XLSX_TYPE, 'instrument-register.xlsx', await instrumentTemplateXlsx()),
  );
  app.get(
    '/imports/calibrations/template.csv',
    {
      config: { role: 'admin', download: true },
      schema: { tags, description: 'The calibration history template (CSV, one row per test point).' },
    },
    async (_req, reply) =>
      download(reply, 'text/csv; charset=utf-8', 'calibration-history.csv', calibrationTemplateCsv()),
  );
};
