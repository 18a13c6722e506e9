import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { dueDay, effectiveIntervalDays, nextDueDate } from './due-dates.ts';
import { lastCalibratedAt } from './in-force.ts';

/** One instrument in service and when its calibration falls due (the register's rule). */
export interface CalibrationDue {
  instrument_id: number;
  tag: string;
  criticality: string;
  process_unit_id: number | null;
  interval_days: number;
  last_calibration_at: string | null;
  due_at: string;
  /**
   * The identity of this due item: the source key of its work order, whether raised ahead of time
   * or once overdue (the overdue scan uses the same key), so one due date gets one work order.
   */
  work_order_key: string;
}

/** The work order source key of the calibration of `instrumentId` due on `dueAt`'s day. */
export const calibrationWorkKey = (instrumentId: number, dueAt: string) =>
  `calibration_overdue:${instrumentId}:${dueDay(dueAt)}`;

/**
 * The calibration due date of every instrument in service (not deleted, not out of service), in
 * one query: what the planning view lists, what work is raised ahead for, and what the
 * one-minute due check watches.
 */
export async function calibrationDueList(
  db: Kysely<DB>,
  filter: { process_unit_id?: number } = {},
): Promise<CalibrationDue[]> {
  let q = db
    .selectFrom('instruments')
    .select([
      'instruments.id',
      'instruments.tag',
      'instruments.criticality',
      'instruments.process_unit_id',
      'instruments.created_at',
      'instruments.calibration_interval_days',
      'instruments.use_predicted_interval',
      'instruments.predicted_interval_days',
    ])
    .select(lastCalibratedAt('instruments.id').as('last_calibration_at'))
    .where('instruments.deleted_at', 'is', null)
    .where('instruments.status', '<>', 'out_of_service');
  if (filter.process_unit_id !== undefined)
    q = q.where('instruments.process_unit_id', '=', filter.process_unit_id);
  const rows = await q.orderBy('instruments.id').execute();
  return rows.map((r) => {
    const interval = effectiveIntervalDays(r);
    const due = nextDueDate(r.last_calibration_at ?? null, r.created_at, interval);
    return {
      instrument_id: r.id,
      tag: r.tag,
      criticality: r.criticality,
      process_unit_id: r.process_unit_id,
      interval_days: interval,
      last_calibration_at: r.last_calibration_at ?? null,
      due_at: due,
      work_order_key: calibrationWorkKey(r.id, due),
    };
  });
}
