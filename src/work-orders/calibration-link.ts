import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, Role } from '../db/schema.ts';
import { beforeMinuteOf } from '../shared/clock.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../shared/errors.ts';
import { isOpenStatus } from './lifecycle.ts';

// A calibration recorded under a work order (src/workflows/record-calibration.ts): the order it
// names must be open calibration work on that instrument, and then points at the record.

/**
 * The order is an open calibration work order of the instrument, opened before the work was done
 * (issue 13: work done before the order existed was not done for it), and the technician's own or
 * unassigned.
 */
export async function assertOpenCalibrationOrder(
  trx: Kysely<DB>,
  workOrderId: number,
  inst: { id: number; tag: string },
  performedAt: string,
  actor: { id: number; role: Role },
) {
  const wo = await trx
    .selectFrom('work_orders')
    .select(['id', 'instrument_id', 'type', 'status', 'assigned_to', 'created_at'])
    .where('id', '=', workOrderId)
    .executeTakeFirst();
  if (!wo || wo.instrument_id !== inst.id || wo.type !== 'calibration' || !isOpenStatus(wo.status)) {
    throw new ValidationError(
      'work_order_id',
      `work order ${workOrderId} is not an open calibration work order for ${inst.tag}`,
    );
  }
  if (beforeMinuteOf(performedAt, wo.created_at)) {
    throw new ValidationError(
      'performed_at',
      `work order #${wo.id} was opened at ${wo.created_at}; a calibration performed before it is not the one it asks for`,
    );
  }
  if (actor.role !== 'admin' && wo.assigned_to !== null && wo.assigned_to !== actor.id) {
    throw new ForbiddenError(
      `work order #${wo.id} is assigned to another user: technicians may record work only under their own or unassigned work orders`,
      'work_order_not_assigned',
      { assigned_to: wo.assigned_to },
    );
  }
}

/** Links the record to the order, guarded by the order still being open (409 `work_order_closed`). */
export async function linkCalibrationRecord(
  trx: Kysely<DB>,
  actorId: number,
  workOrderId: number,
  recordId: number,
  at: string,
) {
  const linked = await trx
    .updateTable('work_orders')
    .set({ calibration_record_id: recordId, updated_at: at })
    .where('id', '=', workOrderId)
    .where('status', 'in', ['open', 'in_progress'])
    .executeTakeFirst();
  if (Number(linked.numUpdatedRows) !== 1) {
    throw new ConflictError('work_order_closed', `work order #${workOrderId} was closed meanwhile`);
  }
  await recordAudit(trx, {
    userId: actorId,
    action: 'link_calibration',
    entityType: 'work_order',
    entityId: workOrderId,
    newValue: { calibration_record_id: recordId },
    at,
  });
}
