export const ALERT_TYPES = [
  'calibration_overdue',
  'rule_violation',
  'drift',
  'anomaly',
  'instrument_fault',
  'data_gap',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** advisory < warning < critical */
export const SEVERITIES = ['advisory', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATUSES = ['raised', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const severityRank = (s: string): number => SEVERITIES.indexOf(s as Severity);
export const maxSeverity = (a: Severity, b: Severity): Severity =>
  severityRank(a) >= severityRank(b) ? a : b;
