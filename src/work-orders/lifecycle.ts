import { ConflictError } from '../shared/errors.ts';

export const WORK_ORDER_TYPES = ['calibration', 'corrective', 'preventive', 'inspection'] as const;
export type WorkOrderType = (typeof WORK_ORDER_TYPES)[number];

/** low < medium < high < urgent */
export const WORK_ORDER_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type WorkOrderPriority = (typeof WORK_ORDER_PRIORITIES)[number];

export const WORK_ORDER_STATUSES = ['open', 'in_progress', 'completed', 'cancelled'] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

/** open -> in_progress -> completed; open or in_progress -> cancelled. Completed and cancelled are final. */
export const TRANSITIONS: Record<WorkOrderStatus, readonly WorkOrderStatus[]> = {
  open: ['in_progress', 'cancelled'],
  in_progress: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export const isOpenStatus = (s: string) => s === 'open' || s === 'in_progress';

export function assertTransition(from: WorkOrderStatus, to: WorkOrderStatus): void {
  const allowed = TRANSITIONS[from];
  if (allowed.includes(to)) return;
  const next = allowed.length ? `allowed from ${from}: ${allowed.join(', ')}` : `${from} is a final state`;
  throw new ConflictError(
    'work_order_invalid_transition',
    `cannot move a work order from ${from} to ${to} (${next})`,
    { from, to, allowed },
  );
}
