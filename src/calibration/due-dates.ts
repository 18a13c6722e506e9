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
  const from = Date.parse(lastCalibratedAt ?? registeredAt);
  return new Date(from + intervalDays * DAY_MS).toISOString();
}

export function isOverdue(dueAt: string, now: Date): boolean {
  return Date.parse(dueAt) < now.getTime();
}
