export const WORK_ORDER_TYPES = ['calibration', 'corrective', 'preventive', 'inspection'] as const;
export const WORK_ORDER_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const WORK_ORDER_STATUSES = ['open', 'in_progress', 'completed', 'cancelled'] as const;

export interface WorkOrder {
  id: number;
  instrument_id: number;
  tag: string;
  title: string;
  description: string | null;
  type: string;
  priority: string;
  status: string;
  assigned_to: number | null;
  assigned_to_name: string | null;
  created_by: number | null;
  created_by_name: string | null;
  due_date: string | null;
  overdue: boolean;
  sla_breached: boolean;
  sla_breached_at: string | null;
  estimated_duration_minutes: number | null;
  actual_duration_minutes: number | null;
  duration_variance_minutes: number | null;
  parts_used: string | null;
  completion_notes: string | null;
  cancel_reason: string | null;
  calibration_record_id: number | null;
  alert_id: number | null;
  pm_plan_id: number | null;
  /** manual | alert | calibration_overdue | calibration_failed | pm */
  source: string;
  started_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WorkOrderPlanning {
  title: string;
  description?: string | null;
  type: string;
  priority?: string;
  assigned_to?: number | null;
  due_date?: string | null;
  estimated_duration_minutes?: number | null;
}

export interface WorkOrderPatch extends Partial<WorkOrderPlanning> {
  status?: string;
  completion_notes?: string | null;
  actual_duration_minutes?: number | null;
  parts_used?: string | null;
  calibration_record_id?: number | null;
  cancel_reason?: string | null;
  /** The performer's electronic signature on completion (issue 13). */
  signature?: { password: string; comment?: string | null };
}

export const TYPE_WORD: Record<string, string> = {
  calibration: 'Calibration',
  corrective: 'Corrective',
  preventive: 'Preventive',
  inspection: 'Inspection',
};

export const SOURCE_WORD: Record<string, string> = {
  manual: 'Created by hand',
  alert: 'Raised from an alert',
  calibration_overdue: 'Calibration overdue (automatic)',
  calibration_failed: 'Failed calibration (automatic)',
  pm: 'Preventive maintenance plan',
};

export interface Option {
  id: number;
  label: string;
}
