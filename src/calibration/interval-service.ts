import type { Kysely } from 'kysely';
import { listAlerts } from '../alerts/alert-service.ts';
import type { DB } from '../db/schema.ts';
import { bool } from '../shared/db-values.ts';
import { NotFoundError } from '../shared/errors.ts';
import { effectiveIntervalDays, nextDueDate } from './due-dates.ts';
import { inForce } from './in-force.ts';
import { type DriftSample, predictInterval } from './interval-prediction.ts';

/**
 * Calibrations still in force (not superseded by a correction), oldest first. A register's "last
 * calibrated on" (an imported summary, issue 18) has no as-found figures to learn drift from.
 */
function liveCalibrations(db: Kysely<DB>, instrumentId: number) {
  return db
    .selectFrom('calibration_records as cr')
    .select(['cr.performed_at', 'cr.max_as_found_error_pct', 'cr.max_as_left_error_pct'])
    .where('cr.instrument_id', '=', instrumentId)
    .where(inForce('cr.id'))
    .where((eb) => eb.or([eb('cr.import_kind', 'is', null), eb('cr.import_kind', '<>', 'summary')]))
    .orderBy('cr.performed_at')
    .execute();
}

/**
 * The drift rate a CUSUM alert carries, in % of span per day (the monitoring module writes both
 * the rate in engineering units and as % of span; either is enough).
 */
export function driftRatePctPerDay(details: Record<string, unknown> | null, span: number): number | null {
  if (!details) return null;
  const pct = details.drift_rate_pct_span_per_day;
  if (typeof pct === 'number' && Number.isFinite(pct)) return Math.abs(pct);
  const units = details.drift_rate_per_day;
  if (typeof units === 'number' && Number.isFinite(units) && span > 0) return Math.abs((units / span) * 100);
  return null;
}

async function instrumentRow(db: Kysely<DB>, id: number) {
  const row = await db
    .selectFrom('instruments')
    .select([
      'id',
      'tag',
      'range_min',
      'range_max',
      'accuracy_class',
      'created_at',
      'calibration_interval_days',
      'use_predicted_interval',
      'predicted_interval_days',
      'predicted_interval_at',
    ])
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('instrument', id);
  return row;
}

/**
 * Predicts the interval from the instrument's records: the as-found history of the calibrations in
 * force, and the drift alerts of the last full interval and the current one (CUSUM restarts at each
 * calibration, so older drift describes a state the instrument has since been adjusted out of).
 */
export async function computePrediction(db: Kysely<DB>, instrumentId: number) {
  const inst = await instrumentRow(db, instrumentId);
  const calibrations = await liveCalibrations(db, instrumentId);
  const span = inst.range_max - inst.range_min;
  const since = calibrations.length >= 2 ? calibrations[calibrations.length - 2].performed_at : undefined;
  const alerts = await listAlerts(db, {
    instrument_id: instrumentId,
    alert_type: 'drift',
    status: 'all',
    include_suppressed: true,
    from: since,
    limit: 500,
    offset: 0,
  });
  const drift: DriftSample[] = [];
  for (const a of alerts.items) {
    const rate = driftRatePctPerDay(a.details, span);
    if (rate !== null) drift.push({ rate_pct_per_day: rate, at: a.last_seen });
  }
  const prediction = predictInterval({
    tolerance_pct: inst.accuracy_class,
    fixed_interval_days: inst.calibration_interval_days,
    calibrations,
    drift,
  });
  return { inst, calibrations, prediction };
}

/** Fixed and predicted intervals side by side, with the due date each gives (instrument detail). */
export async function getCalibrationInterval(db: Kysely<DB>, instrumentId: number) {
  const { inst, calibrations, prediction } = await computePrediction(db, instrumentId);
  const last = calibrations.length ? calibrations[calibrations.length - 1].performed_at : null;
  const effective = effectiveIntervalDays(inst);
  const predicted = prediction.predicted_interval_days;
  return {
    instrument_id: inst.id,
    tag: inst.tag,
    tolerance_pct: inst.accuracy_class,
    last_calibration_at: last,
    fixed_interval_days: inst.calibration_interval_days,
    predicted_interval_days: predicted,
    predicted_interval_updated_at: inst.predicted_interval_at,
    use_predicted_interval: bool(inst.use_predicted_interval),
    effective_interval_days: effective,
    next_due_fixed: nextDueDate(last, inst.created_at, inst.calibration_interval_days),
    next_due_predicted: predicted === null ? null : nextDueDate(last, inst.created_at, predicted),
    next_calibration_due: nextDueDate(last, inst.created_at, effective),
    prediction,
  };
}
