import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { effectiveIntervalDays, isOverdue, nextDueDate } from '../calibration/due-dates.ts';
import type { LastReading, LiveView, MonitorView } from '../context.ts';
import type { DB } from '../db/schema.ts';
import { healthScore } from '../detection/health-score.ts';
import type { Severity } from '../detection/types.ts';

// Health of every instrument in one pass (a fixed handful of queries, whatever the plant size):
// the dashboard cards and the health-status report both read it.

export type RuleBadge = 'ok' | 'warning' | 'critical';
export type DriftBadge = 'ok' | 'drifting';
export type MlBadge = 'ok' | 'anomaly' | 'no_model';
export type QualityBadge = 'good' | 'fault' | 'spike' | 'no_data';

export interface InstrumentHealth {
  id: number;
  tag: string;
  type: string;
  unit: string;
  process_unit_id: number | null;
  process_unit_name: string | null;
  criticality: string;
  status: string;
  publish_interval_seconds: number;
  last_reading: LastReading | null;
  health_score: number;
  health_parts: { alerts: number; drift: number; anomaly: number; freshness: number; calibration: number };
  badges: { rule: RuleBadge; drift: DriftBadge; ml: MlBadge; quality: QualityBadge };
  open_alerts: number;
  /** Worst severity among the open alerts, null when there are none. */
  worst_severity: Severity | null;
  last_calibration_at: string | null;
  next_calibration_due: string;
  calibration_overdue: boolean;
}

export interface HealthFilter {
  processUnitId?: number | null;
  instrumentId?: number | null;
  instrumentType?: string | null;
  criticality?: string | null;
}

export interface HealthSources {
  db: Kysely<DB>;
  live: LiveView;
  /** Live detector state: the CUSUM sums vs h feed the drift part of the score. */
  monitor?: MonitorView;
  anomaly: { warningThreshold: number; criticalThreshold: number };
}

const RANK: Record<string, number> = { advisory: 0, warning: 1, critical: 2 };

function conditions(f: HealthFilter): Expression<SqlBool>[] {
  const c: Expression<SqlBool>[] = [sql<SqlBool>`instruments.deleted_at is null`];
  if (f.instrumentId) c.push(sql<SqlBool>`instruments.id = ${f.instrumentId}`);
  if (f.processUnitId) c.push(sql<SqlBool>`instruments.process_unit_id = ${f.processUnitId}`);
  if (f.instrumentType) c.push(sql<SqlBool>`instruments.type = ${f.instrumentType}`);
  if (f.criticality) c.push(sql<SqlBool>`instruments.criticality = ${f.criticality}`);
  return c;
}

/**
 * Scores every live instrument matching the filter (formula: detection/health-score.ts) from its
 * open alerts, the live CUSUM sums, calibration state and data freshness. The anomaly score enters
 * through the anomaly alerts it raised.
 */
export async function instrumentHealth(
  src: HealthSources,
  now: Date,
  filter: HealthFilter = {},
): Promise<InstrumentHealth[]> {
  const where = conditions(filter);
  let iq = src.db
    .selectFrom('instruments')
    .leftJoin('process_units', 'process_units.id', 'instruments.process_unit_id')
    .select([
      'instruments.id',
      'instruments.tag',
      'instruments.type',
      'instruments.unit',
      'instruments.process_unit_id',
      'process_units.name as process_unit_name',
      'instruments.criticality',
      'instruments.status',
      'instruments.created_at',
      'instruments.publish_interval_seconds',
      'instruments.calibration_interval_days',
      'instruments.use_predicted_interval',
      'instruments.predicted_interval_days',
    ]);
  for (const c of where) iq = iq.where(c);
  const instruments = await iq.orderBy('instruments.tag').execute();
  if (instruments.length === 0) return [];

  let aq = src.db
    .selectFrom('alert_records')
    .innerJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
    .select(['alert_records.instrument_id', 'alert_records.alert_type', 'alert_records.severity'])
    .where('alert_records.status', '<>', 'resolved')
    .where('alert_records.suppressed', '=', 0);
  for (const c of where) aq = aq.where(c);

  // Last calibration in force: a record superseded by a correction no longer counts.
  let cq = src.db
    .selectFrom('calibration_records')
    .innerJoin('instruments', 'instruments.id', 'calibration_records.instrument_id')
    .select(['calibration_records.instrument_id'])
    .select((eb) => eb.fn.max('calibration_records.performed_at').as('last_at'))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('calibration_records as c2')
            .select('c2.id')
            .whereRef('c2.corrects_id', '=', 'calibration_records.id'),
        ),
      ),
    )
    .groupBy('calibration_records.instrument_id');
  for (const c of where) cq = cq.where(c);

  const models = src.db
    .selectFrom('ml_model_versions')
    .select('instrument_id')
    .where('is_active', '=', 1)
    .groupBy('instrument_id');

  const [alerts, cals, active] = await Promise.all([aq.execute(), cq.execute(), models.execute()]);
  const alertsBy = new Map<number, { alertType: string; severity: Severity }[]>();
  for (const a of alerts) {
    const list = alertsBy.get(a.instrument_id) ?? [];
    list.push({ alertType: a.alert_type, severity: a.severity as Severity });
    alertsBy.set(a.instrument_id, list);
  }
  const lastCal = new Map(cals.map((c) => [c.instrument_id, (c.last_at as string | null) ?? null]));
  const withModel = new Set(active.map((m) => m.instrument_id));
  const nowMs = now.getTime();

  return instruments.map((i) => {
    const open = alertsBy.get(i.id) ?? [];
    const last = lastCal.get(i.id) ?? null;
    const due = nextDueDate(last, i.created_at, effectiveIntervalDays(i));
    const overdue = i.status !== 'out_of_service' && isOverdue(due, now);
    const reading = src.live.lastReading(i.id);
    const cusum = src.monitor?.snapshot(i.id)?.cusum ?? null;
    const h = healthScore({
      now: nowMs,
      openAlerts: open,
      cusum: cusum ? { sPlus: cusum.s_plus, sMinus: cusum.s_minus, h: cusum.h } : null,
      anomalyWarningThreshold: src.anomaly.warningThreshold,
      anomalyCriticalThreshold: src.anomaly.criticalThreshold,
      lastReadingTs: reading ? Date.parse(reading.timestamp) : null,
      publishIntervalSeconds: i.publish_interval_seconds,
      calibrationDueAt: i.status === 'out_of_service' ? null : Date.parse(due),
    });
    let worst: Severity | null = null;
    let rule: RuleBadge = 'ok';
    for (const a of open) {
      if (worst === null || RANK[a.severity] > RANK[worst]) worst = a.severity;
      if (a.alertType === 'rule_violation') {
        if (a.severity === 'critical') rule = 'critical';
        else if (rule === 'ok') rule = 'warning';
      }
    }
    const drifting = open.some((a) => a.alertType === 'drift');
    const anomalous = open.some((a) => a.alertType === 'anomaly');
    return {
      id: i.id,
      tag: i.tag,
      type: i.type,
      unit: i.unit,
      process_unit_id: i.process_unit_id,
      process_unit_name: i.process_unit_name,
      criticality: i.criticality,
      status: i.status,
      publish_interval_seconds: i.publish_interval_seconds,
      last_reading: reading,
      health_score: h.score,
      health_parts: h.parts,
      badges: {
        rule,
        drift: drifting ? 'drifting' : 'ok',
        ml: anomalous ? 'anomaly' : withModel.has(i.id) ? 'ok' : 'no_model',
        quality: reading ? qualityBadge(reading.quality) : 'no_data',
      },
      open_alerts: open.length,
      worst_severity: worst,
      last_calibration_at: last,
      next_calibration_due: due,
      calibration_overdue: overdue,
    };
  });
}

function qualityBadge(q: string): QualityBadge {
  return q === 'fault' || q === 'spike' ? q : 'good';
}
