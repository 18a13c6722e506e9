// Calibration work raised ahead (issue 18, part 6): a calibration's work order is opened
// CALIBRATION_LEAD_DAYS before it falls due, due on the calibration's due date (not the SLA counted
// from creation). Its source key is the due item's identity, the same key the overdue scan uses, so
// when the due date passes the overdue alert is linked to this order instead of opening a second.
// PM plans do the same in pm/pm-plan-service.ts (scanPmPlans, PM_LEAD_DAYS).
import type { Kysely } from 'kysely';
import { dueDay } from '../calibration/due-dates.ts';
import { calibrationDueList } from '../calibration/due-list.ts';
import type { DB } from '../db/schema.ts';
import { createGeneratedWorkOrder, type WorkOrderDeps } from '../work-orders/work-order-service.ts';
import { PRIORITY_BY_CRITICALITY } from '../workflows/calibration-overdue-scan.ts';

const DAY_MS = 86_400_000;

/** How far ahead work is raised: the lead, but never more than one interval (one occurrence ahead). */
export const leadMs = (leadDays: number, intervalDays: number) => Math.min(leadDays, intervalDays) * DAY_MS;

/**
 * Opens the calibration work order of every instrument whose calibration falls due within the lead
 * time and has none yet. Already-overdue calibrations are the overdue scan's (it raises the alert
 * with the order). Idempotent by source key: two scans at once create one order per due date.
 */
export async function raiseCalibrationWorkAhead(
  db: Kysely<DB>,
  deps: WorkOrderDeps,
  onError: (err: unknown, instrumentId: number) => void = (err) => {
    throw err;
  },
): Promise<number> {
  const now = deps.now.getTime();
  const lead = deps.settings.calibrationLeadDays;
  let created = 0;
  for (const item of await calibrationDueList(db)) {
    const due = Date.parse(item.due_at);
    if (due <= now || due - now > leadMs(lead, item.interval_days)) continue;
    try {
      const made = await db.transaction().execute((trx) =>
        createGeneratedWorkOrder(
          trx,
          {
            instrument_id: item.instrument_id,
            title: `${item.tag}: calibration due ${dueDay(item.due_at)}`,
            description:
              `Calibration falls due ${dueDay(item.due_at)} (every ${item.interval_days} days)` +
              (item.last_calibration_at
                ? `; last calibrated ${item.last_calibration_at.slice(0, 10)}.`
                : '; never calibrated.'),
            type: 'calibration',
            priority: PRIORITY_BY_CRITICALITY[item.criticality] ?? 'medium',
            due_date: item.due_at,
          },
          { source: 'calibration_due', source_key: item.work_order_key },
          deps,
        ),
      );
      if (made.created) created++;
    } catch (err) {
      onError(err, item.instrument_id);
    }
  }
  return created;
}
