// Alerts about a data source rather than an instrument (instrument_id null, `source` set): today the
// ingestion source's data_gap, raised once when nothing arrives at all instead of one per instrument.
// Same identity rule as instrument alerts: one open episode per (source, type, condition); a
// condition that cleared and comes back is a new row. The partial unique index
// alert_records_source_open makes a second concurrent raise fail rather than duplicate.
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { recordAlarmEvent } from './alarm-events.ts';
import { endOneShotShelf, getAlert, type PublicAlert } from './alert-service.ts';
import type { AlertType, Severity } from './types.ts';

export interface SourceAlertKey {
  source: string;
  alertType: AlertType;
  conditionKey: string;
}

export interface RaiseSourceAlertInput extends SourceAlertKey {
  severity: Severity;
  message: string;
  details?: Record<string, unknown>;
  /** Event time (ISO). */
  at: string;
}

function findOpenEpisode(db: Kysely<DB>, key: SourceAlertKey) {
  return db
    .selectFrom('alert_records')
    .select([
      'id',
      'last_seen',
      'instrument_id',
      'source',
      'alert_type',
      'condition_key',
      'severity',
      'shelved_at',
      'shelved_until',
    ])
    .where('instrument_id', 'is', null)
    .where('source', '=', key.source)
    .where('alert_type', '=', key.alertType)
    .where('condition_key', '=', key.conditionKey)
    .where('status', '<>', 'resolved')
    .where('cleared_at', 'is', null)
    .executeTakeFirst();
}

/** The open, uncleared alert of a source condition, if any (read at start). */
export async function openSourceAlert(db: Kysely<DB>, key: SourceAlertKey): Promise<number | null> {
  return (await findOpenEpisode(db, key))?.id ?? null;
}

/** Raises the source alert, or counts a repeat on its open episode. */
export async function raiseSourceAlert(
  db: Kysely<DB>,
  input: RaiseSourceAlertInput,
): Promise<{ alert: PublicAlert; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const open = await findOpenEpisode(trx, input);
    if (open) {
      await trx
        .updateTable('alert_records')
        .set((eb) => ({
          // biome-ignore lint/complexity/useMathMinMax: ISO 8601 strings, compared as text
          last_seen: input.at > open.last_seen ? input.at : open.last_seen,
          occurrence_count: eb('occurrence_count', '+', 1),
          updated_at: input.at,
        }))
        .where('id', '=', open.id)
        .execute();
      return { alert: await getAlert(trx, open.id), created: false };
    }
    const row = await trx
      .insertInto('alert_records')
      .values({
        instrument_id: null,
        source: input.source,
        alert_type: input.alertType,
        condition_key: input.conditionKey,
        severity: input.severity,
        status: 'raised',
        message: input.message,
        details: input.details ? JSON.stringify(input.details) : null,
        first_seen: input.at,
        last_seen: input.at,
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
    await recordAlarmEvent(trx, { ...alert, condition_key: alert.condition }, 'raise', input.at);
    return { alert, created: true };
  });
}

/** Records that the source condition went away (the alert stays open until someone resolves it). */
export async function clearSourceAlert(db: Kysely<DB>, key: SourceAlertKey, at: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const open = await findOpenEpisode(trx, key);
    if (!open) return false;
    const res = await trx
      .updateTable('alert_records')
      .set({ cleared_at: at, last_seen: at > open.last_seen ? at : open.last_seen, updated_at: at })
      .where('id', '=', open.id)
      .where('cleared_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await recordAlarmEvent(trx, open, 'clear', at);
    if (open.shelved_at !== null && open.shelved_until === null) await endOneShotShelf(trx, open, at);
    return true;
  });
}
