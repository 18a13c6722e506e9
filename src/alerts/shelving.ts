// Shelving (ISA-18.2): an operator hides an open alert for a while, with a reason. One-shot: until
// its condition clears (clearAlertCondition ends the shelf). Timed: until shelved_until, at most
// ALERT_SHELVE_MAX_HOURS ahead; the periodic alarm scan (alarm-scheduler.ts) returns it when the
// time is up. A shelved alert stays recorded (and journalled) but is not active: lists, counts and
// the dashboard leave it out. Shelve and acknowledge exclude each other, so of concurrent shelve,
// acknowledge and resolve requests exactly one wins on both dialects.
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { ValidationError } from '../shared/errors.ts';
import { recordAlarmEvent } from './alarm-events.ts';
import { getAlert, inTransaction, invalidTransition, type PublicAlert } from './alert-service.ts';

export interface ShelveInput {
  reason: string;
  /** Minutes to shelve for; omitted: one-shot (until the condition clears). */
  minutes?: number;
}

export async function shelveAlert(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  input: ShelveInput,
  at: string,
  maxHours: number,
): Promise<PublicAlert> {
  if (input.minutes !== undefined && input.minutes > maxHours * 60) {
    throw new ValidationError(
      'minutes',
      `an alert can be shelved for at most ${maxHours} h (${maxHours * 60} minutes)`,
      {
        max_minutes: maxHours * 60,
      },
    );
  }
  const until =
    input.minutes === undefined ? null : new Date(Date.parse(at) + input.minutes * 60_000).toISOString();
  return inTransaction(db, async (trx) => {
    const before = await getAlert(trx, id);
    // Guarded by the status read and "not shelved": a concurrent acknowledge, resolve or shelve
    // changes one of them, so only one of the racers finds the row as it expects.
    const res = await trx
      .updateTable('alert_records')
      .set({
        shelved_at: at,
        shelved_until: until,
        shelved_by: actorId,
        shelve_reason: input.reason.trim(),
        updated_at: at,
      })
      .where('id', '=', id)
      .where('status', '=', before.status)
      .where('status', '<>', 'resolved')
      .where('shelved_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw await invalidTransition(trx, id, 'shelved');
    const after = await getAlert(trx, id);
    const details = { reason: after.shelve_reason, until, kind: until ? 'timed' : 'one_shot' };
    await recordAudit(trx, {
      userId: actorId,
      action: 'shelve',
      entityType: 'alert',
      entityId: id,
      oldValue: { status: before.status, shelved: false },
      newValue: { shelved: true, ...details },
      at,
    });
    await recordAlarmEvent(trx, { ...after, condition_key: after.condition }, 'shelve', at, {
      userId: actorId,
      details,
    });
    return after;
  });
}

/** Returns a shelved alert to the active list (by hand, or when its time is up: actorId null). */
export async function unshelveAlert(
  db: Kysely<DB>,
  actorId: number | null,
  id: number,
  reason: string | null,
  at: string,
  opts: { expiredOnly?: boolean } = {},
): Promise<PublicAlert | null> {
  return inTransaction(db, async (trx) => {
    let q = trx
      .updateTable('alert_records')
      .set({ shelved_at: null, shelved_until: null, shelved_by: null, shelve_reason: null, updated_at: at })
      .where('id', '=', id)
      .where('shelved_at', 'is not', null)
      .where('status', '<>', 'resolved');
    if (opts.expiredOnly) q = q.where('shelved_until', '<=', at);
    const before = await getAlert(trx, id);
    const res = await q.executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      if (opts.expiredOnly) return null; // unshelved or resolved meanwhile: nothing to do
      throw await invalidTransition(trx, id, 'unshelved');
    }
    const after = await getAlert(trx, id);
    const details = {
      reason: reason?.trim() || (actorId === null ? 'shelf expired' : null),
      shelved_at: before.shelved_at,
      shelved_until: before.shelved_until,
    };
    await recordAudit(trx, {
      userId: actorId,
      action: 'unshelve',
      entityType: 'alert',
      entityId: id,
      oldValue: { shelved: true, reason: before.shelve_reason, until: before.shelved_until },
      newValue: { shelved: false, ...(details.reason ? { reason: details.reason } : {}) },
      at,
    });
    await recordAlarmEvent(trx, { ...after, condition_key: after.condition }, 'unshelve', at, {
      userId: actorId,
      details,
    });
    return after;
  });
}

/** Timed shelves whose time is up at `now` return (the periodic alarm scan). Returns how many. */
export async function expireShelves(db: Kysely<DB>, now: Date): Promise<number> {
  const at = now.toISOString();
  const due = await db
    .selectFrom('alert_records')
    .select('id')
    .where('shelved_at', 'is not', null)
    .where('shelved_until', '<=', at)
    .where('status', '<>', 'resolved')
    .execute();
  let n = 0;
  for (const { id } of due) {
    if (await unshelveAlert(db, null, id, null, at, { expiredOnly: true })) n++;
  }
  return n;
}
