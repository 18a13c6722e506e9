const DAY_MS = 86_400_000;

/**
 * Next calibration due = last calibration + interval. An instrument never calibrated is due one
 * interval after it was registered (its commissioning check counts as the first calibration).
 */
export function nextDueDate(
  lastCalibratedAt: string | null,
  registeredAt: string,
  intervalDays: number,
): string {
  return new Date(nextDueMs(lastCalibratedAt, registeredAt, intervalDays)).toISOString();
}

/** nextDueDate in epoch milliseconds (for a pass over the whole plant, formatted once by the caller). */
export function nextDueMs(
  lastCalibratedAt: string | null,
  registeredAt: string,
  intervalDays: number,
): number {
  return Date.parse(lastCalibratedAt ?? registeredAt) + intervalDays * DAY_MS;
}

export function isOverdue(dueAt: string, now: Date): boolean {
  return Date.parse(dueAt) < now.getTime();
}

export interface IntervalSettings {
  calibration_interval_days: number;
  use_predicted_interval: number | boolean;
  predicted_interval_days: number | null;
}

/**
 * The interval the due date is computed with: the condition-based prediction once an admin has
 * switched the instrument to it and a prediction exists, the fixed interval otherwise.
 */
export function effectiveIntervalDays(i: IntervalSettings): number {
  const usePredicted = i.use_predicted_interval === 1 || i.use_predicted_interval === true;
  return usePredicted && i.predicted_interval_days !== null
    ? i.predicted_interval_days
    : i.calibration_interval_days;
}

/** The due date as a calendar day (UTC): the identity of one "overdue" condition. */
export const dueDay = (dueAt: string): string => dueAt.slice(0, 10);
