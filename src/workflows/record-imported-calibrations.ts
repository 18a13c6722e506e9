// Imported calibration history (src/imports/): the records are the calibration module's; the
// instrument's predicted interval and the overdue alert their new last calibration ends follow here,
// in the import's one transaction.
import type { Kysely } from 'kysely';
import { clearAlertCondition, listAlerts } from '../alerts/alert-service.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { sealCalibration } from '../calibration/calibration-service.ts';
import { effectiveIntervalDays, isOverdue, nextDueDate } from '../calibration/due-dates.ts';
import {
  findImportedCalibration,
  type ImportedCalibration,
  type ImportSource,
  insertImportedRecord,
  setImportedDueDate,
  UNIQUE_VIOLATION,
} from '../calibration/imported-records.ts';
import { countsForDueDate, inForce } from '../calibration/in-force.ts';
import type { DB } from '../db/schema.ts';
import { refreshPredictedInterval } from '../instruments/predicted-interval.ts';
import { ConflictError } from '../shared/errors.ts';

/**
 * Writes imported calibrations of one instrument (call inside the import's transaction): each record
 * is sealed and audited with the file, its sha256 and its rows; then the instrument's predicted
 * interval, the records' due dates and any overdue alert the new last calibration ends follow.
 * Records already imported are skipped. Returns the ids created.
 */
export async function recordImportedCalibrations(
  trx: Kysely<DB>,
  actorId: number,
  items: { input: ImportedCalibration; source: ImportSource }[],
  now: Date,
): Promise<number[]> {
  if (items.length === 0) return [];
  const at = now.toISOString();
  const instrumentId = items[0].input.instrument_id;
  const inst = await trx
    .selectFrom('instruments')
    .selectAll()
    .where('id', '=', instrumentId)
    .executeTakeFirstOrThrow();
  const created: number[] = [];
  for (const { input, source } of items) {
    if (await findImportedCalibration(trx, inst.id, input.performed_at, input.kind)) continue;
    let id: number;
    try {
      ({ id } = await insertImportedRecord(trx, actorId, input, inst, at));
    } catch (e) {
      // Another import wrote this record meanwhile (the unique index decided).
      if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '')) {
        throw new ConflictError(
          'import_conflict',
          `another import recorded the ${inst.tag} calibration of ${input.performed_at} meanwhile; nothing was imported, try again`,
          { tag: inst.tag, performed_at: input.performed_at },
        );
      }
      throw e;
    }
    created.push(id);
    const interval = effectiveIntervalDays(inst);
    await setImportedDueDate(trx, id, nextDueDate(input.performed_at, inst.created_at, interval));
    const contentHash = await sealCalibration(trx, id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'import',
      entityType: 'calibration_record',
      entityId: id,
      newValue: {
        instrument_id: inst.id,
        tag: inst.tag,
        performed_at: input.performed_at,
        import_kind: input.kind,
        performed_by_name: input.performed_by_name,
        reference_standard_text: input.reference_standard_text,
        points: input.points.length,
        file: source.file,
        sha256: source.sha256,
        rows: source.rows,
        content_hash: contentHash,
      },
      at,
    });
  }
  if (created.length === 0) return created;
  const prediction = await refreshPredictedInterval(trx, inst.id, now);
  const last = await trx
    .selectFrom('calibration_records as cr')
    .where('cr.instrument_id', '=', inst.id)
    .where(inForce('cr.id'))
    .where(countsForDueDate('cr'))
    .select((eb) => eb.fn.max('cr.performed_at').as('m'))
    .executeTakeFirstOrThrow();
  const due = nextDueDate(
    last.m,
    inst.created_at,
    effectiveIntervalDays({ ...inst, predicted_interval_days: prediction.predicted_interval_days }),
  );
  if (!isOverdue(due, now)) {
    const open = await listAlerts(trx, {
      instrument_id: inst.id,
      alert_type: 'calibration_overdue',
      status: 'active',
      include_suppressed: true,
      limit: 100,
      offset: 0,
    });
    for (const a of open.items) {
      await clearAlertCondition(
        trx,
        { instrumentId: inst.id, alertType: 'calibration_overdue', conditionKey: a.condition },
        at,
      );
    }
  }
  return created;
}
