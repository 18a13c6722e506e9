import type { Kysely } from 'kysely';
import { type AuditEntry, recordAudits } from '../audit/audit-log.ts';
import type { IntervalPrediction } from '../calibration/interval-prediction.ts';
import { computePredictions } from '../calibration/interval-service.ts';
import { batchesOf } from '../db/batches.ts';
import type { DB } from '../db/schema.ts';

// The condition-based interval is computed from the calibration history (calibration/interval-service.ts)
// and stored on the instrument, which owns the row: only this module writes `instruments`.

/**
 * Recomputes and stores the predicted interval. Call it inside a transaction: a change is audited
 * (it can move the due date of an instrument on the predicted interval).
 */
export async function refreshPredictedInterval(
  trx: Kysely<DB>,
  instrumentId: number,
  now: Date,
): Promise<IntervalPrediction> {
  return (await refreshPredictedIntervals(trx, [instrumentId], now)).get(instrumentId) as IntervalPrediction;
}

/** refreshPredictedInterval for many instruments (an import), with set-based reads and writes. */
export async function refreshPredictedIntervals(
  trx: Kysely<DB>,
  instrumentIds: readonly number[],
  now: Date,
): Promise<Map<number, IntervalPrediction>> {
  const computed = await computePredictions(trx, instrumentIds);
  const at = now.toISOString();
  const changed = new Map<number | null, number[]>();
  const audits: AuditEntry[] = [];
  for (const [id, { inst, prediction }] of computed) {
    const days = prediction.predicted_interval_days;
    if (days === inst.predicted_interval_days) continue;
    changed.set(days, [...(changed.get(days) ?? []), id]);
    audits.push({
      userId: null,
      action: 'predict_interval',
      entityType: 'instrument',
      entityId: id,
      oldValue: { predicted_interval_days: inst.predicted_interval_days },
      newValue: {
        predicted_interval_days: days,
        basis: prediction.basis,
        explanation: prediction.explanation,
      },
      at,
    });
  }
  // One statement per new value (predictions take few distinct values), not one per instrument.
  for (const [days, ids] of changed)
    for (const batch of batchesOf(ids))
      await trx
        .updateTable('instruments')
        .set({ predicted_interval_days: days, predicted_interval_at: at })
        .where('id', 'in', batch)
        .execute();
  await recordAudits(trx, audits);
  return new Map([...computed].map(([id, c]) => [id, c.prediction]));
}

/** The hourly refresh: picks up drift alerts raised since the last calibration. Returns how many changed. */
export async function refreshAllPredictedIntervals(db: Kysely<DB>, now: Date): Promise<number> {
  const ids = await db
    .selectFrom('instruments')
    .select(['id', 'predicted_interval_days'])
    .where('deleted_at', 'is', null)
    .execute();
  let changed = 0;
  for (const { id, predicted_interval_days } of ids) {
    const p = await db.transaction().execute((trx) => refreshPredictedInterval(trx, id, now));
    if (p.predicted_interval_days !== predicted_interval_days) changed++;
  }
  return changed;
}
