import { Type } from 'typebox';
import { ALERT_STATUSES, ALERT_TYPES, SEVERITIES } from '../alerts/types.ts';
import { Literals } from '../http/schemas.ts';
import { parseJson } from '../shared/db-values.ts';
import { HOUR_MS, mean, type ReportData, type Row, round } from './report-model.ts';
import {
  filterEntry,
  type PeriodInput,
  resolvePeriod,
  resolveScope,
  type ScopeInput,
  scopeConditions,
} from './report-params.ts';
import { type BuildContext, reportHeader, summaryOf } from './report-queries.ts';

/** What "anomaly and drift history" covers unless the caller names another alert type. */
export const DEFAULT_ANOMALY_TYPES = ['drift', 'anomaly'] as const;

export const anomaliesQuery = {
  alert_type: Type.Optional(Literals([...ALERT_TYPES, 'all'])),
  severity: Type.Optional(Literals(SEVERITIES)),
  status: Type.Optional(Literals([...ALERT_STATUSES, 'active'])),
  include_suppressed: Type.Optional(
    Type.Boolean({ description: 'also list alerts recorded inside a suppression window' }),
  ),
};

export type AnomaliesQuery = PeriodInput &
  ScopeInput & { alert_type?: string; severity?: string; status?: string; include_suppressed?: boolean };

/**
 * Anomaly and drift detection history: every drift (CUSUM) and anomaly (Isolation Forest) alert
 * open at any time in the period, with the detector's figures and what people did about it.
 */
export async function buildAnomaliesReport(bc: BuildContext, q: AnomaliesQuery): Promise<ReportData> {
  const period = resolvePeriod(q, bc.now, 90);
  const scope = await resolveScope(bc.db, q);
  const filters = [...scope.filters];
  const types = q.alert_type === 'all' ? null : q.alert_type ? [q.alert_type] : [...DEFAULT_ANOMALY_TYPES];
  filters.push(filterEntry('alert_type', 'Alert types', types ? types.join(', ') : 'all'));
  if (q.severity) filters.push(filterEntry('severity', 'Severity', q.severity));
  if (q.status) filters.push(filterEntry('status', 'Status', q.status));
  if (q.include_suppressed) filters.push(filterEntry('include_suppressed', 'Suppressed alerts', 'included'));

  let aq = bc.db
    .selectFrom('alert_records as a')
    .innerJoin('instruments', 'instruments.id', 'a.instrument_id')
    .leftJoin('users as ack', 'ack.id', 'a.acknowledged_by')
    .leftJoin('users as res', 'res.id', 'a.resolved_by')
    .select([
      'a.id',
      'a.alert_type',
      'a.severity',
      'a.status',
      'a.condition_key',
      'a.message',
      'a.details',
      'a.first_seen',
      'a.last_seen',
      'a.occurrence_count',
      'a.suppressed',
      'a.acknowledged_at',
      'a.resolved_at',
      'a.resolution_notes',
      'instruments.id as instrument_id',
      'instruments.tag',
      'ack.full_name as acknowledged_by',
      'res.full_name as resolved_by',
    ])
    .select((eb) =>
      eb
        .selectFrom('work_orders')
        .whereRef('work_orders.alert_id', '=', 'a.id')
        .select((e) => e.fn.max('work_orders.id').as('w'))
        .as('work_order_id'),
    )
    // Open at any time in the period: raised before its end and last seen after its start.
    .where('a.first_seen', '<=', period.to)
    .where('a.last_seen', '>=', period.from);
  for (const c of scopeConditions(scope)) aq = aq.where(c);
  if (types) aq = aq.where('a.alert_type', 'in', types);
  if (q.severity) aq = aq.where('a.severity', '=', q.severity);
  if (q.status === 'active') aq = aq.where('a.status', '<>', 'resolved');
  else if (q.status) aq = aq.where('a.status', '=', q.status);
  if (!q.include_suppressed) aq = aq.where('a.suppressed', '=', 0);
  const alerts = await aq.orderBy('a.first_seen').orderBy('a.id').execute();

  const rows: Row[] = alerts.map((a) => {
    const d = parseJson<Record<string, unknown>>(a.details) ?? {};
    return {
      id: a.id,
      tag: a.tag,
      alert_type: a.alert_type,
      severity: a.severity,
      condition: a.condition_key,
      first_seen: a.first_seen,
      last_seen: a.last_seen,
      occurrences: a.occurrence_count,
      shift_pct_span: num(d.shift_pct_of_span),
      drift_rate_pct_per_day: num(d.drift_rate_pct_span_per_day),
      anomaly_score: num(d.score),
      top_features: topFeatures(d.top_features),
      message: a.message,
      status: a.suppressed ? `${a.status} (suppressed)` : a.status,
      acknowledged_by: a.acknowledged_by,
      acknowledged_at: a.acknowledged_at,
      resolved_by: a.resolved_by,
      resolved_at: a.resolved_at,
      resolution_notes: a.resolution_notes,
      work_order_id: a.work_order_id ?? null,
    };
  });

  const hoursBetween = (a: string | null, b: string) =>
    a ? (Date.parse(a) - Date.parse(b)) / HOUR_MS : null;
  const ackHours = alerts.flatMap((a) => {
    const h = hoursBetween(a.acknowledged_at, a.first_seen);
    return h === null ? [] : [h];
  });
  const resolveHours = alerts.flatMap((a) => {
    const h = hoursBetween(a.resolved_at, a.first_seen);
    return h === null ? [] : [h];
  });

  const matrix = new Map<string, Record<string, number>>();
  for (const a of alerts) {
    const m = matrix.get(a.alert_type) ?? { advisory: 0, warning: 0, critical: 0, open: 0, total: 0 };
    m[a.severity] = (m[a.severity] ?? 0) + 1;
    m.total++;
    if (a.status !== 'resolved') m.open++;
    matrix.set(a.alert_type, m);
  }

  return {
    ...reportHeader(
      bc,
      'anomalies',
      'Anomaly and Drift Detection History',
      'Every alert of the selected types open at any time in the period (raised before its end, last seen after its start), with the detector figures and the response.',
      period,
      filters,
    ),
    ...summaryOf([
      ['alerts', 'Alerts', alerts.length, 'int'],
      ['drift', 'Drift (CUSUM)', alerts.filter((a) => a.alert_type === 'drift').length, 'int'],
      [
        'anomaly',
        'Anomaly (Isolation Forest)',
        alerts.filter((a) => a.alert_type === 'anomaly').length,
        'int',
      ],
      ['critical', 'Critical', alerts.filter((a) => a.severity === 'critical').length, 'int'],
      ['still_open', 'Still open', alerts.filter((a) => a.status !== 'resolved').length, 'int'],
      [
        'instruments_affected',
        'Instruments affected',
        new Set(alerts.map((a) => a.instrument_id)).size,
        'int',
      ],
      ['mean_hours_to_acknowledge', 'Mean time to acknowledge', round(mean(ackHours), 1), 'number', 'h'],
      ['mean_hours_to_resolve', 'Mean time to resolve', round(mean(resolveHours), 1), 'number', 'h'],
    ]),
    sections: [
      {
        key: 'by_type',
        title: 'By alert type and severity',
        columns: [
          { key: 'alert_type', label: 'Alert type', width: 2, words: true },
          { key: 'advisory', label: 'Advisory', kind: 'int' },
          { key: 'warning', label: 'Warning', kind: 'int' },
          { key: 'critical', label: 'Critical', kind: 'int' },
          { key: 'open', label: 'Still open', kind: 'int' },
          { key: 'total', label: 'Total', kind: 'int' },
        ],
        rows: [...matrix.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([alert_type, m]) => ({
            alert_type,
            advisory: m.advisory,
            warning: m.warning,
            critical: m.critical,
            open: m.open,
            total: m.total,
          })),
      },
    ],
    main: {
      key: 'alerts',
      title: 'Alerts',
      columns: [
        { key: 'id', label: 'Alert #', kind: 'int', width: 0.55 },
        { key: 'tag', label: 'Tag', width: 0.95 },
        { key: 'alert_type', label: 'Type', width: 1.05, words: true },
        { key: 'severity', label: 'Severity', width: 0.7 },
        { key: 'first_seen', label: 'First seen', kind: 'datetime', width: 1.35 },
        { key: 'last_seen', label: 'Last seen', kind: 'datetime', width: 1.35 },
        { key: 'occurrences', label: 'Count', kind: 'int', width: 0.6 },
        { key: 'shift_pct_span', label: 'Shift % span', kind: 'number', decimals: 2, width: 0.65 },
        { key: 'drift_rate_pct_per_day', label: 'Drift %/day', kind: 'number', decimals: 3, width: 0.65 },
        { key: 'anomaly_score', label: 'Score', kind: 'number', decimals: 3, width: 0.55 },
        { key: 'message', label: 'Message', width: 2.6 },
        { key: 'status', label: 'Status', width: 0.85 },
        { key: 'resolved_by', label: 'Resolved by', width: 1 },
        { key: 'resolution_notes', label: 'Resolution notes', width: 1.5 },
        { key: 'work_order_id', label: 'WO #', kind: 'int', width: 0.5 },
        { key: 'condition', label: 'Condition', pdf: false },
        { key: 'top_features', label: 'Top features', pdf: false },
        { key: 'acknowledged_by', label: 'Acknowledged by', pdf: false },
        { key: 'acknowledged_at', label: 'Acknowledged at', kind: 'datetime', pdf: false },
        { key: 'resolved_at', label: 'Resolved at', kind: 'datetime', pdf: false },
      ],
      rows,
    },
    notes: [
      'Drift: two-sided CUSUM on window means; shift = estimated mean shift in % of span, drift = estimated ' +
        'rate in % of span per day. Anomaly: Isolation Forest score in [0, 1] against the active model.',
      'Times to acknowledge and resolve are measured from first seen. Alerts recorded inside a suppression ' +
        'window (after maintenance or calibration) are left out unless include_suppressed=true.',
      'The CSV export adds the detector condition, the features that deviated most and the acknowledgement.',
    ],
    landscape: true,
  };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function topFeatures(v: unknown): string | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  return v
    .map((f) => {
      if (f && typeof f === 'object' && 'feature' in f) {
        const z = (f as { z?: unknown }).z;
        return typeof z === 'number'
          ? `${String(f.feature)} ${z >= 0 ? '+' : ''}${z.toFixed(1)}σ`
          : String(f.feature);
      }
      return String(f);
    })
    .join(', ');
}
