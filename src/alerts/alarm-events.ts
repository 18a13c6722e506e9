// The alarm event log (ISA-18.2 / EEMUA 191 journal): one row per change of an alert, written by
// the alert services in the transaction of the change, so the log and the alert rows never differ.
// The alarm KPIs (alarm-kpis.ts) are computed from it.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

export const ALARM_EVENTS = [
  'raise',
  'suppress',
  'clear',
  'acknowledge',
  'shelve',
  'unshelve',
  'resolve',
] as const;
export type AlarmEventKind = (typeof ALARM_EVENTS)[number];

/** What an event row copies from its alert, so KPIs need no join to group and filter. */
export interface AlarmEventSubject {
  id: number;
  instrument_id: number | null;
  source: string | null;
  alert_type: string;
  condition_key: string;
  severity: string;
}

export async function recordAlarmEvent(
  trx: Kysely<DB>,
  alert: AlarmEventSubject,
  event: AlarmEventKind,
  at: string,
  opts: { userId?: number | null; details?: Record<string, unknown> } = {},
): Promise<void> {
  await trx
    .insertInto('alarm_events')
    .values({
      at,
      event,
      alert_id: alert.id,
      instrument_id: alert.instrument_id,
      source: alert.source,
      alert_type: alert.alert_type,
      condition_key: alert.condition_key,
      severity: alert.severity,
      user_id: opts.userId ?? null,
      details: opts.details ? JSON.stringify(opts.details) : null,
      created_at: at,
    })
    .execute();
}

/** The alert row as an event subject (for callers holding only its id). */
export async function eventSubject(trx: Kysely<DB>, alertId: number): Promise<AlarmEventSubject> {
  return trx
    .selectFrom('alert_records')
    .select(['id', 'instrument_id', 'source', 'alert_type', 'condition_key', 'severity'])
    .where('id', '=', alertId)
    .executeTakeFirstOrThrow();
}

/** The events of one alert, oldest first (the alert's history on its page). */
export async function listAlarmEvents(db: Kysely<DB>, alertId: number) {
  const rows = await db
    .selectFrom('alarm_events')
    .leftJoin('users', 'users.id', 'alarm_events.user_id')
    .select([
      'alarm_events.id',
      'alarm_events.at',
      'alarm_events.event',
      'alarm_events.severity',
      'alarm_events.user_id',
      'users.full_name as user_name',
      'alarm_events.details',
    ])
    .where('alarm_events.alert_id', '=', alertId)
    .orderBy('alarm_events.at')
    .orderBy('alarm_events.id')
    .execute();
  return rows.map((r) => ({
    ...r,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  }));
}
