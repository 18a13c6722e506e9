import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.ts';
import { UnprocessableError } from '../shared/errors.ts';
import { getPolicy, signRecord } from '../signatures/signature-service.ts';

/**
 * Issue 13 item 7: a new calibration record is signed "performed" by its performer when a
 * signature comes with it; when the calibration policy requires one, a record without it is
 * refused. An admin approving a technician's correction records it on their behalf: that record
 * is signed afterwards by its performer (POST /api/signatures), so the policy does not block it.
 */
export async function signIfNeeded(
  trx: Kysely<DB>,
  actor: { id: number; role: Role },
  recordId: number,
  signature: { password: string; comment?: string | null } | undefined,
  now: Date,
  approvingCorrection: boolean,
) {
  if (signature) {
    await signRecord(
      trx,
      actor,
      { type: 'calibration_record', id: recordId },
      { ...signature, meaning: 'performed' },
      now,
    );
    return;
  }
  if (approvingCorrection) return;
  const policy = await getPolicy(trx, 'calibration_record');
  if (policy.signature_required) {
    throw new UnprocessableError(
      'signature_required',
      'calibrations need the performer’s electronic signature: re-enter your password to sign',
      { field: 'signature' },
    );
  }
}
