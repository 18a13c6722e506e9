import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool, parseJson } from '../shared/db-values.ts';
import { ConflictError, NotFoundError } from '../shared/errors.ts';
import { recordAlarmEvent } from './alarm-events.ts';
import { isOutOfService } from './out-of-service.ts';
import { type AlertType, maxSeverity, type Severity } from './types.ts';

export interface RaiseAlertInput {
  instrumentId: number;
  alertType: AlertType;
  /** The source condition, e.g. 'high_critical', 'stuck', 'cusum_up', or a due date for overdue. */
  conditionKey: string;
  severity: Severity;
  message: string;
  details?: Record<string, unknown>;
  /** Event time (ISO). */
  at: string;
}

/** Runs fn in the caller's transaction, or in a new one. */
export function inTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

const selectAlert = (db: Kysely<DB>) =>
  db
    .selectFrom('alert_records')
    // Left join: a source alert (instrument_id null) has no instrument.
    .leftJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
    .leftJoin('users as ack', 'ack.id', 'alert_records.acknowledged_by')
    .leftJoin('users as res', 'res.id', 'alert_records.resolved_by')
    .leftJoin('users as shelf', 'shelf.id', 'alert_records.shelved_by')
    .selectAll('alert_records')
    .select([
      'instruments.tag as tag',
      'instruments.unit as unit',
      'ack.full_name as acknowledged_by_name',
      'res.full_name as resolved_by_name',
      'shelf.full_name as shelved_by_name',
    ])
    .select((eb) =>
      eb
        .selectFrom('work_orders')
        .whereRef('work_orders.alert_id', '=', 'alert_records.id')
        .select((e) => e.fn.max('work_orders.id').as('w'))
        .as('work_order_id'),
    );

type AlertJoined = NonNullable<Awaited<ReturnType<ReturnType<typeof selectAlert>['executeTakeFirst']>>>;

export function toPublicAlert(r: AlertJoined) {
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    source: r.source,
    alert_type: r.alert_type as AlertType,
    severity: r.severity as Severity,
    status: r.status,
    condition: r.condition_key,
    message: r.message,
    details: parseJson<Record<string, unknown>>(r.details),
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    occurrence_count: r.occurrence_count,
    cleared_at: r.cleared_at,
    suppressed: bool(r.suppressed),
    acknowledged_by: r.acknowledged_by,
    acknowledged_by_name: r.acknowledged_by_name,
    acknowledged_at: r.acknowledged_at,
    resolved_by: r.resolved_by,
    resolved_by_name: r.resolved_by_name,
    resolved_at: r.resolved_at,
    resolution_notes: r.resolution_notes,
    shelved: r.shelved_at !== null,
    shelved_at: r.shelved_at,
    /** null while shelved: one-shot, until the condition clears. */
    shelved_until: r.shelved_until,
    shelved_by: r.shelved_by,
    shelved_by_name: r.shelved_by_name,
    shelve_reason: r.shelve_reason,
    work_order_id: r.work_order_id ?? null,
    created_at: r.created_at,
  };
}
export type PublicAlert = ReturnType<typeof toPublicAlert>;

export async function getAlert(db: Kysely<DB>, id: number): Promise<PublicAlert> {
  const r = await selectAlert(db).where('alert_records.id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError('alert', id);
  return toPublicAlert(r);
}

function findOpen(db: Kysely<DB>, instrumentId: number, alertType: string, conditionKey: string) {
  return (
    db
      .selectFrom('alert_records')
      .selectAll()
      .where('instrument_id', '=', instrumentId)
      .where('alert_type', '=', alertType)
      .where('condition_key', '=', conditionKey)
      .where('status', '<>', 'resolved')
      // Dedup covers the open episode: a condition that cleared and came back is a new alert.
      .where('cleared_at', 'is', null)
      .executeTakeFirst()
  );
}

/**
 * Raises an alert, or updates the open one for the same (instrument, type, condition): a repeat
 * moves last_seen, counts the occurrence and may escalate severity, but never inserts a second.
 * Inside an instrument's suppression window (after maintenance or calibration) the alert is
 * recorded with `suppressed` set and does not count as active.
 */
export async function raiseAlert(
  db: Kysely<DB>,
  input: RaiseAlertInput,
): Promise<{ alert: PublicAlert; created: boolean }> {
  return inTransaction(db, async (trx) => {
    const instrument = await trx
      .selectFrom('instruments')
      .select(['suppressed_until'])
      .where('id', '=', input.instrumentId)
      .executeTakeFirst();
    if (!instrument) throw new NotFoundError('instrument', input.instrumentId);
    // Suppressed inside the window after maintenance or calibration, and while out of service.
    const suppressed =
      (instrument.suppressed_until !== null && instrument.suppressed_until > input.at) ||
      (await isOutOfService(trx, input.instrumentId, input.at));
    const open = await findOpen(trx, input.instrumentId, input.alertType, input.conditionKey);
    const details = input.details ? JSON.stringify(input.details) : null;
    if (open) {
      await trx
        .updateTable('alert_records')
        .set({
          // biome-ignore lint/complexity/useMathMinMax: ISO 8601 strings, compared as text
          last_seen: input.at > open.last_seen ? input.at : open.last_seen,
          occurrence_count: open.occurrence_count + 1,
          severity: maxSeverity(open.severity as Severity, input.severity),
          message: input.message,
          details: details ?? open.details,
          cleared_at: null,
          // A condition still present after the suppression window becomes a real alert.
          suppressed: suppressed && bool(open.suppressed) ? 1 : 0,
          updated_at: input.at,
        })
        .where('id', '=', open.id)
        .execute();
      const alert = await getAlert(trx, open.id);
      // A suppressed alert whose condition outlived the suppression is now raised.
      if (bool(open.suppressed) && !alert.suppressed) await recordAlarmEvent(trx, open, 'raise', input.at);
      return { alert, created: false };
    }
    const row = await trx
      .insertInto('alert_records')
      .values({
        instrument_id: input.instrumentId,
        alert_type: input.alertType,
        condition_key: input.conditionKey,
        severity: input.severity,
        status: 'raised',
        message: input.message,
        details,
        first_seen: input.at,
        last_seen: input.at,
        suppressed: suppressed ? 1 : 0,
        created_at: input.at,
        updated_at: input.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const alert = await getAlert(trx, row.id);
    await recordAudit(trx, {
      userId: null,
      action: 'raise',
      entityType: 'alert',
      entityId: row.id,
      newValue: alert,
      at: input.at,
    });
    await recordAlarmEvent(
      trx,
      { ...alert, condition_key: alert.condition },
      suppressed ? 'suppress' : 'raise',
      input.at,
    );
    return { alert, created: true };
  });
}

/**
 * Records that the source condition has gone away. The alert stays open until someone resolves it
 * (or auto-resolve does); a one-shot shelf ends here, so the cleared alert shows again.
 */
export async function clearAlertCondition(
  db: Kysely<DB>,
  key: { instrumentId: number; alertType: AlertType; conditionKey: string },
  at: string,
): Promise<PublicAlert | null> {
  // Callers may already hold a transaction (recording a calibration clears its overdue alert).
  return inTransaction(db, async (trx) => {
    const open = await findOpen(trx, key.instrumentId, key.alertType, key.conditionKey);
    if (!open || open.cleared_at) return null;
    const res = await trx
      .updateTable('alert_records')
      .set({ cleared_at: at, updated_at: at })
      .where('id', '=', open.id)
      .where('status', '<>', 'resolved')
      .where('cleared_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return null;
    await recordAlarmEvent(trx, open, 'clear', at);
    if (open.shelved_at !== null && open.shelved_until === null) await endOneShotShelf(trx, open, at);
    return getAlert(trx, open.id);
  });
}

/** A one-shot shelf ends when its condition clears (audited and evented as an automatic unshelve). */
export async function endOneShotShelf(
  trx: Kysely<DB>,
  row: {
    id: number;
    instrument_id: number | null;
    source: string | null;
    alert_type: string;
    condition_key: string;
    severity: string;
  },
  at: string,
): Promise<void> {
  const res = await trx
    .updateTable('alert_records')
    .set({ shelved_at: null, shelved_until: null, shelved_by: null, shelve_reason: null, updated_at: at })
    .where('id', '=', row.id)
    .where('shelved_at', 'is not', null)
    .where('shelved_until', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return;
  const details = { reason: 'condition cleared (one-shot shelf)' };
  await recordAudit(trx, {
    userId: null,
    action: 'unshelve',
    entityType: 'alert',
    entityId: row.id,
    oldValue: { shelved: true },
    newValue: { shelved: false, ...details },
    at,
  });
  await recordAlarmEvent(trx, row, 'unshelve', at, { details });
}

/** The 409 a transition gets when the alert is no longer in a state it can leave that way. */
export async function invalidTransition(
  db: Kysely<DB>,
  id: number,
  to: 'acknowledged' | 'resolved' | 'shelved' | 'unshelved',
) {
  const { status, shelved } = await getAlert(db, id);
  const from = shelved && status !== 'resolved' ? 'shelved' : status;
  const message =
    to === 'acknowledged'
      ? shelved && status === 'raised'
        ? `alert ${id} is shelved: unshelve it before acknowledging`
        : `alert ${id} is ${status}: only raised alerts can be acknowledged`
      : to === 'resolved'
        ? `alert ${id} is already resolved`
        : to === 'shelved'
          ? status === 'resolved'
            ? `alert ${id} is resolved: only open alerts can be shelved`
            : `alert ${id} is already shelved`
          : `alert ${id} is not shelved`;
  return new ConflictError('alert_invalid_transition', message, { from, to });
}

/**
 * raised -> acknowledged. The UPDATE is guarded by the expected status, so of concurrent requests
 * (other processes included) exactly one changes the row and writes the audit row; the rest get 409.
 */
export async function acknowledgeAlert(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  at: string,
  notes?: string,
) {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('alert_records')
      .set({ status: 'acknowledged', acknowledged_by: actorId, acknowledged_at: at, updated_at: at })
      .where('id', '=', id)
      .where('status', '=', 'raised')
      // A shelved alert is out of sight: unshelve it first (a shelve racing the acknowledge wins or loses whole).
      .where('shelved_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw await invalidTransition(trx, id, 'acknowledged');
    }
    const after = await getAlert(trx, id);
    await recordAlarmEvent(trx, { ...after, condition_key: after.condition }, 'acknowledge', at, {
      userId: actorId,
      ...(notes ? { details: { notes } } : {}),
    });
    await recordAudit(trx, {
      userId: actorId,
      action: 'acknowledge',
      entityType: 'alert',
      entityId: id,
      oldValue: { status: 'raised' },
      newValue: { status: after.status, ...(notes ? { notes } : {}) },
      at,
    });
    return after;
  });
}

/** raised | acknowledged -> resolved, guarded like acknowledgeAlert: one resolver wins. */
export async function resolveAlert(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  notes: string,
  at: string,
  after: AfterCommit,
) {
  const resolved = await db.transaction().execute(async (trx) => {
    // The status read first is the one the UPDATE requires, so the audit row's old status is exact;
    // an acknowledge landing in between sends us round once more.
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = await getAlert(trx, id);
      if (before.status === 'resolved') break;
      const res = await trx
        .updateTable('alert_records')
        .set({
          status: 'resolved',
          resolved_by: actorId,
          resolved_at: at,
          resolution_notes: notes.trim(),
          // Resolving without acknowledging first still records who took responsibility.
          acknowledged_by: before.acknowledged_by ?? actorId,
          acknowledged_at: before.acknowledged_at ?? at,
          shelved_at: null,
          shelved_until: null,
          updated_at: at,
        })
        .where('id', '=', id)
        .where('status', '=', before.status)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue;
      const after = await getAlert(trx, id);
      await recordAudit(trx, {
        userId: actorId,
        action: 'resolve',
        entityType: 'alert',
        entityId: id,
        oldValue: { status: before.status },
        newValue: { status: 'resolved', resolution_notes: after.resolution_notes },
        at,
      });
      await recordAlarmEvent(trx, { ...after, condition_key: after.condition }, 'resolve', at, {
        userId: actorId,
      });
      return after;
    }
    throw await invalidTransition(trx, id, 'resolved');
  });
  // The live aggregator stops deduplicating against it (src/monitoring).
  after.emit('alert.resolved', resolved.id, resolved.instrument_id);
  return resolved;
}

export interface AlertQuery {
  /** raised | acknowledged | resolved, or 'active' (not resolved) or 'all'. Default: active. */
  status?: string;
  alert_type?: string;
  severity?: string;
  instrument_id?: number;
  /** Alerts of any of these instruments (a batch of an import). */
  instrument_ids?: readonly number[];
  tag?: string;
  from?: string;
  to?: string;
  include_suppressed?: boolean;
  /** Shelved alerts are left out of the active lists unless asked for (or status 'shelved'). */
  include_shelved?: boolean;
  limit: number;
  offset: number;
}

export async function listAlerts(db: Kysely<DB>, q: AlertQuery) {
  let query = selectAlert(db);
  const status = q.status ?? 'active';
  if (status === 'active') query = query.where('alert_records.status', '<>', 'resolved');
  else if (status === 'shelved') {
    query = query
      .where('alert_records.status', '<>', 'resolved')
      .where('alert_records.shelved_at', 'is not', null);
  } else if (status !== 'all') query = query.where('alert_records.status', '=', status);
  // include_suppressed asks for everything recorded but not active, shelved alerts included.
  if (status !== 'shelved' && status !== 'all' && !q.include_shelved && !q.include_suppressed) {
    query = query.where('alert_records.shelved_at', 'is', null);
  }
  if (!q.include_suppressed) query = query.where('alert_records.suppressed', '=', 0);
  if (q.alert_type) query = query.where('alert_records.alert_type', '=', q.alert_type);
  if (q.severity) query = query.where('alert_records.severity', '=', q.severity);
  if (q.instrument_id) query = query.where('alert_records.instrument_id', '=', q.instrument_id);
  if (q.instrument_ids)
    query = query.where(
      'alert_records.instrument_id',
      'in',
      q.instrument_ids.length ? q.instrument_ids : [-1],
    );
  if (q.tag) query = query.where('instruments.tag', '=', q.tag);
  if (q.from) query = query.where('alert_records.last_seen', '>=', q.from);
  if (q.to) query = query.where('alert_records.first_seen', '<=', q.to);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('alert_records.last_seen', 'desc')
    .orderBy('alert_records.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toPublicAlert), total: Number(n), limit: q.limit, offset: q.offset };
}

/** Open, unsuppressed, unshelved alerts, counted for the dashboard and the navigation badge. */
export async function countActiveAlerts(db: Kysely<DB>): Promise<number> {
  const { n } = await db
    .selectFrom('alert_records')
    .leftJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('alert_records.status', '<>', 'resolved')
    .where('alert_records.suppressed', '=', 0)
    .where('alert_records.shelved_at', 'is', null)
    .where((eb) =>
      eb.or([eb('instruments.deleted_at', 'is', null), eb('alert_records.instrument_id', 'is', null)]),
    )
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** An open (not resolved) alert as the live aggregator tracks it. */
export interface OpenAlertKey {
  id: number;
  instrument_id: number;
  alert_type: AlertType;
  condition_key: string;
  severity: Severity;
  message: string;
  details: Record<string, unknown> | null;
  last_seen: string;
  cleared: boolean;
  suppressed: boolean;
}

/** Every open alert of the given types, so a restarted aggregator dedups against them without SQL. */
export async function listOpenAlertKeys(
  db: Kysely<DB>,
  types: readonly AlertType[],
): Promise<OpenAlertKey[]> {
  if (types.length === 0) return [];
  const rows = await db
    .selectFrom('alert_records')
    .select([
      'id',
      'instrument_id',
      'alert_type',
      'condition_key',
      'severity',
      'message',
      'details',
      'last_seen',
      'cleared_at',
      'suppressed',
    ])
    .where('status', '<>', 'resolved')
    .where('alert_type', 'in', [...types])
    .where('instrument_id', 'is not', null)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    instrument_id: r.instrument_id as number,
    alert_type: r.alert_type as AlertType,
    condition_key: r.condition_key,
    severity: r.severity as Severity,
    message: r.message,
    details: parseJson<Record<string, unknown>>(r.details),
    last_seen: r.last_seen,
    cleared: r.cleared_at !== null,
    suppressed: bool(r.suppressed),
  }));
}

export interface AlertRepeat {
  id: number;
  /** Event time (ISO) the condition was last seen; last_seen only moves forward. */
  lastSeen: string;
  /** Repeats of the raise since the last write (0 when only last_seen moves). */
  occurrences: number;
  /** The alert was recorded inside a suppression window: re-check the window at lastSeen. */
  suppressed: boolean;
}

/**
 * Writes the repeats of open conditions collected in memory, one transaction for the batch: the
 * aggregator calls this every few seconds instead of once per reading. A repeat of a suppressed
 * alert past its instrument's window turns it into a real one, as raiseAlert does. Returns the alerts
 * still open with their suppression; an id missing from the answer was resolved meanwhile.
 */
export async function recordAlertRepeats(
  db: Kysely<DB>,
  repeats: readonly AlertRepeat[],
  at: string,
): Promise<Map<number, { suppressed: boolean }>> {
  const open = new Map<number, { suppressed: boolean }>();
  if (repeats.length === 0) return open;
  await db.transaction().execute(async (trx) => {
    for (const r of repeats) {
      // Whether the row is suppressed now: only a 1 -> 0 change below is a raise in the journal.
      const was = r.suppressed
        ? await trx.selectFrom('alert_records').select('suppressed').where('id', '=', r.id).executeTakeFirst()
        : undefined;
      const row = await trx
        .updateTable('alert_records')
        .set((eb) => ({
          last_seen: eb
            .case()
            .when('last_seen', '<', r.lastSeen)
            .then(r.lastSeen)
            .else(eb.ref('last_seen'))
            .end(),
          occurrence_count: eb('occurrence_count', '+', r.occurrences),
          updated_at: at,
          ...(r.suppressed
            ? {
                suppressed: eb
                  .case()
                  .when(
                    eb.or([
                      eb.exists(
                        eb
                          .selectFrom('instruments')
                          .select('instruments.id')
                          .whereRef('instruments.id', '=', 'alert_records.instrument_id')
                          .where('instruments.suppressed_until', '>', r.lastSeen),
                      ),
                      // Still out of service (alert-service's raise rule, out-of-service.ts).
                      eb.exists(
                        eb
                          .selectFrom('instrument_out_of_service as oos')
                          .select('oos.id')
                          .whereRef('oos.instrument_id', '=', 'alert_records.instrument_id')
                          .where('oos.started_at', '<=', r.lastSeen)
                          .where((w) =>
                            w.or([w('oos.ended_at', 'is', null), w('oos.ended_at', '>', r.lastSeen)]),
                          ),
                      ),
                    ]),
                  )
                  .then(1)
                  .else(0)
                  .end(),
              }
            : {}),
        }))
        .where('id', '=', r.id)
        .where('status', '<>', 'resolved')
        .returning(['id', 'suppressed', 'instrument_id', 'source', 'alert_type', 'condition_key', 'severity'])
        .executeTakeFirst();
      if (!row) continue;
      open.set(row.id, { suppressed: bool(row.suppressed) });
      // Present past its suppression: from now on a real alarm, journalled as raised.
      if (was && bool(was.suppressed) && !bool(row.suppressed))
        await recordAlarmEvent(trx, row, 'raise', r.lastSeen);
    }
  });
  return open;
}
