import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';

/**
 * Stores an instrument's CUSUM reference (mean and sigma of its reference baselines, computed by
 * src/ml/baseline-service.ts), audited as an update of the instrument; null clears it.
 */
export async function storeReferenceBaseline(
  trx: Kysely<DB>,
  actorId: number | null,
  before: { id: number; baseline_mean: number | null; baseline_std: number | null },
  reference: { mean: number | null; sigma: number | null },
  at: string,
): Promise<void> {
  await trx
    .updateTable('instruments')
    .set({ baseline_mean: reference.mean, baseline_std: reference.sigma, updated_at: at })
    .where('id', '=', before.id)
    .execute();
  await recordAudit(trx, {
    userId: actorId,
    action: 'update',
    entityType: 'instrument',
    entityId: before.id,
    oldValue: { baseline_mean: before.baseline_mean, baseline_std: before.baseline_std },
    newValue: {
      baseline_mean: reference.mean,
      baseline_std: reference.sigma,
      reason: 'reference baselines changed',
    },
    at,
  });
}
