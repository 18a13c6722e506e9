import { type RawBuilder, sql } from 'kysely';

// A calibration record superseded by a correction no longer counts; its correction does. These two
// SQL fragments are the one place that rule is written.

/** True when no correction supersedes the calibration record whose id is `recordIdRef` (e.g. 'cr.id'). */
export function inForce(recordIdRef: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from calibration_records fix where fix.corrects_id = ${sql.ref(recordIdRef)})`;
}

/** When the instrument whose id is `instrumentIdRef` was last calibrated, counting records in force. */
export function lastCalibratedAt(instrumentIdRef: string): RawBuilder<string | null> {
  return sql<string | null>`(select max(lc.performed_at) from calibration_records lc
    where lc.instrument_id = ${sql.ref(instrumentIdRef)} and ${inForce('lc.id')} and ${countsForDueDate('lc')})`;
}

/**
 * A reduced check (fewer points than the procedure) that its procedure does not allow to reset the
 * due date is kept in the history but does not count as the last calibration (issue 13, item 2).
 */
export function countsForDueDate(recordAlias: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${recordAlias}.resets_due_date`)} = 1`;
}
