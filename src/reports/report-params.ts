import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../db/schema.ts';
import { DATE_OR_TIME } from '../http/request-validation.ts';
import { Id, Literals, MAX_OFFSET } from '../http/schemas.ts';
import { CRITICALITIES, INSTRUMENT_TYPES } from '../instruments/schemas.ts';
import { ValidationError } from '../shared/errors.ts';
import { type CellValue, DAY_MS, type ReportPeriod } from './report-model.ts';

// Query pieces shared by every report: the period, the instrument scope and the export switches.

const DATE_OR_TIME_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$';

export const periodQuery = {
  from: Type.Optional(
    Type.String({
      pattern: DATE_OR_TIME_PATTERN,
      format: DATE_OR_TIME,
      description: 'start of the period: YYYY-MM-DD (00:00 UTC) or an ISO 8601 date-time',
    }),
  ),
  to: Type.Optional(
    Type.String({
      pattern: DATE_OR_TIME_PATTERN,
      format: DATE_OR_TIME,
      description: 'end of the period: YYYY-MM-DD (the whole day, UTC) or an ISO 8601 date-time; default now',
    }),
  ),
};

export const scopeQuery = {
  process_unit_id: Type.Optional(Id),
  instrument_id: Type.Optional(Id),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'instrument tag' })),
  instrument_type: Type.Optional(Literals(INSTRUMENT_TYPES)),
  criticality: Type.Optional(Literals(CRITICALITIES)),
};

export const exportQuery = {
  export: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('pdf')], {
      description: 'json (default), csv (RFC 4180, UTF-8 with BOM) or pdf',
    }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 10_000,
      description: 'JSON only: main-table rows per page (default 1000)',
    }),
  ),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET, description: 'JSON only' })),
};

export interface PeriodInput {
  from?: string;
  to?: string;
}

function parseInstant(field: string, v: string, endOfDay: boolean): Date {
  const dateOnly = v.length === 10;
  const d = new Date(dateOnly ? `${v}T00:00:00.000Z` : v);
  if (Number.isNaN(d.getTime())) throw new ValidationError(field, `${field} is not a valid date or time`);
  if (dateOnly && endOfDay) return new Date(d.getTime() + DAY_MS - 1);
  return d;
}

/** The period: `to` defaults to now, `from` to `defaultDays` before `to`. */
export function resolvePeriod(
  q: PeriodInput,
  now: Date,
  defaultDays: number,
  scopesRows = true,
): ReportPeriod {
  const to = q.to ? parseInstant('to', q.to, true) : now;
  const from = q.from ? parseInstant('from', q.from, false) : new Date(to.getTime() - defaultDays * DAY_MS);
  if (from.getTime() > to.getTime()) throw new ValidationError('from', 'from must not be after to');
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    source: q.from || q.to ? 'query' : 'default',
    scopes_rows: scopesRows,
  };
}

export interface ScopeInput {
  process_unit_id?: number;
  instrument_id?: number;
  tag?: string;
  instrument_type?: string;
  criticality?: string;
}

export interface Scope {
  processUnitId: number | null;
  instrumentId: number | null;
  instrumentType: string | null;
  criticality: string | null;
  /** Applied filters for the report header. */
  filters: { key: string; label: string; value: CellValue; display: string }[];
}

/** Checks the named unit and instrument exist (a typo must not print an empty "all clear" report). */
export async function resolveScope(db: Kysely<DB>, q: ScopeInput): Promise<Scope> {
  const filters: Scope['filters'] = [];
  let instrumentId: number | null = null;
  if (q.instrument_id !== undefined || q.tag !== undefined) {
    let iq = db.selectFrom('instruments').select(['id', 'tag']);
    if (q.instrument_id !== undefined) iq = iq.where('id', '=', q.instrument_id);
    if (q.tag !== undefined) iq = iq.where('tag', '=', q.tag.trim());
    // A tag may belong to deleted instruments too; the live one wins, then the latest.
    const inst = await iq
      .orderBy(sql`case when deleted_at is null then 0 else 1 end`)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!inst) {
      const field = q.instrument_id !== undefined ? 'instrument_id' : 'tag';
      throw new ValidationError(field, `no instrument matches ${field} ${q.instrument_id ?? q.tag}`);
    }
    instrumentId = inst.id;
    filters.push({ key: 'instrument_id', label: 'Instrument', value: inst.id, display: inst.tag });
  }
  let processUnitId: number | null = null;
  if (q.process_unit_id !== undefined) {
    const pu = await db
      .selectFrom('process_units')
      .select(['id', 'name'])
      .where('id', '=', q.process_unit_id)
      .executeTakeFirst();
    if (!pu) throw new ValidationError('process_unit_id', `process unit ${q.process_unit_id} does not exist`);
    processUnitId = pu.id;
    filters.push({ key: 'process_unit_id', label: 'Process unit', value: pu.id, display: pu.name });
  }
  if (q.instrument_type) {
    filters.push({
      key: 'instrument_type',
      label: 'Instrument type',
      value: q.instrument_type,
      display: q.instrument_type,
    });
  }
  if (q.criticality) {
    filters.push({ key: 'criticality', label: 'Criticality', value: q.criticality, display: q.criticality });
  }
  return {
    processUnitId,
    instrumentId,
    instrumentType: q.instrument_type ?? null,
    criticality: q.criticality ?? null,
    filters,
  };
}

/** Where-conditions on the joined `instruments` table for a scope. */
export function scopeConditions(scope: Scope): Expression<SqlBool>[] {
  const c: Expression<SqlBool>[] = [];
  if (scope.instrumentId !== null) c.push(sql<SqlBool>`instruments.id = ${scope.instrumentId}`);
  if (scope.processUnitId !== null)
    c.push(sql<SqlBool>`instruments.process_unit_id = ${scope.processUnitId}`);
  if (scope.instrumentType !== null) c.push(sql<SqlBool>`instruments.type = ${scope.instrumentType}`);
  if (scope.criticality !== null) c.push(sql<SqlBool>`instruments.criticality = ${scope.criticality}`);
  return c;
}

/** Adds a report-specific filter to the header list. */
export function filterEntry(key: string, label: string, value: string | number | boolean) {
  return { key, label, value, display: String(value) };
}
