import { type Kysely, sql } from 'kysely';
import { countsForDueDate, inForce } from '../calibration/in-force.ts';
import type { Config } from '../config.ts';
import type { AnomalyView, LiveView, MonitorView } from '../context.ts';
import type { DB } from '../db/schema.ts';
import type { ReportData, ReportKey, ReportPeriod, ReportUser, SummaryField } from './report-model.ts';
import { type Scope, scopeConditions } from './report-params.ts';

// Read-model queries shared by several reports. Reports only read; every write goes through the
// owning module's service.

/** What a report builder gets: the database, the injected time, settings, and who asked. */
export interface BuildContext {
  db: Kysely<DB>;
  now: Date;
  config: Config;
  live: LiveView;
  /** Live detector state and anomaly scores (absent in the benchmark). */
  monitor?: MonitorView;
  anomaly?: AnomalyView;
  user: ReportUser;
}

export async function loadInstruments(
  db: Kysely<DB>,
  scope: Scope,
  opts: { includeDeleted?: boolean; createdBefore?: string } = {},
) {
  let q = db
    .selectFrom('instruments')
    .leftJoin('process_units', 'process_units.id', 'instruments.process_unit_id')
    .select([
      'instruments.id',
      'instruments.tag',
      'instruments.type',
      'instruments.unit',
      'instruments.criticality',
      'instruments.status',
      'instruments.process_unit_id',
      'process_units.name as process_unit_name',
      'instruments.created_at',
      'instruments.deleted_at',
      'instruments.calibration_interval_days',
      'instruments.use_predicted_interval',
      'instruments.predicted_interval_days',
      'instruments.accuracy_class',
    ]);
  for (const c of scopeConditions(scope)) q = q.where(c);
  if (!opts.includeDeleted) q = q.where('instruments.deleted_at', 'is', null);
  if (opts.createdBefore) q = q.where('instruments.created_at', '<=', opts.createdBefore);
  return q.orderBy('instruments.tag').orderBy('instruments.id').execute();
}
export type ScopeInstrument = Awaited<ReturnType<typeof loadInstruments>>[number];

export interface CalibrationInForce {
  instrument_id: number;
  performed_at: string;
  next_due_at: string | null;
  passed: number;
  as_left_passed: number;
}

/** The calibrations in force of the instruments in scope, oldest first (a correction replaces the record it corrects). */
function calibrationsInForce(db: Kysely<DB>, scope: Scope, upTo?: string) {
  let q = db
    .selectFrom('calibration_records')
    .innerJoin('instruments', 'instruments.id', 'calibration_records.instrument_id')
    .where(inForce('calibration_records.id'))
    // A reduced check its procedure does not let reset the due date is not a calibration here.
    .where(countsForDueDate('calibration_records'));
  for (const c of scopeConditions(scope)) q = q.where(c);
  if (upTo) q = q.where('calibration_records.performed_at', '<=', upTo);
  return q
    .orderBy('calibration_records.instrument_id')
    .orderBy('calibration_records.performed_at')
    .orderBy('calibration_records.id');
}

function byInstrument<T extends { instrument_id: number }>(rows: readonly T[]): Map<number, T[]> {
  const by = new Map<number, T[]>();
  for (const r of rows) {
    const list = by.get(r.instrument_id);
    if (list) list.push(r);
    else by.set(r.instrument_id, [r]);
  }
  return by;
}

/** Every calibration in force of the instruments in scope, by instrument, oldest first, with its outcome. */
export async function loadCalibrationsInForce(db: Kysely<DB>, scope: Scope) {
  const rows: CalibrationInForce[] = await calibrationsInForce(db, scope)
    .select([
      'calibration_records.instrument_id',
      'calibration_records.performed_at',
      'calibration_records.next_due_at',
      'calibration_records.passed',
      'calibration_records.as_left_passed',
    ])
    .execute();
  return byInstrument(rows);
}

/**
 * Only the dates the due-date walk needs, performed up to `upTo` (later ones are not known "as of"
 * the period's end): at plant scale a compliance report reads tens of thousands of these, and each
 * column left out is that many values fewer to materialise.
 */
export async function loadCalibrationDates(db: Kysely<DB>, scope: Scope, upTo: string) {
  const rows = await calibrationsInForce(db, scope, upTo)
    .select([
      'calibration_records.instrument_id',
      'calibration_records.performed_at',
      'calibration_records.next_due_at',
    ])
    .execute();
  return byInstrument(rows);
}

/** The header part every report shares. */
export function reportHeader(
  bc: BuildContext,
  report: ReportKey,
  title: string,
  description: string,
  period: ReportPeriod,
  filters: ReportData['filters'],
) {
  return {
    report,
    title,
    description,
    generated_at: bc.now.toISOString(),
    generated_by: bc.user,
    plant_name: bc.config.plantName,
    period,
    filters,
  };
}

/** Summary field list and values from one table of [key, label, value, kind?, unit?]. */
export function summaryOf(
  items: [string, string, number | string | null, SummaryField['kind']?, string?][],
): { summary: ReportData['summary']; summary_fields: SummaryField[] } {
  const summary: ReportData['summary'] = {};
  const summary_fields: SummaryField[] = [];
  for (const [key, label, value, kind, unit] of items) {
    summary[key] = value;
    summary_fields.push({ key, label, ...(kind ? { kind } : {}), ...(unit ? { unit } : {}) });
  }
  return { summary, summary_fields };
}

/**
 * Trend of each instrument over [from, to) from the hourly tier, in buckets of `bucketMs` (a multiple
 * of an hour): [bucket start, mean, min, max] over good readings, with the warning limits to draw.
 * A few numbers per bucket, so a chart per instrument stays small for a large plant.
 */
export async function loadTrends(
  db: Kysely<DB>,
  instrumentIds: number[],
  from: number,
  to: number,
  bucketMs: number,
): Promise<Map<number, [number, number, number, number][]>> {
  const out = new Map<number, [number, number, number, number][]>();
  if (instrumentIds.length === 0) return out;
  const wanted = new Set(instrumentIds);
  let q = db
    .selectFrom('readings_1h')
    .select((eb) => [
      'instrument_id',
      sql<number>`bucket - (bucket % ${sql.lit(bucketMs)})`.as('b'),
      sql<number>`sum(avg * count) / sum(count)`.as('avg'),
      eb.fn.min('min').as('min'),
      eb.fn.max('max').as('max'),
    ])
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .where('count', '>', 0)
    .groupBy(['instrument_id', sql`bucket - (bucket % ${sql.lit(bucketMs)})`])
    .orderBy('instrument_id')
    .orderBy('b');
  // Past a few hundred ids the IN list costs more than reading the rows of the others and skipping them.
  if (instrumentIds.length <= 500) q = q.where('instrument_id', 'in', instrumentIds);
  for (const r of await q.execute()) {
    if (!wanted.has(r.instrument_id)) continue;
    let list = out.get(r.instrument_id);
    if (!list) {
      list = [];
      out.set(r.instrument_id, list);
    }
    list.push([Number(r.b), Number(r.avg), Number(r.min), Number(r.max)]);
  }
  return out;
}
