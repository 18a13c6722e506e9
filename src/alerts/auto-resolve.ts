// Auto-resolve: an alert whose condition has cleared and that someone acknowledged is resolved by
// the periodic alarm scan once ALERT_AUTO_RESOLVE_MINUTES (per alert type) have passed since both
// held, with an automatic note. Today a cleared, calibrated LT-403 would otherwise keep its overdue
// alert open until someone resolves it by hand. Audited (user null) and journalled like a resolve.
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { recordAlarmEvent } from './alarm-events.ts';
import { getAlert, inTransaction } from './alert-service.ts';
import type { AlertType } from './types.ts';

export type AutoResolveMinutes = Partial<Record<AlertType, number>>;

/** Resolves the alerts due at `now`; returns their ids. */
export async function autoResolveAlerts(
  db: Kysely<DB>,
  minutesByType: AutoResolveMinutes,
  now: Date,
): Promise<number[]> {
  const types = Object.keys(minutesByType) as AlertType[];
  if (types.length === 0) return [];
  const at = now.toISOString();
  const candidates = await db
    .selectFrom('alert_records')
    .select(['id', 'alert_type', 'cleared_at', 'acknowledged_at'])
    .where('status', '=', 'acknowledged')
    .where('cleared_at', 'is not', null)
    .where('alert_type', 'in', types)
    .execute();
  const resolved: number[] = [];
  for (const c of candidates) {
    const minutes = minutesByType[c.alert_type as AlertType] as number;
    const since = Math.max(Date.parse(c.cleared_at as string), Date.parse(c.acknowledged_at ?? at));
    if (now.getTime() - since < minutes * 60_000) continue;
    if (await resolveOne(db, c.id, minutes, at)) resolved.push(c.id);
  }
  return resolved;
}

async function resolveOne(db: Kysely<DB>, id: number, minutes: number, at: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const before = await getAlert(trx, id);
    const note =
      `Resolved automatically: the condition cleared at ${before.cleared_at} and the alert was ` +
      `acknowledged; no recurrence within ${minutes} min (ALERT_AUTO_RESOLVE_MINUTES).`;
    // Guarded like a manual resolve: someone resolving (or a condition returning) meanwhile wins.
    const res = await trx
      .updateTable('alert_records')
      .set({
        status: 'resolved',
        resolved_by: null,
        resolved_at: at,
        resolution_notes: note,
        shelved_at: null,
        shelved_until: null,
        updated_at: at,
      })
      .where('id', '=', id)
      .where('status', '=', 'acknowledged')
      .where('cleared_at', 'is not', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    const after = await getAlert(trx, id);
    await recordAudit(trx, {
      userId: null,
      action: 'resolve',
      entityType: 'alert',
      entityId: id,
      oldValue: { status: 'acknowledged' },
      newValue: { status: 'resolved', resolution_notes: note, automatic: true },
      at,
    });
    await recordAlarmEvent(trx, { ...after, condition_key: after.condition }, 'resolve', at, {
      details: { automatic: true, minutes },
    });
    return true;
  });
}
