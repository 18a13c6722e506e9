import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { IntervalPrediction } from '../calibration/interval-prediction.ts';
import { computePrediction } from '../calibration/interval-service.ts';
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
  const { inst, prediction } = await computePrediction(trx, instrumentId);
  const days = prediction.predicted_interval_days;
  const at = now.toISOString();
  if (days !== inst.predicted_interval_days) {
    await trx
      .updateTable('instruments')
      .set({ predicted_interval_days: days, predicted_interval_at: at })
      .where('id', '=', instrumentId)
      .execute();
    await recordAudit(trx, {
      userId: null,
      action: 'predict_interval',
      entityType: 'instrument',
      entityId: instrumentId,
      oldValue: { predicted_interval_days: inst.predicted_interval_days },
      newValue: {
        predicted_interval_days: days,
        basis: prediction.basis,
        explanation: prediction.explanation,
      },
      at,
    });
  }
  return prediction;
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
