import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';

/**
 * Links an alert to a work order raised before it (a calibration's work order raised ahead of its
 * due date, then the overdue alert). Guarded: only an order with no alert yet is linked, so two
 * scans at once link and audit it once. Returns whether this call linked it.
 */
export async function linkWorkOrderToAlert(
  trx: Kysely<DB>,
  workOrderId: number,
  alertId: number,
  at: string,
): Promise<boolean> {
  const res = await trx
    .updateTable('work_orders')
    .set({ alert_id: alertId, updated_at: at })
    .where('id', '=', workOrderId)
    .where('alert_id', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return false;
  await recordAudit(trx, {
    userId: null,
    action: 'update',
    entityType: 'work_order',
    entityId: workOrderId,
    oldValue: { alert_id: null },
    newValue: { alert_id: alertId },
    at,
  });
  return true;
}
