export const MAINTENANCE_ACTION_TYPES = [
  'corrective',
  'preventive',
  'inspection',
  'repair',
  'replacement',
  'adjustment',
  'cleaning',
  'other',
] as const;

export interface MaintenanceRecord {
  id: number;
  instrument_id: number;
  tag: string;
  performed_at: string;
  action_type: string;
  technician_id: number;
  technician_name: string;
  description: string;
  parts_used: string | null;
  duration_minutes: number | null;
  work_order_id: number | null;
  created_at: string;
}

export interface MaintenanceInput {
  instrument_id: number;
  action_type: string;
  description: string;
  parts_used?: string | null;
  duration_minutes?: number | null;
  performed_at?: string;
  work_order_id?: number;
}
