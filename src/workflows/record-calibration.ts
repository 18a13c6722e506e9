import type { Kysely } from 'kysely';
import { clearAlertCondition, listAlerts } from '../alerts/alert-service.ts';
import type { PublicCalibration } from '../calibration/calibration-records.ts';
import {
  auditCalibrationRecord,
  type CalibratedInstrument,
  type CalibrationDeps,
  type CalibrationInput,
  type CalibrationResult,
  calibratedInstrument,
  checkedPerformedAt,
  correctiveWork,
  evaluateCalibration,
  insertCalibrationRecord,
  type PreparedCalibration,
  prepareCalibration,
  setNextDueDate,
} from '../calibration/calibration-service.ts';
import { isOverdue } from '../calibration/due-dates.ts';
import { openImpactAssessment } from '../calibration/impact-assessment.ts';
import type { CalibrationWarning } from '../calibration/procedure-enforcement.ts';
import { signIfNeeded } from '../calibration/signing.ts';
import type { DB, Role } from '../db/schema.ts';
import { deviceInstalledAt } from '../devices/installations.ts';
import { extendSuppressionWindow } from '../instruments/instrument-service.ts';
import { refreshPredictedInterval } from '../instruments/predicted-interval.ts';
import { bool } from '../shared/db-values.ts';
import { assertOpenCalibrationOrder, linkCalibrationRecord } from '../work-orders/calibration-link.ts';
import { createGeneratedWorkOrder } from '../work-orders/work-order-service.ts';

/**
 * Records a calibration, in one transaction: the record and its points (calibration), the
 * condition-based interval refreshed and the alert suppression window started (instruments), the
 * record's due date, the work order it was done under linked (work orders), a corrective work order
 * when the instrument was found (or left) out of tolerance with its impact assessment, and an
 * overdue condition the new due date ends cleared (alerts). After commit `calibration.recorded`
 * resets the instrument's CUSUM.
 */
export async function recordCalibration(
  db: Kysely<DB>,
  actor: { id: number; role: Role },
  input: CalibrationInput,
  deps: CalibrationDeps,
  /** An approved correction is written by the approving admin on behalf of its requester. */
  opts: { correctedBy?: number } = {},
): Promise<PublicCalibration & { warnings: CalibrationWarning[] }> {
  const at = deps.now.toISOString();
  const performedAt = checkedPerformedAt(input, deps.now);
  const run = async (trx: Kysely<DB>) => {
    const inst = await calibratedInstrument(trx, input.instrument_id);
    const prep = await prepareCalibration(trx, actor, inst, input, performedAt, opts);
    if (input.work_order_id !== undefined) {
      await assertOpenCalibrationOrder(trx, input.work_order_id, inst, performedAt, actor);
    }
    const { result, warnings } = evaluateCalibration(inst, prep);
    const deviceId = await deviceInstalledAt(trx, inst.id, performedAt);
    const recordId = await insertCalibrationRecord(trx, {
      inst,
      input,
      prep,
      result,
      performedAt,
      deviceId,
      at,
    });
    // The new record is now part of the history the prediction reads.
    const prediction = await refreshPredictedInterval(trx, inst.id, deps.now);
    const nextDue = await setNextDueDate(
      trx,
      recordId,
      { ...inst, predicted_interval_days: prediction.predicted_interval_days },
      performedAt,
    );
    const suppressedUntil = new Date(
      Date.parse(performedAt) + deps.settings.suppressionMinutes * 60_000,
    ).toISOString();
    await extendSuppressionWindow(trx, inst.id, suppressedUntil, at);
    if (input.work_order_id !== undefined) {
      await linkCalibrationRecord(trx, actor.id, input.work_order_id, recordId, at);
    }
    await openCorrectiveWork(trx, inst, recordId, prep, result, performedAt, deps);
    if (!isOverdue(nextDue, deps.now)) await clearOverdueCondition(trx, inst.id, at);
    const record = await auditCalibrationRecord(trx, actor, recordId, {
      corrects: input.corrects_id !== undefined,
      suppressedUntil,
      usePredictedInterval: bool(inst.use_predicted_interval),
      at,
    });
    await signIfNeeded(trx, actor, recordId, input.signature, deps.now, opts.correctedBy !== undefined);
    deps.after.emit('calibration.recorded', inst.id, performedAt);
    return { ...record, warnings };
  };
  // Approving a correction records it inside the approval's transaction.
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** A failed calibration opens its corrective work order (and impact assessment) once per event. */
async function openCorrectiveWork(
  trx: Kysely<DB>,
  inst: CalibratedInstrument,
  recordId: number,
  prep: PreparedCalibration,
  result: CalibrationResult,
  performedAt: string,
  deps: CalibrationDeps,
) {
  const work = correctiveWork(inst, recordId, prep, result, performedAt);
  if (!work) return;
  const corrective = await createGeneratedWorkOrder(
    trx,
    {
      instrument_id: inst.id,
      title: work.title,
      description: work.description,
      type: 'corrective',
      priority: work.priority,
    },
    { source: 'calibration_failed', source_key: work.sourceKey, calibration_record_id: recordId },
    deps,
  );
  if (work.assessImpact) {
    await openImpactAssessment(trx, {
      workOrderId: corrective.workOrder.id,
      calibrationId: recordId,
      instrumentId: inst.id,
      performedAt,
      at: deps.now.toISOString(),
    });
  }
}

/** The calibration is no longer overdue: its open overdue conditions have ended. */
async function clearOverdueCondition(trx: Kysely<DB>, instrumentId: number, at: string) {
  const open = await listAlerts(trx, {
    instrument_id: instrumentId,
    alert_type: 'calibration_overdue',
    status: 'active',
    include_suppressed: true,
    limit: 100,
    offset: 0,
  });
  for (const a of open.items) {
    await clearAlertCondition(
      trx,
      { instrumentId, alertType: 'calibration_overdue', conditionKey: a.condition },
      at,
    );
  }
}
