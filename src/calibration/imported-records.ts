import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { deviceInstalledAt } from '../devices/installations.ts';
import { evaluatePoints, type PointInput } from './point-errors.ts';
import { effectiveProcedure, specOf } from './procedures.ts';
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

/** The imported record of this instrument, time and kind, if one exists: a re-import writes nothing. */
export async function findImportedCalibration(
  db: Kysely<DB>,
  instrumentId: number,
  performedAt: string,
  kind: ImportKind,
) {
  return db
    .selectFrom('calibration_records')
    .select('id')
    .where('instrument_id', '=', instrumentId)
    .where('performed_at', '=', performedAt)
    .where('import_kind', '=', kind)
    .executeTakeFirst();
}

export async function insertImportedRecord(
  trx: Kysely<DB>,
  actorId: number,
  input: ImportedCalibration,
  inst: { id: number; type: string; range_min: number; range_max: number; accuracy_class: number },
  at: string,
) {
  const base = {
    instrument_id: inst.id,
    performed_at: input.performed_at,
    technician_id: input.technician_id ?? actorId,
    performed_by_name: input.technician_id === null ? input.performed_by_name : null,
    reference_standard_id: input.reference_standard_id,
    reference_standard_text: input.reference_standard_id === null ? input.reference_standard_text : null,
    import_kind: input.kind,
    device_id: await deviceInstalledAt(trx, inst.id, input.performed_at),
    next_due_at: null,
    created_at: at,
    updated_at: at,
  };
  if (input.kind === 'summary') {
    // The register says it was calibrated then, not how it was found: a pass with no figures.
    return trx
      .insertInto('calibration_records')
      .values({
        ...base,
        notes: input.notes ? `${SUMMARY_NOTE}. ${input.notes}` : SUMMARY_NOTE,
        tolerance_pct: inst.accuracy_class,
        as_found_passed: 1,
        as_left_passed: 1,
        passed: 1,
        max_as_found_error_pct: 0,
        max_as_left_error_pct: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  }
  const { row: proc } = await effectiveProcedure(trx, inst);
  const rule = proc ? specOf(proc).tolerance : accuracyClassRule(inst.accuracy_class);
  const result = evaluatePoints(input.points, inst, rule);
  const { id } = await trx
    .insertInto('calibration_records')
    .values({
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
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('calibration_points')
    .values(
      result.points.map((p) => ({
        calibration_id: id,
        seq: p.seq,
        reference_value: p.reference_value,
        as_found: p.as_found,
        as_left: p.as_left,
        as_found_error_pct: p.as_found_error_pct,
        as_left_error_pct: p.as_left_error_pct,
        as_found_passed: p.as_found_passed ? 1 : 0,
        as_left_passed: p.as_left_passed ? 1 : 0,
        direction: p.direction,
        nominal_pct: p.nominal_pct,
        adjust_limit: p.adjust_limit,
        fail_limit: p.fail_limit,
        acceptance_limit: p.acceptance_limit,
        as_found_verdict: p.as_found_verdict,
        as_left_verdict: p.as_left_verdict,
        created_at: at,
        updated_at: at,
      })),
    )
    .execute();
  return { id };
}

/** The due date an imported record sets (its instrument's interval from when it was performed). */
export async function setImportedDueDate(
  trx: Kysely<DB>,
  id: number,
  nextDueAt: string | null,
): Promise<void> {
  await trx.updateTable('calibration_records').set({ next_due_at: nextDueAt }).where('id', '=', id).execute();
}
