export interface HealthCard {
  id: number;
  tag: string;
  type: string;
  unit: string;
  process_unit_id: number | null;
  process_unit_name: string | null;
  criticality: string;
  status: string;
  last_reading: { timestamp: string; value: number; quality: string } | null;
  health_score: number;
  health_parts: { alerts: number; drift: number; anomaly: number; freshness: number; calibration: number };
  badges: {
    rule: 'ok' | 'warning' | 'critical';
    drift: 'ok' | 'drifting';
    ml: 'ok' | 'anomaly' | 'no_model';
    quality: 'good' | 'fault' | 'spike' | 'no_data';
  };
  open_alerts: number;
  worst_severity: string | null;
  last_calibration_at: string | null;
  next_calibration_due: string;
  calibration_overdue: boolean;
  /** Issue 13: the latest calibration failed as-left. */
  out_of_tolerance: boolean;
}

export interface DashboardSummary {
  generated_at: string;
  process_unit_id: number | null;
  total_instruments: number;
  calibration_overdue: number;
  active_alerts: number;
  open_work_orders: number;
  instruments: HealthCard[];
}
