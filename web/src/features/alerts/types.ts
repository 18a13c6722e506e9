import { type AlertType, allOf, type Severity } from '../../lib/api-types.ts';

export type { Alert } from '../../lib/api-types.ts';

export const ALERT_TYPES = allOf<AlertType>()([
  'instrument_fault',
  'anomaly',
  'drift',
  'rule_violation',
  'data_gap',
  'calibration_overdue',
]);
export const SEVERITIES = allOf<Severity>()(['critical', 'warning', 'advisory']);
