// Imported calibration history (src/imports/): the records are the calibration module's; the
// instrument's predicted interval and the overdue alert their new last calibration ends follow here,
// in the import's one transaction. Set-based: an import writes thousands of records, so each step
// is a statement per batch of rows, not per record.
import type { Kysely } from 'kysely';
import { clearAlertCondition, listOpenAlertKeys } from '../alerts/alert-service.ts';
import { type AuditEntry, recordAudits } from '../audit/audit-log.ts';
import { sealCalibrationRows } from '../calibration/calibration-service.ts';
import { effectiveIntervalDays, isOverdue, nextDueDate } from '../calibration/due-dates.ts';
import {
  type ImportedCalibration,
  type ImportSource,
  importedCalibrations,
  importedKey,
  insertImportedRecords,
  UNIQUE_VIOLATION,
} from '../calibration/imported-records.ts';
import { countsForDueDate, inForce } from '../calibration/in-force.ts';
import { batchesOf } from '../db/batches.ts';
import type { DB, InstrumentRow } from '../db/schema.ts';
import { refreshPredictedIntervals } from '../instruments/predicted-interval.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { ConflictError, NotFoundError } from '../shared/errors.ts';

/**
 * Writes imported calibrations (call inside the import's transaction): each record is sealed and
 * audited with the file, its sha256 and its rows; then each instrument's predicted interval, the
 * records' due dates and any overdue alert the new last calibration ends follow. Records already
 * imported are skipped. Returns the ids created, in the order given; after commit
 * `calibrations.imported` tells the live calibration states (the dashboard's health scores).
 */
export async function recordImportedCalibrations(
  trx: Kysely<DB>,
  actorId: number,
  items: readonly { input: ImportedCalibration; source: ImportSource }[],
  now: Date,
  after: AfterCommit,
): Promise<number[]> {
  if (items.length === 0) return [];
  const at = now.toISOString();
  const instrumentIds = [...new Set(items.map((i) => i.input.instrument_id))];
  const instruments = new Map<number, InstrumentRow>();
  for (const batch of batchesOf(instrumentIds)) {
    const rows = await trx.selectFrom('instruments').selectAll().where('id', 'in', batch).execute();
    for (const r of rows) instruments.set(r.id, r);
  }
  const done = new Set<string>();
  for (const kind of new Set(items.map((i) => i.input.kind)))
    for (const key of await importedCalibrations(trx, instrumentIds, kind)) done.add(`${kind}|${key}`);
  const fresh = items.filter(
    ({ input }) => !done.has(`${input.kind}|${importedKey(input.instrument_id, input.performed_at)}`),
  );
  if (fresh.length === 0) return [];
  const inst = (id: number) => {
    const row = instruments.get(id);
    if (!row) throw new NotFoundError('instrument', id);
    return row;
  };
  let inserted: Awaited<ReturnType<typeof insertImportedRecords>>;
  try {
    inserted = await insertImportedRecords(
      trx,
      actorId,
      fresh.map(({ input }) => {
        const i = inst(input.instrument_id);
        return {
          input,
          inst: i,
          nextDueAt: nextDueDate(input.performed_at, i.created_at, effectiveIntervalDays(i)),
        };
      }),
      at,
    );
  } catch (e) {
    // Another import wrote one of these records meanwhile (the unique index decided).
    if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '')) {
      const first = fresh[0].input;
      throw new ConflictError(
        'import_conflict',
        fresh.length === 1
          ? `another import recorded the ${inst(first.instrument_id).tag} calibration of ${first.performed_at} meanwhile; nothing was imported, try again`
          : 'another import recorded some of these calibrations meanwhile; nothing was imported, try again',
        fresh.length === 1 ? { tag: inst(first.instrument_id).tag, performed_at: first.performed_at } : {},
      );
    }
    throw e;
  }
  const { ids } = inserted;
  const hashes = await sealCalibrationRows(trx, inserted.records, inserted.points);
  await recordAudits(
    trx,
    fresh.map(
      ({ input, source }, n): AuditEntry => ({
        userId: actorId,
        action: 'import',
        entityType: 'calibration_record',
        entityId: ids[n],
        newValue: {
          instrument_id: input.instrument_id,
          tag: inst(input.instrument_id).tag,
          performed_at: input.performed_at,
          import_kind: input.kind,
          performed_by_name: input.performed_by_name,
          reference_standard_text: input.reference_standard_text,
          points: input.points.length,
          file: source.file,
          sha256: source.sha256,
          rows: source.rows,
          content_hash: hashes.get(ids[n]),
        },
        at,
      }),
    ),
  );
  const touched = [...new Set(fresh.map((f) => f.input.instrument_id))];
  await clearEndedOverdueAlerts(trx, instruments, await refreshPredictedIntervals(trx, touched, now), now);
  after.emit('calibrations.imported');
  return ids;
}

/** An overdue alert ends when the instruments' new last calibration puts the due date ahead again. */
async function clearEndedOverdueAlerts(
  trx: Kysely<DB>,
  instruments: Map<number, InstrumentRow>,
  /** The instruments that have new records, with their new prediction. */
  predictions: Map<number, { predicted_interval_days: number | null }>,
  now: Date,
) {
  const open = (await listOpenAlertKeys(trx, ['calibration_overdue'])).filter((a) =>
    predictions.has(a.instrument_id),
  );
  if (open.length === 0) return;
  const at = now.toISOString();
  const withAlerts = [...new Set(open.map((a) => a.instrument_id))];
  const lastOf = new Map<number, string | null>();
  for (const batch of batchesOf(withAlerts)) {
    const last = await trx
      .selectFrom('calibration_records as cr')
      .where('cr.instrument_id', 'in', batch)
      .where(inForce('cr.id'))
      .where(countsForDueDate('cr'))
      .select((eb) => ['cr.instrument_id', eb.fn.max('cr.performed_at').as('m')])
      .groupBy('cr.instrument_id')
      .execute();
    for (const r of last) lastOf.set(r.instrument_id, r.m as string | null);
  }
  const notOverdue = new Set(
    withAlerts.filter((id) => {
      const inst = instruments.get(id) as InstrumentRow;
      const predicted = predictions.get(id)?.predicted_interval_days ?? null;
      const due = nextDueDate(
        lastOf.get(id) ?? null,
        inst.created_at,
        effectiveIntervalDays({ ...inst, predicted_interval_days: predicted }),
      );
      return !isOverdue(due, now);
    }),
  );
  for (const a of open) {
    if (!notOverdue.has(a.instrument_id)) continue;
    await clearAlertCondition(
      trx,
      { instrumentId: a.instrument_id, alertType: 'calibration_overdue', conditionKey: a.condition_key },
      at,
    );
  }
}
