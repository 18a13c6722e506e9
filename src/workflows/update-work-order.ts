import type { Kysely } from 'kysely';
import { linkRecordToWorkOrder } from '../calibration/calibration-service.ts';
import type { DB } from '../db/schema.ts';
import { insertMaintenanceRecord, maintenanceForWorkOrder } from '../maintenance/maintenance-records.ts';
import {
  type Actor,
  allowedChanges,
  applyWorkOrderPatch,
  finishWorkOrderChange,
  type WorkOrderChange,
  type WorkOrderDeps,
  type WorkOrderPatch,
} from '../work-orders/work-order-service.ts';

/**
 * Changes a work order (PATCH /api/work-orders/{id}), in one transaction: the guarded change
 * (work orders); on completion, the calibration record pointed back at the order (calibration) or,
 * for other work, the instrument's maintenance history entry (maintenance); then the alarms, the
 * completion's signature, the audit row and the assignee's notification (work orders).
 */
export async function updateWorkOrder(
  db: Kysely<DB>,
  actor: Actor,
  id: number,
  patch: WorkOrderPatch,
  deps: WorkOrderDeps,
) {
  const changes = allowedChanges(actor, patch);
  return db.transaction().execute(async (trx) => {
    const change = await applyWorkOrderPatch(trx, actor, id, changes, patch.signature, deps);
    if (change.statusChange === 'completed') await recordCompletion(trx, actor, change, deps);
    return finishWorkOrderChange(trx, actor, change, patch.signature, deps);
  });
}

/** What completed work leaves in the other modules' records. */
async function recordCompletion(trx: Kysely<DB>, actor: Actor, change: WorkOrderChange, deps: WorkOrderDeps) {
  const { before, merged, at } = change;
  const id = before.id;
  if (merged.type === 'calibration') {
    // The calibration record points back at the order it was done under.
    if (merged.calibration_record_id) {
      await linkRecordToWorkOrder(trx, actor.id, merged.calibration_record_id, id, at);
    }
    return;
  }
  if (await maintenanceForWorkOrder(trx, id)) return;
  // The completion record of non-calibration work is the instrument's maintenance history entry.
  await insertMaintenanceRecord(
    trx,
    actor.id,
    {
      instrument_id: before.instrument_id,
      performed_at: at,
      action_type: merged.type,
      technician_id: merged.assigned_to ?? actor.id,
      description: `Work order #${id}: ${merged.title}. ${merged.completion_notes}`,
      parts_used: merged.parts_used,
      duration_minutes: merged.actual_duration_minutes,
      work_order_id: id,
    },
    { now: deps.now, suppressionMinutes: deps.settings.suppressionMinutes },
  );
}
