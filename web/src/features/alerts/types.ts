export const ALERT_TYPES = [
  'instrument_fault',
  'anomaly',
  'drift',
  'rule_violation',
  'data_gap',
  'calibration_overdue',
] as const;
export const SEVERITIES = ['critical', 'warning', 'advisory'] as const;

export interface Alert {
  id: number;
  /** Null for an alert on the ingestion source as a whole (one data_gap when nothing arrives). */
  instrument_id: number | null;
  tag: string | null;
  source?: string | null;
  alert_type: string;
  severity: string;
  status: string;
  condition: string;
  message: string;
  details: Record<string, unknown> | null;
  first_seen: string;
  last_seen: string;
  occurrence_count: number;
  cleared_at: string | null;
  suppressed: boolean;
  acknowledged_by: number | null;
  acknowledged_by_name: string | null;
  acknowledged_at: string | null;
  resolved_by: number | null;
  resolved_by_name: string | null;
  resolved_at: string | null;
  resolution_notes: string | null;
  shelved: boolean;
  shelved_at: string | null;
  /** Null while shelved: one-shot, until the condition clears. */
  shelved_until: string | null;
  shelved_by_name: string | null;
  shelve_reason: string | null;
  work_order_id: number | null;
  created_at: string;
}
