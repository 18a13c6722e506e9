import type { Kysely } from 'kysely';
import { clearAlertCondition, listAlerts, raiseAlert } from '../alerts/alert-service.ts';
import { dueDay, effectiveIntervalDays, isOverdue, nextDueDate } from '../calibration/due-dates.ts';
import { calibrationWorkKey } from '../calibration/due-list.ts';
import { lastCalibratedAt } from '../calibration/in-force.ts';
import type { DB } from '../db/schema.ts';
import { linkWorkOrderToAlert } from '../work-orders/alert-link.ts';
import type { WorkOrderPriority } from '../work-orders/lifecycle.ts';
import { createGeneratedWorkOrder, type WorkOrderDeps } from '../work-orders/work-order-service.ts';

const DAY_MS = 86_400_000;
/** Past this many days overdue the alert escalates to critical. */
const CRITICAL_AFTER_DAYS = 30;

export const PRIORITY_BY_CRITICALITY: Record<string, WorkOrderPriority> = {
  critical: 'urgent',
  high: 'high',
  medium: 'medium',
  low: 'low',
};

export interface OverdueScanResult {
  overdue: number;
  alerts_raised: number;
  work_orders_created: number;
  cleared: number;
}

/**
 * The calibration overdue scan (hourly, once at start, and within a minute of a due time passing:
 * planning/due-check.ts). For each instrument in service past its
 * due date it raises `calibration_overdue` keyed by the due day, and creates a calibration work
 * order keyed the same way, so repeated scans (or several processes) give one alert and one work
 * order per due date. A condition that has gone (calibrated since) is marked cleared.
 */
export async function scanCalibrationOverdue(
  db: Kysely<DB>,
  deps: WorkOrderDeps,
  onError: (err: unknown, instrumentId: number) => void = (err) => {
    throw err;
  },
): Promise<OverdueScanResult> {
  const now = deps.now;
  const at = now.toISOString();
  const instruments = await db
    .selectFrom('instruments')
    .select([
      'instruments.id',
      'instruments.tag',
      'instruments.criticality',
      'instruments.created_at',
      'instruments.calibration_interval_days',
      'instruments.use_predicted_interval',
      'instruments.predicted_interval_days',
    ])
    .select(lastCalibratedAt('instruments.id').as('last_calibration_at'))
    .where('instruments.deleted_at', 'is', null)
    .where('instruments.status', '<>', 'out_of_service')
    .execute();
  const openAlerts = await listAlerts(db, {
    alert_type: 'calibration_overdue',
    status: 'active',
    include_suppressed: true,
    limit: 100_000,
    offset: 0,
  });
  const result: OverdueScanResult = { overdue: 0, alerts_raised: 0, work_orders_created: 0, cleared: 0 };

  for (const inst of instruments) {
    try {
      await scanOne(inst);
    } catch (err) {
      // One instrument's failure (e.g. a race with another process) must not stop the scan.
      onError(err, inst.id);
    }
  }
  return result;

  async function scanOne(inst: (typeof instruments)[number]) {
    const due = nextDueDate(inst.last_calibration_at ?? null, inst.created_at, effectiveIntervalDays(inst));
    const key = dueDay(due);
    const overdue = isOverdue(due, now);
    for (const a of openAlerts.items) {
      if (a.instrument_id !== inst.id || a.cleared_at || (overdue && a.condition === key)) continue;
      // The due date moved (calibrated, or the interval changed): that overdue condition has ended.
      await clearAlertCondition(
        db,
        { instrumentId: inst.id, alertType: 'calibration_overdue', conditionKey: a.condition },
        at,
      );
      result.cleared++;
    }
    if (!overdue) return;
    result.overdue++;
    const daysOverdue = Math.floor((now.getTime() - Date.parse(due)) / DAY_MS);
    const severity =
      inst.criticality === 'critical' || daysOverdue >= CRITICAL_AFTER_DAYS ? 'critical' : 'warning';
    const { alert, created } = await raiseAlert(db, {
      instrumentId: inst.id,
      alertType: 'calibration_overdue',
      conditionKey: key,
      severity,
      message: `${inst.tag} calibration overdue since ${key} (${daysOverdue} day${daysOverdue === 1 ? '' : 's'})`,
      details: {
        due_date: due,
        days_overdue: daysOverdue,
        last_calibration_at: inst.last_calibration_at ?? null,
      },
      at,
    });
    if (created) result.alerts_raised++;
    // One work order per due date: the one raised ahead of time (planning/lead-time-work.ts) has
    // the same key and is linked to the alert; otherwise it is created now, due on the due date.
    const wo = await db.transaction().execute(async (trx) => {
      const made = await createGeneratedWorkOrder(
        trx,
        {
          instrument_id: inst.id,
          title: `${inst.tag}: calibration overdue since ${key}`,
          description:
            `Calibration was due ${key}` +
            (inst.last_calibration_at
              ? `; last calibrated ${inst.last_calibration_at.slice(0, 10)}.`
              : '; never calibrated.'),
          type: 'calibration',
          priority: PRIORITY_BY_CRITICALITY[inst.criticality] ?? 'medium',
          due_date: due,
        },
        {
          source: 'calibration_overdue',
          source_key: calibrationWorkKey(inst.id, due),
          alert_id: alert.id,
        },
        deps,
      );
      if (!made.created && made.workOrder.alert_id === null)
        await linkWorkOrderToAlert(trx, made.workOrder.id, alert.id, at);
      return made;
    });
    if (wo.created) result.work_orders_created++;
  }
}
