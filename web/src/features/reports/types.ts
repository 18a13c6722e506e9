import type { ReportJson } from '../../lib/api-types.ts';

export type { ReportColumn, ReportJson } from '../../lib/api-types.ts';
export type Cell = ReportJson['rows'][number][string];
export type ReportTable = ReportJson['sections'][number];

export interface ReportFilterDef {
  key: string;
  label: string;
  options: { value: string; label: string }[];
}

export interface ReportDef {
  key: string;
  title: string;
  blurb: string;
  defaultDays: number;
  filters: ReportFilterDef[];
}

const opts = (xs: string[], words?: Record<string, string>) =>
  xs.map((x) => ({ value: x, label: words?.[x] ?? x[0].toUpperCase() + x.slice(1).replace(/_/g, ' ') }));

/** The six reports of the spec, with the filters each one takes beyond period and scope. */
export const REPORT_DEFS: ReportDef[] = [
  {
    key: 'calibration',
    title: 'Calibration',
    blurb: 'Calibration status and history with as-found / as-left per test point.',
    defaultDays: 90,
    filters: [{ key: 'result', label: 'Result', options: opts(['passed', 'failed']) }],
  },
  {
    key: 'maintenance',
    title: 'Maintenance',
    blurb: 'Maintenance history: what was done, by whom, parts and time.',
    defaultDays: 90,
    filters: [
      {
        key: 'action_type',
        label: 'Action',
        options: opts([
          'corrective',
          'preventive',
          'inspection',
          'repair',
          'replacement',
          'adjustment',
          'cleaning',
          'other',
        ]),
      },
    ],
  },
  {
    key: 'health-status',
    title: 'Health status',
    blurb: 'Instrument health scores and status now (the period scopes alert counts).',
    defaultDays: 30,
    filters: [
      {
        key: 'band',
        label: 'Health band',
        options: opts(['good', 'fair', 'poor'], {
          good: 'Good (≥ 80)',
          fair: 'Fair (50–79)',
          poor: 'Poor (< 50)',
        }),
      },
    ],
  },
  {
    key: 'anomalies',
    title: 'Anomalies & drift',
    blurb: 'Anomaly, drift, fault and limit alerts in the period.',
    defaultDays: 90,
    filters: [
      {
        key: 'alert_type',
        label: 'Alert kind',
        options: opts(
          ['anomaly', 'drift', 'instrument_fault', 'rule_violation', 'data_gap', 'calibration_overdue'],
          {
            anomaly: 'Process anomaly',
            drift: 'Drift',
            instrument_fault: 'Hardware fault',
            rule_violation: 'Limit violation',
            data_gap: 'Data gap',
            calibration_overdue: 'Calibration overdue',
          },
        ),
      },
      { key: 'severity', label: 'Severity', options: opts(['critical', 'warning', 'advisory']) },
      { key: 'status', label: 'Status', options: opts(['active', 'raised', 'acknowledged', 'resolved']) },
    ],
  },
  {
    key: 'compliance',
    title: 'Compliance',
    blurb: 'Calibration compliance %, overdue count, by process unit and criticality.',
    defaultDays: 365,
    filters: [],
  },
  {
    key: 'work-orders',
    title: 'Work orders',
    blurb: 'Work-order history and SLA performance: on-time %, mean time to complete, breaches.',
    defaultDays: 90,
    filters: [
      {
        key: 'type',
        label: 'Type',
        options: opts(['calibration', 'corrective', 'preventive', 'inspection']),
      },
      {
        key: 'status',
        label: 'Status',
        options: opts(['active', 'open', 'in_progress', 'completed', 'cancelled']),
      },
      { key: 'priority', label: 'Priority', options: opts(['low', 'medium', 'high', 'urgent']) },
    ],
  },
];
