// Alarm system performance KPIs (ISA-18.2 section 16 / EEMUA 191), computed from the alarm event
// log over [from, to). An "alarm" is a raise event (suppressed raises are journalled as 'suppress'
// and do not count, as they were never annunciated). "The same alarm" is one
// (instrument or source, alert type, condition): each episode is its own alert row, but a
// chattering alarm raises new episodes of the same condition.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { ValidationError } from '../shared/errors.ts';
import { SEVERITIES } from './types.ts';

const TEN_MIN = 600_000;
const HOUR = 3_600_000;
const MAX_RANGE_DAYS = 92;
/** EEMUA 191: a 10-minute period with this many alarms or more is a flood. */
export const FLOOD_THRESHOLD = 10;
/** ISA-18.2: an alarm raised this many times within CHATTER_WINDOW_MS is chattering. */
export const CHATTER_RAISES = 3;
const CHATTER_WINDOW_MS = 60_000;
/** Open longer than this at the end of the period: stale. */
const STALE_MS = 24 * HOUR;

/** The targets each figure is judged against (ISA-18.2 table 5 / EEMUA 191). */
export const KPI_TARGETS = {
  per_10_minutes: { max: 1, text: '~1 per 10 min is manageable (2 is the maximum manageable)' },
  per_hour: { max: 6, text: '<= 6 per hour (~1 per 10 min)' },
  flood_percent: { max: 1, text: '< 1 % of 10-minute periods in flood (>= 10 alarms)' },
  peak_10_minutes: { max: 10, text: '<= 10 alarms in any 10 minutes' },
  chattering: { max: 0, text: 'none: fix chattering alarms (deadband, on-delay)' },
  stale: { max: 5, text: '< 5 alarms open longer than 24 h' },
  top10_percent: { max: 5, text: 'the top 10 alarms give 1-5 % of the load at most' },
  priority_percent: {
    advisory: 80,
    warning: 15,
    critical: 5,
    text: 'EEMUA 191 priority split ~80 % low / 15 % medium / 5 % high',
  },
} as const;

export interface KpiQuery {
  from?: string;
  to?: string;
  process_unit_id?: number;
}

/** Validated period: default the last 7 days to now; from < to; at most 92 days. */
export function kpiPeriod(q: KpiQuery, now: Date): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 24 * HOUR);
  if (Number.isNaN(from.getTime())) throw new ValidationError('from', 'from is not a valid date');
  if (Number.isNaN(to.getTime())) throw new ValidationError('to', 'to is not a valid date');
  if (from.getTime() >= to.getTime()) throw new ValidationError('from', 'from must be before to');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 24 * HOUR) {
    throw new ValidationError('to', `the period may span at most ${MAX_RANGE_DAYS} days`);
  }
  return { from, to };
}

const alarmKey = (r: {
  instrument_id: number | null;
  source: string | null;
  alert_type: string;
  condition_key: string;
}) => `${r.instrument_id ?? `source:${r.source}`}|${r.alert_type}|${r.condition_key}`;

export async function alarmKpis(db: Kysely<DB>, q: KpiQuery, now: Date) {
  const { from, to } = kpiPeriod(q, now);
  const fromIso = from.toISOString();
  const toIso = to.toISOString();
  let raisesQ = db
    .selectFrom('alarm_events as e')
    .leftJoin('instruments as i', 'i.id', 'e.instrument_id')
    .select([
      'e.at',
      'e.alert_id',
      'e.instrument_id',
      'e.source',
      'e.alert_type',
      'e.condition_key',
      'e.severity',
      'i.tag',
    ])
    .where('e.event', '=', 'raise')
    .where('e.at', '>=', fromIso)
    .where('e.at', '<', toIso);
  if (q.process_unit_id !== undefined) raisesQ = raisesQ.where('i.process_unit_id', '=', q.process_unit_id);
  const raises = (await raisesQ.orderBy('e.at').orderBy('e.id').execute()).map((r) => ({
    ...r,
    t: Date.parse(r.at),
  }));

  // Rates over clock-aligned 10-minute periods (hh:00, hh:10...); the first and last may be partial.
  const span = to.getTime() - from.getTime();
  const first = Math.floor(from.getTime() / TEN_MIN) * TEN_MIN;
  const periods = Math.ceil((to.getTime() - first) / TEN_MIN);
  const buckets = new Array<number>(periods).fill(0);
  for (const r of raises) buckets[Math.floor((r.t - first) / TEN_MIN)]++;
  const flooded = buckets.filter((n) => n >= FLOOD_THRESHOLD).length;
  let peakIndex = 0;
  for (let k = 1; k < periods; k++) if (buckets[k] > buckets[peakIndex]) peakIndex = k;
  const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

  // Chattering: >= 3 raises of the same alarm within any 60 s.
  const byAlarm = new Map<string, typeof raises>();
  for (const r of raises) {
    const k = alarmKey(r);
    const list = byAlarm.get(k);
    if (list) list.push(r);
    else byAlarm.set(k, [r]);
  }
  const chattering = [];
  for (const list of byAlarm.values()) {
    let best = 0;
    for (let i = 0, j = 0; j < list.length; j++) {
      while (list[j].t - list[i].t > CHATTER_WINDOW_MS) i++;
      best = Math.max(best, j - i + 1);
    }
    if (best >= CHATTER_RAISES) {
      const r = list[0];
      chattering.push({
        instrument_id: r.instrument_id,
        tag: r.tag ?? r.source,
        alert_type: r.alert_type,
        condition: r.condition_key,
        raises: list.length,
        max_raises_per_minute: best,
      });
    }
  }
  chattering.sort((a, b) => b.max_raises_per_minute - a.max_raises_per_minute || b.raises - a.raises);

  // Bad actors: the alarms (instrument/source and type) raised most, with their share of the load.
  const actors = new Map<
    string,
    { instrument_id: number | null; tag: string | null; alert_type: string; raises: number }
  >();
  for (const r of raises) {
    const k = `${r.instrument_id ?? `source:${r.source}`}|${r.alert_type}`;
    const a = actors.get(k);
    if (a) a.raises++;
    else
      actors.set(k, {
        instrument_id: r.instrument_id,
        tag: r.tag ?? r.source,
        alert_type: r.alert_type,
        raises: 1,
      });
  }
  const badActors = [...actors.values()]
    .sort((a, b) => b.raises - a.raises || String(a.tag).localeCompare(String(b.tag)))
    .slice(0, 10)
    .map((a) => ({ ...a, percent: raises.length ? round((100 * a.raises) / raises.length, 2) : 0 }));

  const bySeverity = SEVERITIES.map((severity) => {
    const count = raises.filter((r) => r.severity === severity).length;
    return {
      severity,
      count,
      percent: raises.length ? round((100 * count) / raises.length, 2) : 0,
      target_percent: KPI_TARGETS.priority_percent[severity],
    };
  });

  const stale = await staleAlarms(db, to, q.process_unit_id);

  return {
    from: fromIso,
    to: toIso,
    process_unit_id: q.process_unit_id ?? null,
    total_alarms: raises.length,
    periods_10_minutes: periods,
    average_per_10_minutes: round((raises.length * TEN_MIN) / span),
    average_per_hour: round((raises.length * HOUR) / span),
    flood_periods: flooded,
    flood_percent: periods ? round((100 * flooded) / periods, 2) : 0,
    peak_10_minutes: {
      count: raises.length ? buckets[peakIndex] : 0,
      start: raises.length ? new Date(first + peakIndex * TEN_MIN).toISOString() : null,
    },
    chattering: { count: chattering.length, alarms: chattering.slice(0, 50) },
    stale: { count: stale.length, alarms: stale.slice(0, 50) },
    bad_actors: badActors,
    top10_percent: round(
      badActors.reduce((n, a) => n + a.percent, 0),
      2,
    ),
    by_priority: bySeverity,
    /** Alarms per clock-aligned 10-minute period (the rate chart), the first starting at series_start. */
    series_start: new Date(first).toISOString(),
    rate_series: buckets,
    targets: KPI_TARGETS,
  };
}

/**
 * Alarms open more than 24 h at `to`: raised (journalled) at least 24 h before it and neither
 * resolved nor suppressed by then.
 */
async function staleAlarms(db: Kysely<DB>, to: Date, processUnitId?: number) {
  const toIso = to.toISOString();
  const cutoff = new Date(to.getTime() - STALE_MS).toISOString();
  let q = db
    .selectFrom('alarm_events as e')
    .innerJoin('alert_records as a', 'a.id', 'e.alert_id')
    .leftJoin('instruments as i', 'i.id', 'e.instrument_id')
    .select([
      'e.alert_id',
      'e.at as raised_at',
      'e.instrument_id',
      'i.tag',
      'a.source',
      'e.alert_type',
      'e.severity',
      'a.message',
    ])
    .where('e.event', '=', 'raise')
    .where('e.at', '<=', cutoff)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('alarm_events as r')
            .select('r.id')
            .whereRef('r.alert_id', '=', 'e.alert_id')
            .where('r.event', '=', 'resolve')
            .where('r.at', '<=', toIso),
        ),
      ),
    );
  if (processUnitId !== undefined) q = q.where('i.process_unit_id', '=', processUnitId);
  const rows = await q.orderBy('e.at').execute();
  const seen = new Set<number>();
  return rows
    .filter((r) => {
      if (seen.has(r.alert_id)) return false; // a raise after a suppression: counted once
      seen.add(r.alert_id);
      return true;
    })
    .map((r) => ({
      alert_id: r.alert_id,
      instrument_id: r.instrument_id,
      tag: r.tag ?? r.source,
      alert_type: r.alert_type,
      severity: r.severity,
      message: r.message,
      raised_at: r.raised_at,
      open_hours: Math.floor((to.getTime() - Date.parse(r.raised_at)) / HOUR),
    }));
}
