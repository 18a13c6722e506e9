import { Type } from 'typebox';
import { Nullable } from '../http/schemas.ts';

const Cell = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
const RowSchema = Type.Record(Type.String(), Cell);

export const ColumnSchema = Type.Object({
  key: Type.String(),
  label: Type.String(),
  kind: Type.Optional(
    Type.String({ description: 'text | int | number | percent | datetime | date | passfail | yesno' }),
  ),
  decimals: Type.Optional(Type.Integer()),
  width: Type.Optional(Type.Number()),
  group: Type.Optional(Type.Boolean()),
  pdf: Type.Optional(Type.Boolean()),
  words: Type.Optional(Type.Boolean()),
});

const TableSchema = Type.Object({
  key: Type.String(),
  title: Type.String(),
  columns: Type.Array(ColumnSchema),
  rows: Type.Array(RowSchema),
});

/** The JSON form of every report (docs/reports.md describes each field). */
export const ReportJson = Type.Object({
  report: Type.String(),
  title: Type.String(),
  description: Type.String(),
  generated_at: Type.String(),
  generated_by: Type.Object({ id: Type.Integer(), full_name: Type.String(), employee_number: Type.String() }),
  plant_name: Type.String(),
  period: Type.Object({
    from: Type.String(),
    to: Type.String(),
    source: Type.String({ description: 'query | default' }),
    scopes_rows: Type.Boolean(),
  }),
  filters: Type.Array(
    Type.Object({ key: Type.String(), label: Type.String(), value: Cell, display: Type.String() }),
  ),
  summary: Type.Record(Type.String(), Cell),
  summary_fields: Type.Array(
    Type.Object({
      key: Type.String(),
      label: Type.String(),
      kind: Type.Optional(Type.String()),
      decimals: Type.Optional(Type.Integer()),
      unit: Type.Optional(Type.String()),
    }),
  ),
  sections: Type.Array(TableSchema),
  table: Type.Object({ key: Type.String(), title: Type.String(), group_by: Nullable(Type.String()) }),
  columns: Type.Array(ColumnSchema),
  rows: Type.Array(RowSchema),
  total_rows: Type.Integer({ description: 'rows of the main table before limit/offset' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  notes: Type.Array(Type.String()),
});

export const ReportJobAccepted = Type.Object({
  job_id: Type.Integer(),
  status: Type.String(),
  rows: Type.Integer({ description: 'rows the export will hold' }),
  status_url: Type.String(),
  result_url: Type.String(),
});
