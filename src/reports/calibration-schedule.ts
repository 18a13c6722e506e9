import { effectiveIntervalDays, nextDueDate } from '../calibration/due-dates.ts';
import { DAY_MS } from './report-model.ts';

// Calibration due dates walked over an instrument's history: the current due date (the same rule
// as the instrument register: last calibration + effective interval, or registration + interval
// when never calibrated) and every due date in a period with how it was met, for compliance.

export interface ScheduleInstrument {
  id: number;
  created_at: string;
  deleted_at: string | null;
  calibration_interval_days: number;
  use_predicted_interval: number;
  predicted_interval_days: number | null;
}

/** A calibration in force (not superseded by a correction). */
export interface ScheduleCalibration {
  performed_at: string;
  /** The due date recorded when the calibration was entered (null on old rows). */
  next_due_at: string | null;
}

export type DueOutcome = 'on_time' | 'late' | 'outstanding';

/** Times in epoch milliseconds: a plant-wide report walks tens of thousands of these. */
export interface DueEvent {
  due_ms: number;
  outcome: DueOutcome;
  /** When the calibration that met it was performed (null while outstanding). */
  calibrated_ms: number | null;
}

export interface ScheduleResult {
  last_calibration_at: string | null;
  next_due_at: string;
  overdue: boolean;
  days_overdue: number;
  /** Due events counted in the period, oldest first. */
  events: DueEvent[];
}

/**
 * Walks the history up to `end` (calibrations after it are not known "as of" the end).
 * A due event counts in [from, end] when its due date falls in the period, or when it fell before
 * the period but was still unmet at `from` (the instrument spent part of the period overdue).
 * Outcome: on_time when the next calibration came on or before the due date, late when it came
 * after it but by `end`, outstanding when none came by `end`.
 * Historical due dates are those recorded with each calibration (the interval in force then); the
 * latest one uses the current effective interval, like the instrument register.
 */
export function walkSchedule(
  inst: ScheduleInstrument,
  calibrations: readonly ScheduleCalibration[],
  from: Date,
  end: Date,
): ScheduleResult {
  const interval = effectiveIntervalDays(inst);
  const endMs = end.getTime();
  const fromMs = from.getTime();
  const cutoffMs = inst.deleted_at ? Math.min(endMs, Date.parse(inst.deleted_at)) : endMs;
  // Each date parsed once: at plant scale this walk runs for thousands of instruments per report.
  const known: { at: number; performed_at: string; next_due_at: string | null }[] = [];
  let sorted = true;
  for (const c of calibrations) {
    const at = Date.parse(c.performed_at);
    if (!(at <= endMs)) continue;
    if (known.length > 0 && at < known[known.length - 1].at) sorted = false;
    known.push({ at, performed_at: c.performed_at, next_due_at: c.next_due_at });
  }
  if (!sorted) known.sort((a, b) => a.at - b.at);

  const events: DueEvent[] = [];
  const consider = (dueMs: number, calibratedMs: number | null) => {
    if (dueMs > cutoffMs) return;
    const inPeriod = dueMs >= fromMs;
    const openAtStart = dueMs < fromMs && (calibratedMs === null || calibratedMs > fromMs);
    if (!inPeriod && !openAtStart) return;
    const outcome: DueOutcome =
      calibratedMs === null ? 'outstanding' : calibratedMs <= dueMs ? 'on_time' : 'late';
    events.push({ due_ms: dueMs, outcome, calibrated_ms: calibratedMs });
  };

  // Each calibration settles the due date in force before it and sets the next one.
  let dueMs = Date.parse(inst.created_at) + interval * DAY_MS;
  for (const c of known) {
    consider(dueMs, c.at);
    dueMs = c.next_due_at ? Date.parse(c.next_due_at) : c.at + interval * DAY_MS;
  }
  const last = known.at(-1)?.performed_at ?? null;
  // The open due date always follows the current interval, as the instrument register shows it.
  const nextDue = nextDueDate(last, inst.created_at, interval);
  const nextDueMs = Date.parse(nextDue);
  if (nextDueMs <= endMs) consider(nextDueMs, null);
  // A decommissioned instrument is no longer overdue once it is gone.
  const overdue = nextDueMs < endMs && (inst.deleted_at === null || Date.parse(inst.deleted_at) > endMs);
  return {
    last_calibration_at: last,
    next_due_at: nextDue,
    overdue,
    days_overdue: overdue ? Math.floor((endMs - nextDueMs) / DAY_MS) : 0,
    events,
  };
}
