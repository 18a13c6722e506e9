import { useState } from 'react';
import { AlertList } from '../../features/alerts/components/AlertList.tsx';
import type { Alert } from '../../features/alerts/types.ts';
import { WorkOrderForm } from '../../features/work-orders/components/WorkOrderForm.tsx';
import type { Severity, WorkOrderPriority, WorkOrderType } from '../../lib/api-types.ts';
import { useIsAdmin } from '../../lib/session.ts';
import { useAssigneeOptions } from '../options.ts';

const TYPE_FOR: Partial<Record<string, WorkOrderType>> = {
  calibration_overdue: 'calibration',
  drift: 'calibration',
};
const PRIORITY_FOR: Record<string, WorkOrderPriority> = {
  critical: 'urgent',
  warning: 'high',
  advisory: 'medium',
} satisfies Record<Severity, WorkOrderPriority>;

/** Alerts, with "raise a work order" for admins (the order is linked to the alert). */
export function AlertsRoute() {
  const isAdmin = useIsAdmin();
  const assignees = useAssigneeOptions();
  const [raising, setRaising] = useState<Alert | null>(null);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Alerts</h1>
          <p className="subtitle">
            Hardware faults, process anomalies, drift and limit violations across the plant.
          </p>
        </div>
      </header>
      <AlertList
        rowActions={(a) =>
          isAdmin && a.instrument_id !== null && a.status !== 'resolved' && !a.work_order_id ? (
            <button
              type="button"
              className="button button-small"
              aria-label={`Raise a work order for the alert on ${a.tag}`}
              onClick={() => setRaising(a)}
            >
              Work order…
            </button>
          ) : null
        }
      />
      {raising && (
        <WorkOrderForm
          fromAlert={{
            id: raising.id,
            tag: raising.tag ?? '',
            message: raising.message,
            suggestedType: TYPE_FOR[raising.alert_type] ?? 'corrective',
            suggestedPriority: PRIORITY_FOR[raising.severity] ?? 'medium',
          }}
          instruments={[]}
          assignees={assignees}
          onClose={() => setRaising(null)}
        />
      )}
    </div>
  );
}
