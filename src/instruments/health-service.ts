/**
 * Instrument health, 0-100, from everything the issue names: open alerts, the CUSUM statistic vs h,
 * the latest anomaly score, data freshness against the publish interval and the calibration state.
 * The formula and its weights live in detection/health-score.ts (one place, unit-tested).
 *
 *   healthForAll(ctx, now, filter?)  -> InstrumentHealthScore[]   every live instrument, one pass:
 *       four queries whatever the plant size (instruments, last calibrations, open alerts, the ids
 *       out of tolerance; the instruments come from ctx.register and the calibrations from
 *       ctx.calibrations when given, leaving the open alerts), plus the in-memory live state
 *       (ctx.live, ctx.monitor, ctx.anomaly). For dashboard cards and the health-status report.
 *   healthOf(ctx, instrumentId, now) -> InstrumentHealthScore | null   one instrument (status page).
 *
 * `ctx` needs only db, config, live, monitor and anomaly (an AppContext fits). Live parts missing
 * (no monitor yet, no model) simply contribute nothing to their part of the score.
 */

import { type Expression, type SqlBool, sql } from 'kysely';
import type { CalibrationState, CalibrationStateView } from '../calibration/calibration-states.ts';
import { effectiveIntervalDays, nextDueMs } from '../calibration/due-dates.ts';
import { countsForDueDate, inForce, outOfTolerance } from '../calibration/in-force.ts';
import type { AppContext } from '../context.ts';
import type { InstrumentRow } from '../db/schema.ts';
import { type HealthScore, healthScore } from '../detection/health-score.ts';
import type { Severity } from '../detection/types.ts';

export type HealthContext = Pick<AppContext, 'db' | 'config' | 'live' | 'monitor' | 'anomaly'> & {
  /**
   * The live register in memory (the server's instrument cache, kept current by the instruments'
   * change events from every process): when given, the score pass reads the instruments from it
   * instead of querying 2,000 rows per dashboard poll (issue 16). Without it (reports built outside
   * the server, one instrument's status) they are queried.
   */
  register?: { all(): Iterable<{ readonly row: Readonly<InstrumentRow> }> };
  /** The server's calibration states in memory: when given, no calibration query per pass (issue 16). */
  calibrations?: CalibrationStateView;
};

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
  /**
   * What the parts were computed from. Times are epoch ms: the pass formats no date for 2,000
   * instruments per poll (4 ms here); healthInputsJson formats them for an answer.
   */
  health_inputs: {
    open_alerts: { alert_type: string; severity: Severity }[];
    cusum: { s_plus: number; s_minus: number; h: number } | null;
    anomaly_score: number | null;
    last_reading_ms: number | null;
    publish_interval_seconds: number;
    next_calibration_due_ms: number | null;
    calibration_overdue: boolean;
    /** Latest calibration in force failed as-left (issue 13). */
    out_of_tolerance: boolean;
  };
}

/** ISO text of an epoch-ms time, or null. */
export const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The score's inputs as the API shows them (GET /api/instruments/{id}/status), times as ISO text. */
export function healthInputsJson(i: InstrumentHealthScore['health_inputs']) {
  return {
    open_alerts: i.open_alerts,
    cusum: i.cusum,
    anomaly_score: i.anomaly_score,
    last_reading_at: isoOrNull(i.last_reading_ms),
    publish_interval_seconds: i.publish_interval_seconds,
    next_calibration_due: isoOrNull(i.next_calibration_due_ms),
    calibration_overdue: i.calibration_overdue,
    out_of_tolerance: i.out_of_tolerance,
  };
}

const RANK: Record<Severity, number> = { advisory: 0, warning: 1, critical: 2 };

/** The live instruments matching the filter (the conditions of `where`) from the in-memory register, ordered by tag. */
function registerRows(register: NonNullable<HealthContext['register']>, f: HealthFilter) {
  const rows: Readonly<InstrumentRow>[] = [];
  for (const { row } of register.all()) {
    if (row.deleted_at !== null) continue;
    if (f.instrumentId && row.id !== f.instrumentId) continue;
    if (f.processUnitId && row.process_unit_id !== f.processUnitId) continue;
    if (f.type && row.type !== f.type) continue;
    if (f.criticality && row.criticality !== f.criticality) continue;
    rows.push(row);
  }
  return rows.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : a.id - b.id));
}

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
  const instrumentsQuery = () => {
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
      ]);
    for (const c of conditions) iq = iq.where(c);
    return iq.orderBy('instruments.tag').execute();
  };
  // The register's rows change with events (the instruments' own edits); the predicted interval is
  // refreshed without one (a calibration, the hourly scan), so it is read where it is used.
  const fromRegister = async (register: NonNullable<HealthContext['register']>) => {
    const rows = registerRows(register, filter);
    if (!rows.some((r) => r.use_predicted_interval === 1)) return rows;
    let pq = ctx.db
      .selectFrom('instruments')
      .select(['instruments.id', 'instruments.predicted_interval_days'])
      .where('instruments.use_predicted_interval', '=', 1);
    for (const c of conditions) pq = pq.where(c);
    const predicted = new Map((await pq.execute()).map((p) => [p.id, p.predicted_interval_days]));
    return rows.map((r) =>
      r.use_predicted_interval === 1 ? { ...r, predicted_interval_days: predicted.get(r.id) ?? null } : r,
    );
  };
  // Without the server's calibration states: the calibration in force (a record superseded by a
  // correction no longer counts), and only the instruments left out of tolerance (a handful of rows).
  const calibrationsQuery = async (): Promise<(id: number) => CalibrationState> => {
    let cq = ctx.db
      .selectFrom('calibration_records')
      .innerJoin('instruments', 'instruments.id', 'calibration_records.instrument_id')
      .select('calibration_records.instrument_id')
      .select((eb) => eb.fn.max('calibration_records.performed_at').as('last_at'))
      .where(inForce('calibration_records.id'))
      .where(countsForDueDate('calibration_records'))
      .groupBy('calibration_records.instrument_id');
    let oq = ctx.db
      .selectFrom('instruments')
      .select('instruments.id')
      .where(outOfTolerance('instruments.id'), '=', 1);
    for (const c of conditions) {
      cq = cq.where(c);
      oq = oq.where(c);
    }
    const [cals, failed] = await Promise.all([cq.execute(), oq.execute()]);
    const lastAt = new Map(cals.map((c) => [c.instrument_id, (c.last_at as string | null) ?? null]));
    const failedIds = new Set(failed.map((f) => f.id));
    return (id) => ({ lastAt: lastAt.get(id) ?? null, outOfTolerance: failedIds.has(id) });
  };
  let aq = ctx.db
    .selectFrom('alert_records')
    .innerJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
    .select(['alert_records.instrument_id', 'alert_records.alert_type', 'alert_records.severity'])
    .where('alert_records.status', '<>', 'resolved')
    .where('alert_records.suppressed', '=', 0)
    .where('alert_records.shelved_at', 'is', null)
    .$narrowType<{ instrument_id: number }>(); // inner join: never a source alert
  for (const c of conditions) aq = aq.where(c);

  const states = ctx.calibrations;
  const [instruments, alerts, calibrations] = await Promise.all([
    ctx.register ? fromRegister(ctx.register) : instrumentsQuery(),
    aq.execute(),
    states ? states.settled().then(() => (id: number) => states.get(id)) : calibrationsQuery(),
  ]);
  const alertsBy = new Map<number, { alert_type: string; severity: Severity }[]>();
  for (const a of alerts) {
    const list = alertsBy.get(a.instrument_id) ?? [];
    list.push({ alert_type: a.alert_type, severity: a.severity as Severity });
    alertsBy.set(a.instrument_id, list);
  }
  const nowMs = now.getTime();
  const { anomaly } = ctx.config;

  return instruments.map((i) => {
    const open = (alertsBy.get(i.id) ?? []).sort((a, b) => RANK[b.severity] - RANK[a.severity]);
    const inService = i.status !== 'out_of_service';
    // In milliseconds: each date parsed once, none formatted (2,000 instruments per poll).
    const cal = calibrations(i.id);
    const dueMs = inService ? nextDueMs(cal.lastAt, i.created_at, effectiveIntervalDays(i)) : null;
    const outOfTolerance = cal.outOfTolerance;
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
      calibrationDueAt: dueMs,
      outOfTolerance,
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
        last_reading_ms: lastTs,
        publish_interval_seconds: i.publish_interval_seconds,
        next_calibration_due_ms: dueMs,
        calibration_overdue: dueMs !== null && dueMs < nowMs,
        out_of_tolerance: outOfTolerance,
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
