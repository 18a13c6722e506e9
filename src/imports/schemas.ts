import { type Static, Type } from 'typebox';
import { Literals, Nullable } from '../http/schemas.ts';

// POST /api/imports/{instruments|calibrations}: the answer the routes serialise, the importers
// build and the web app types itself by (web/src/lib/api-types.ts).

/** One problem of an import: the file's row (header = 1), the column as the file names it, why. */
export const ImportProblemSchema = Type.Object({
  row: Type.Integer(),
  column: Nullable(Type.String()),
  message: Type.String(),
});

export const ImportedRowSchema = Type.Object({
  row: Type.Integer(),
  tag: Type.String(),
  action: Literals(['create', 'update', 'unchanged']),
  instrument_id: Nullable(Type.Integer()),
  changes: Type.Array(Type.String(), { description: 'the fields an update changes' }),
  process_unit: Nullable(Type.String()),
  last_calibrated_on: Nullable(Type.String()),
  // Calibration history: the record's time, its points and the file rows they came from.
  performed_at: Type.Optional(Type.String()),
  points: Type.Optional(Type.Integer()),
  rows: Type.Optional(Type.Array(Type.Integer())),
});

export const ImportAnswerSchema = Type.Object({
  kind: Literals(['instruments', 'calibrations']),
  dry_run: Type.Boolean(),
  file: Type.String(),
  sha256: Type.String(),
  rows: Type.Integer({ description: 'data rows in the file' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  errors: Type.Array(ImportProblemSchema),
  warnings: Type.Array(ImportProblemSchema),
  process_units_created: Type.Array(Type.String()),
  calibrations_created: Type.Integer(),
  preview: Type.Optional(
    Type.Object(
      {
        header: Type.Array(Type.String()),
        rows: Type.Array(Type.Object({ row: Type.Integer(), cells: Type.Array(Type.String()) })),
      },
      {
        description: 'on a dry run or a refusal: the header and the first rows and every row with a problem',
      },
    ),
  ),
  items: Type.Array(ImportedRowSchema),
});

export type ImportProblem = Static<typeof ImportProblemSchema>;
export type ImportAnswer = Static<typeof ImportAnswerSchema>;
