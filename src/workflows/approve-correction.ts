import type { Kysely } from 'kysely';
import type { CalibrationDeps } from '../calibration/calibration-service.ts';
import {
  decideCorrection,
  getCorrection,
  type PublicCorrection,
  setCorrectionRecord,
} from '../calibration/corrections.ts';
import type { DB, Role } from '../db/schema.ts';
import { recordCalibration } from './record-calibration.ts';

type Actor = { id: number; role: Role };

/**
 * An admin approves: the correcting record is written now (performer of the original kept,
 * corrected_by the requester) and supersedes the original, with every effect a correction has.
 */
export async function approveCorrection(
  db: Kysely<DB>,
  admin: Actor,
  id: number,
  notes: string | null,
  deps: CalibrationDeps,
): Promise<PublicCorrection> {
  const at = deps.now.toISOString();
  return db.transaction().execute(async (trx) => {
    await decideCorrection(trx, admin, id, 'approved', notes?.trim() || null, at);
    const c = await getCorrection(trx, id);
    const record = await recordCalibration(
      trx,
      admin,
      {
        instrument_id: c.instrument_id,
        performed_at: c.performed_at,
        reference_standard_id: c.reference_standard_id,
        notes: c.notes,
        points: c.points.map((p) => ({
          reference_value: p.reference_value,
          as_found: p.as_found,
          as_left: p.as_left,
        })),
        corrects_id: c.calibration_id,
      },
      deps,
      { correctedBy: c.requested_by },
    );
    await setCorrectionRecord(trx, id, record.id, at);
    return getCorrection(trx, id);
  });
}
