import {
  allOf,
  type WorkOrderInput,
  type WorkOrderPriority,
  type WorkOrderStatus,
  type WorkOrderType,
} from '../../lib/api-types.ts';

export const WORK_ORDER_TYPES = allOf<WorkOrderType>()([
  'calibration',
  'corrective',
  'preventive',
  'inspection',
]);
export const WORK_ORDER_PRIORITIES = allOf<WorkOrderPriority>()(['low', 'medium', 'high', 'urgent']);
export const WORK_ORDER_STATUSES = allOf<WorkOrderStatus>()([
  'open',
  'in_progress',
  'completed',
  'cancelled',
]);

export type {
  WorkOrder,
  WorkOrderFromAlertInput,
  WorkOrderInput,
  WorkOrderPatch,
} from '../../lib/api-types.ts';

/** The planning fields of a work order, as the form edits them (create and admin edit). */
export type WorkOrderPlanning = Omit<WorkOrderInput, 'instrument_id'>;

export const TYPE_WORD: Record<string, string> = {
  calibration: 'Calibration',
  corrective: 'Corrective',
  preventive: 'Preventive',
  inspection: 'Inspection',
} satisfies Record<WorkOrderType, string>;

export const SOURCE_WORD: Record<string, string> = {
  manual: 'Created by hand',
  alert: 'Raised from an alert',
  calibration_overdue: 'Calibration overdue (automatic)',
  calibration_due: 'Calibration due soon (raised ahead, automatic)',
  calibration_failed: 'Failed calibration (automatic)',
  pm: 'Preventive maintenance plan',
};

export interface Option {
  id: number;
  label: string;
}
