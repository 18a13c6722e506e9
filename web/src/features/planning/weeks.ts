import type { UpcomingItem } from './types.ts';

// The planning view groups the server's days (calendar days in the plant's zone) into weeks that
// start on Monday. Pure calendar arithmetic on YYYY-MM-DD, so the browser's zone plays no part.

const DAY_MS = 86_400_000;

/** The Monday of the week `date` (YYYY-MM-DD) falls in. */
export function weekStart(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(t - weekday * DAY_MS).toISOString().slice(0, 10);
}

export interface Week {
  start: string;
  end: string;
  days: { date: string; items: UpcomingItem[] }[];
  count: number;
}

export function groupByWeek(days: { date: string; items: UpcomingItem[] }[]): Week[] {
  const weeks = new Map<string, Week>();
  for (const d of days) {
    const start = weekStart(d.date);
    let w = weeks.get(start);
    if (!w) {
      const end = new Date(Date.parse(`${start}T00:00:00Z`) + 6 * DAY_MS).toISOString().slice(0, 10);
      w = { start, end, days: [], count: 0 };
      weeks.set(start, w);
    }
    w.days.push(d);
    w.count += d.items.length;
  }
  return [...weeks.values()].sort((a, b) => a.start.localeCompare(b.start));
}

const fmt = (date: string, opts: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat(undefined, { ...opts, timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

/** "Mon 7 Sep" in the user's locale. */
export const dayLabel = (date: string) => fmt(date, { weekday: 'short', day: 'numeric', month: 'short' });

/** "7 Sep 2026": the Monday that opens the week. */
export const weekLabel = (w: Week) => fmt(w.start, { day: 'numeric', month: 'short', year: 'numeric' });
