import type { Kysely } from 'kysely';
import { listAlerts, type PublicAlert } from '../alerts/alert-service.ts';
import { batchesOf } from '../db/batches.ts';
import type { DB, InstrumentRow } from '../db/schema.ts';
import { bool } from '../shared/db-values.ts';
import { NotFoundError } from '../shared/errors.ts';
import { effectiveIntervalDays, nextDueDate } from './due-dates.ts';
import { inForce } from './in-force.ts';
import { type DriftSample, type IntervalPrediction, predictInterval } from './interval-prediction.ts';

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

const INSTRUMENT_COLUMNS = [
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
] as const;

/**
 * Predicts the interval from the instrument's records: the as-found history of the calibrations in
 * force, and the drift alerts of the last full interval and the current one (CUSUM restarts at each
 * calibration, so older drift describes a state the instrument has since been adjusted out of).
 */
export async function computePrediction(db: Kysely<DB>, instrumentId: number) {
  return (await computePredictions(db, [instrumentId])).get(instrumentId) as Prediction;
}

type InstrumentBasis = Pick<InstrumentRow, (typeof INSTRUMENT_COLUMNS)[number]>;
type LiveCalibration = {
  performed_at: string;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
};
interface Prediction {
  inst: InstrumentBasis;
  calibrations: LiveCalibration[];
  prediction: IntervalPrediction;
}

async function instrumentRows(db: Kysely<DB>, ids: readonly number[]) {
  const out = new Map<number, InstrumentBasis>();
  for (const batch of batchesOf(ids)) {
    const rows = await db
      .selectFrom('instruments')
      .select(INSTRUMENT_COLUMNS)
      .where('id', 'in', batch)
      .where('deleted_at', 'is', null)
      .execute();
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

/** computePrediction for many instruments (an import), with a query per batch instead of per instrument. */
export async function computePredictions(
  db: Kysely<DB>,
  instrumentIds: readonly number[],
): Promise<Map<number, Prediction>> {
  const ids = [...new Set(instrumentIds)];
  const insts = await instrumentRows(db, ids);
  for (const id of ids) if (!insts.has(id)) throw new NotFoundError('instrument', id);
  // Calibrations still in force, oldest first. A register's "last calibrated on" (an imported
  // summary, issue 18) has no as-found figures to learn drift from.
  const calibrations = new Map<number, LiveCalibration[]>(ids.map((id) => [id, []]));
  const drift = new Map<number, PublicAlert[]>(ids.map((id) => [id, []]));
  for (const batch of batchesOf(ids)) {
    const rows = await db
      .selectFrom('calibration_records as cr')
      .select([
        'cr.instrument_id',
        'cr.performed_at',
        'cr.max_as_found_error_pct',
        'cr.max_as_left_error_pct',
      ])
      .where('cr.instrument_id', 'in', batch)
      .where(inForce('cr.id'))
      .where((eb) => eb.or([eb('cr.import_kind', 'is', null), eb('cr.import_kind', '<>', 'summary')]))
      .orderBy('cr.instrument_id')
      .orderBy('cr.performed_at')
      .execute();
    for (const { instrument_id, ...c } of rows) calibrations.get(instrument_id)?.push(c);
    const alerts = await listAlerts(db, {
      instrument_ids: batch,
      alert_type: 'drift',
      status: 'all',
      include_suppressed: true,
      limit: Number.MAX_SAFE_INTEGER,
      offset: 0,
    });
    // Newest first, as listAlerts orders them.
    for (const a of alerts.items) if (a.instrument_id !== null) drift.get(a.instrument_id)?.push(a);
  }
  const out = new Map<number, Prediction>();
  for (const id of ids) {
    const inst = insts.get(id) as InstrumentBasis;
    const cals = calibrations.get(id) ?? [];
    const span = inst.range_max - inst.range_min;
    // Drift since the last full interval. Timestamps compare as the ISO text both dialects return.
    const since = cals.length >= 2 ? cals[cals.length - 2].performed_at : undefined;
    const samples: DriftSample[] = [];
    for (const a of (drift.get(id) ?? [])
      .filter((a) => since === undefined || a.last_seen >= since)
      .slice(0, 500)) {
      const rate = driftRatePctPerDay(a.details, span);
      if (rate !== null) samples.push({ rate_pct_per_day: rate, at: a.last_seen });
    }
    const prediction = predictInterval({
      tolerance_pct: inst.accuracy_class,
      fixed_interval_days: inst.calibration_interval_days,
      calibrations: cals,
      drift: samples,
    });
    out.set(id, { inst, calibrations: cals, prediction });
  }
  return out;
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
