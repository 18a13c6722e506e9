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

/**
 * 1 when the latest calibration in force of the instrument `instrumentIdRef` failed as-left (the
 * instrument was left out of tolerance: issue 13 "out of tolerance" state), else 0.
 */
export function outOfTolerance(instrumentIdRef: string): RawBuilder<number> {
  return sql<number>`coalesce((select case when ot.as_left_passed = 0 then 1 else 0 end
    from calibration_records ot
    where ot.instrument_id = ${sql.ref(instrumentIdRef)} and ${inForce('ot.id')}
    order by ot.performed_at desc, ot.id desc limit 1), 0)`;
}

/** The device installed in the instrument (position) `instrumentIdRef` now, or null. */
export function installedDeviceId(instrumentIdRef: string): RawBuilder<number | null> {
  return sql<number | null>`(select idv.device_id from device_installations idv
    where idv.instrument_id = ${sql.ref(instrumentIdRef)} and idv.removed_at is null)`;
}

/** The serial number of the device installed in the instrument `instrumentIdRef` now, or null. */
export function installedDeviceSerial(instrumentIdRef: string): RawBuilder<string | null> {
  return sql<string | null>`(select dsv.serial_number from device_installations idv
    join devices dsv on dsv.id = idv.device_id
    where idv.instrument_id = ${sql.ref(instrumentIdRef)} and idv.removed_at is null)`;
}
