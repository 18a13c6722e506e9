import type { Kysely, Selectable } from 'kysely';
import { batchesOf } from '../db/batches.ts';
import type { CalibrationPointsTable, CalibrationRecordsTable, DB } from '../db/schema.ts';
import { devicesInstalledAt } from '../devices/installations.ts';
import { POINT_ROW_PARAMS, pointInsertRow } from './calibration-records.ts';
import { evaluatePoints, type PointInput } from './point-errors.ts';
import { effectiveProcedures, specOf } from './procedures.ts';
import { accuracyClassRule } from './tolerances.ts';

// Calibrations that happened before the plant used this system, from its spreadsheets (issue 18).
// They are history, not work done now: no procedure or certificate check (the standard's certificate
// of 2019 is not on file), no corrective work order for a failure long since dealt with, no alert
// suppression and no CUSUM reset. They do count for due dates, history and the interval prediction.

export type ImportKind = 'history' | 'summary';

/** What the register or history file says of one calibration. */
export interface ImportedCalibration {
  instrument_id: number;
  performed_at: string;
  kind: ImportKind;
  /** A user here, when the file's performer is one; else the name as the file has it. */
  technician_id: number | null;
  performed_by_name: string | null;
  reference_standard_id: number | null;
  reference_standard_text: string | null;
  notes: string | null;
  /** Empty for a summary record. */
  points: PointInput[];
}

/** Where the record came from, for its audit row. */
export interface ImportSource {
  file: string;
  sha256: string;
  rows: number[];
}

export const SUMMARY_NOTE = 'imported, no test points';

export const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

/** The key importedCalibrations answers with: instrument and time (any ISO form of the time). */
export const importedKey = (instrumentId: number, performedAt: string) =>
  `${instrumentId}|${Date.parse(performedAt)}`;

/**
 * The imported records of kind `kind` these instruments already have, as importedKey(instrument,
 * time), one query per batch: a re-import finds its records and writes nothing.
 */
export async function importedCalibrations(
  db: Kysely<DB>,
  instrumentIds: readonly number[],
  kind: ImportKind,
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of batchesOf([...new Set(instrumentIds)])) {
    const rows = await db
      .selectFrom('calibration_records')
      .select(['instrument_id', 'performed_at'])
      .where('instrument_id', 'in', batch)
      .where('import_kind', '=', kind)
      .execute();
    for (const r of rows) out.add(importedKey(r.instrument_id, r.performed_at));
  }
  return out;
}

/** The instrument fields an imported record is evaluated and dated by. */
export interface ImportTarget {
  id: number;
  type: string;
  range_min: number;
  range_max: number;
  accuracy_class: number;
}

/**
 * Inserts imported records (a statement per batch of records, another per batch of points) with
 * their errors and verdicts computed as for a new record. Returns their ids in the order given, and
 * the rows as stored (RETURNING), so they can be sealed without reading them back.
 */
export async function insertImportedRecords(
  trx: Kysely<DB>,
  actorId: number,
  items: readonly { input: ImportedCalibration; inst: ImportTarget; nextDueAt: string | null }[],
  at: string,
) {
  const records: Selectable<CalibrationRecordsTable>[] = [];
  const points: Selectable<CalibrationPointsTable>[] = [];
  if (items.length === 0) return { ids: [] as number[], records, points };
  const devices = await devicesInstalledAt(
    trx,
    items.map((i) => ({ instrumentId: i.inst.id, at: i.input.performed_at })),
  );
  const tested = [
    ...new Map(items.filter((i) => i.input.kind === 'history').map((i) => [i.inst.id, i.inst])).values(),
  ];
  const procedures = await effectiveProcedures(trx, tested);
  const evaluated = items.map(({ input, inst }) => {
    if (input.kind === 'summary') return null;
    const proc = procedures.get(inst.id)?.row;
    const rule = proc ? specOf(proc).tolerance : accuracyClassRule(inst.accuracy_class);
    return evaluatePoints(input.points, inst, rule);
  });
  const rows = items.map(({ input, inst, nextDueAt }, n) => {
    const result = evaluated[n];
    const base = {
      instrument_id: inst.id,
      performed_at: input.performed_at,
      technician_id: input.technician_id ?? actorId,
      performed_by_name: input.technician_id === null ? input.performed_by_name : null,
      reference_standard_id: input.reference_standard_id,
      reference_standard_text: input.reference_standard_id === null ? input.reference_standard_text : null,
      import_kind: input.kind,
      device_id: devices[n],
      next_due_at: nextDueAt,
      created_at: at,
      updated_at: at,
    };
    // A summary: the register says it was calibrated then, not how it was found: a pass with no figures.
    if (!result)
      return {
        ...base,
        notes: input.notes ? `${SUMMARY_NOTE}. ${input.notes}` : SUMMARY_NOTE,
        tolerance_pct: inst.accuracy_class,
        as_found_passed: 1,
        as_left_passed: 1,
        passed: 1,
        max_as_found_error_pct: 0,
        max_as_left_error_pct: 0,
        hysteresis_as_found_pct: null,
        hysteresis_as_left_pct: null,
        repeatability_as_found_pct: null,
        repeatability_as_left_pct: null,
      };
    return {
      ...base,
      notes: input.notes,
      tolerance_pct: result.tolerance_pct,
      as_found_passed: result.as_found_passed ? 1 : 0,
      as_left_passed: result.as_left_passed ? 1 : 0,
      passed: result.passed ? 1 : 0,
      max_as_found_error_pct: result.max_as_found_error_pct,
      max_as_left_error_pct: result.max_as_left_error_pct,
      hysteresis_as_found_pct: result.hysteresis_as_found_pct,
      hysteresis_as_left_pct: result.hysteresis_as_left_pct,
      repeatability_as_found_pct: result.repeatability_as_found_pct,
      repeatability_as_left_pct: result.repeatability_as_left_pct,
    };
  });
  // Returned rows come in no promised order: they are matched back by instrument, time and kind.
  const key = (r: { instrument_id: number; performed_at: string; import_kind: string | null }) =>
    `${importedKey(r.instrument_id, r.performed_at)}|${r.import_kind}`;
  const idOf = new Map<string, number>();
  for (const batch of batchesOf(rows, Object.keys(rows[0]).length)) {
    const inserted = await trx.insertInto('calibration_records').values(batch).returningAll().execute();
    for (const r of inserted) {
      idOf.set(key(r), r.id);
      records.push(r);
    }
  }
  const ids = rows.map((r) => idOf.get(key(r)) as number);
  const pointRows = evaluated.flatMap((result, n) =>
    (result?.points ?? []).map((p) => pointInsertRow(ids[n], p, at)),
  );
  for (const batch of batchesOf(pointRows, POINT_ROW_PARAMS))
    points.push(...(await trx.insertInto('calibration_points').values(batch).returningAll().execute()));
  return { ids, records, points };
}
