/**
 * Instrument health, 0-100, from everything the issue names: open alerts, the CUSUM statistic vs h,
 * the latest anomaly score, data freshness against the publish interval and the calibration state.
 * The formula and its weights live in detection/health-score.ts (one place, unit-tested).
 *
 *   healthForAll(ctx, now, filter?)  -> InstrumentHealthScore[]   every live instrument, one pass:
 *       four queries whatever the plant size (instruments, last calibrations, open alerts), plus the
 *       in-memory live state (ctx.live, ctx.monitor, ctx.anomaly). For dashboard cards and the
 *       health-status report.
 *   healthOf(ctx, instrumentId, now) -> InstrumentHealthScore | null   one instrument (status page).
 *
 * `ctx` needs only db, config, live, monitor and anomaly (an AppContext fits). Live parts missing
 * (no monitor yet, no model) simply contribute nothing to their part of the score.
 */

import { type Expression, type SqlBool, sql } from 'kysely';
import { effectiveIntervalDays, isOverdue, nextDueDate } from '../calibration/due-dates.ts';
import { countsForDueDate, inForce, outOfTolerance } from '../calibration/in-force.ts';
import type { AppContext } from '../context.ts';
import { type HealthScore, healthScore } from '../detection/health-score.ts';
import type { Severity } from '../detection/types.ts';

export type HealthContext = Pick<AppContext, 'db' | 'config' | 'live' | 'monitor' | 'anomaly'>;

export interface HealthFilter {
  instrumentId?: number;
  processUnitId?: number;
  type?: string;
  criticality?: string;
}

export interface InstrumentHealthScore {
  instrument_id: number;
  tag: string;
  status: string;
  health_score: number;
  /** Points deducted per part: alerts (max 40), drift (20), anomaly (15), freshness (15), calibration (20). */
  health_parts: HealthScore['parts'];
  /** What the parts were computed from. */
  health_inputs: {
    open_alerts: { alert_type: string; severity: Severity }[];
    cusum: { s_plus: number; s_minus: number; h: number } | null;
    anomaly_score: number | null;
    last_reading_at: string | null;
    publish_interval_seconds: number;
    next_calibration_due: string | null;
    calibration_overdue: boolean;
    /** Latest calibration in force failed as-left (issue 13). */
    out_of_tolerance: boolean;
  };
}

const RANK: Record<Severity, number> = { advisory: 0, warning: 1, critical: 2 };

function where(f: HealthFilter): Expression<SqlBool>[] {
  const c: Expression<SqlBool>[] = [sql<SqlBool>`instruments.deleted_at is null`];
  if (f.instrumentId) c.push(sql<SqlBool>`instruments.id = ${f.instrumentId}`);
  if (f.processUnitId) c.push(sql<SqlBool>`instruments.process_unit_id = ${f.processUnitId}`);
  if (f.type) c.push(sql<SqlBool>`instruments.type = ${f.type}`);
  if (f.criticality) c.push(sql<SqlBool>`instruments.criticality = ${f.criticality}`);
  return c;
}

export async function healthForAll(
  ctx: HealthContext,
  now: Date,
  filter: HealthFilter = {},
): Promise<InstrumentHealthScore[]> {
  const conditions = where(filter);
  let iq = ctx.db
    .selectFrom('instruments')
    .select([
      'instruments.id',
      'instruments.tag',
      'instruments.status',
      'instruments.created_at',
      'instruments.publish_interval_seconds',
      'instruments.calibration_interval_days',
      'instruments.use_predicted_interval',
      'instruments.predicted_interval_days',
    ])
    .select(outOfTolerance('instruments.id').as('out_of_tolerance'));
  for (const c of conditions) iq = iq.where(c);
  let aq = ctx.db
    .selectFrom('alert_records')
    .innerJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
    .select(['alert_records.instrument_id', 'alert_records.alert_type', 'alert_records.severity'])
    .where('alert_records.status', '<>', 'resolved')
    .where('alert_records.suppressed', '=', 0)
    .where('alert_records.shelved_at', 'is', null)
    .$narrowType<{ instrument_id: number }>(); // inner join: never a source alert
  for (const c of conditions) aq = aq.where(c);
  // The calibration in force: a record superseded by a correction no longer counts.
  let cq = ctx.db
    .selectFrom('calibration_records')
    .innerJoin('instruments', 'instruments.id', 'calibration_records.instrument_id')
    .select('calibration_records.instrument_id')
    .select((eb) => eb.fn.max('calibration_records.performed_at').as('last_at'))
    .where(inForce('calibration_records.id'))
    .where(countsForDueDate('calibration_records'))
    .groupBy('calibration_records.instrument_id');
  for (const c of conditions) cq = cq.where(c);

  const [instruments, alerts, cals] = await Promise.all([
    iq.orderBy('instruments.tag').execute(),
    aq.execute(),
    cq.execute(),
  ]);
  const alertsBy = new Map<number, { alert_type: string; severity: Severity }[]>();
  for (const a of alerts) {
    const list = alertsBy.get(a.instrument_id) ?? [];
    list.push({ alert_type: a.alert_type, severity: a.severity as Severity });
    alertsBy.set(a.instrument_id, list);
  }
  const lastCal = new Map(cals.map((c) => [c.instrument_id, (c.last_at as string | null) ?? null]));
  const nowMs = now.getTime();
  const { anomaly } = ctx.config;

  return instruments.map((i) => {
    const open = (alertsBy.get(i.id) ?? []).sort((a, b) => RANK[b.severity] - RANK[a.severity]);
    const inService = i.status !== 'out_of_service';
    const due = inService
      ? nextDueDate(lastCal.get(i.id) ?? null, i.created_at, effectiveIntervalDays(i))
      : null;
    // Cheap accessors, not the status snapshots: this runs for every instrument of the plant.
    const lastTs = ctx.live.lastSeen(i.id);
    const c = ctx.monitor.cusumLevel(i.id);
    const cusum = c ? { s_plus: c.sPlus, s_minus: c.sMinus, h: c.h } : null;
    const score = ctx.anomaly.score(i.id);
    const h = healthScore({
      now: nowMs,
      openAlerts: open.map((a) => ({ alertType: a.alert_type, severity: a.severity })),
      cusum: cusum ? { sPlus: cusum.s_plus, sMinus: cusum.s_minus, h: cusum.h } : null,
      anomalyScore: score,
      anomalyWarningThreshold: anomaly.warningThreshold,
      anomalyCriticalThreshold: anomaly.criticalThreshold,
      lastReadingTs: lastTs,
      publishIntervalSeconds: i.publish_interval_seconds,
      calibrationDueAt: due ? Date.parse(due) : null,
      outOfTolerance: Number(i.out_of_tolerance) === 1,
    });
    return {
      instrument_id: i.id,
      tag: i.tag,
      status: i.status,
      health_score: h.score,
      health_parts: h.parts,
      health_inputs: {
        open_alerts: open,
        cusum,
        anomaly_score: score,
        last_reading_at: lastTs === null ? null : new Date(lastTs).toISOString(),
        publish_interval_seconds: i.publish_interval_seconds,
        next_calibration_due: due,
        calibration_overdue: due !== null && isOverdue(due, now),
        out_of_tolerance: Number(i.out_of_tolerance) === 1,
      },
    };
  });
}

export async function healthOf(
  ctx: HealthContext,
  instrumentId: number,
  now: Date,
): Promise<InstrumentHealthScore | null> {
  const [one] = await healthForAll(ctx, now, { instrumentId });
  return one ?? null;
}
