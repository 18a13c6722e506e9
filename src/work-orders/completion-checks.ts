import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.ts';
import { beforeMinuteOf } from '../shared/clock.ts';
import { UnprocessableError, ValidationError } from '../shared/errors.ts';
import { assertCalibrationApproved, getPolicy, signRecord } from '../signatures/signature-service.ts';

// What completing a work order needs beyond its own fields (issue 13): a calibration made for it,
// the approvals the calibration policy asks for, and the performer's signature where required.

/**
 * Issue 13 item 6: a calibration work order is closed by a calibration made for it, i.e. a record
 * of its instrument performed after the order was opened and not superseded by a correction. The
 * record that made the instrument overdue (performed a year before the order existed) does not
 * close it.
 */
export async function assertCalibrationMadeFor(
  db: Kysely<DB>,
  wo: { id: number; instrument_id: number; tag: string; created_at: string },
  recordId: number,
) {
  const rec = await db
    .selectFrom('calibration_records as c')
    .select(['c.id', 'c.instrument_id', 'c.performed_at'])
    .select((eb) =>
      eb
        .selectFrom('calibration_records as fix')
        .whereRef('fix.corrects_id', '=', 'c.id')
        .select((e) => e.fn.max('fix.id').as('x'))
        .as('corrected_by_id'),
    )
    .where('c.id', '=', recordId)
    .executeTakeFirst();
  if (!rec || rec.instrument_id !== wo.instrument_id) {
    throw new ValidationError(
      'calibration_record_id',
      `calibration record ${recordId} is not a calibration of ${wo.tag}`,
    );
  }
  if (beforeMinuteOf(rec.performed_at, wo.created_at)) {
    throw new UnprocessableError(
      'calibration_before_work_order',
      `calibration record ${recordId} was performed on ${rec.performed_at.slice(0, 10)}, before work order #${wo.id} ` +
        `was opened (${wo.created_at.slice(0, 10)}): record the calibration made for this work order`,
      {
        calibration_record_id: recordId,
        performed_at: rec.performed_at,
        work_order_created_at: wo.created_at,
      },
    );
  }
  if (rec.corrected_by_id !== null && rec.corrected_by_id !== undefined) {
    throw new UnprocessableError(
      'calibration_superseded',
      `calibration record ${recordId} was superseded by correction ${rec.corrected_by_id}; link that one`,
      { corrected_by_id: rec.corrected_by_id },
    );
  }
}

/**
 * On completion: a calibration work order's record must be approved when the calibration policy
 * makes approval mandatory; the completion is signed "performed" when a signature comes with it,
 * and refused without one when the work-order policy requires it.
 */
export async function signCompletion(
  trx: Kysely<DB>,
  actor: { id: number; role: Role },
  wo: { id: number; type: string; calibration_record_id: number | null },
  signature: { password: string; comment?: string | null } | undefined,
  now: Date,
) {
  if (wo.type === 'calibration' && wo.calibration_record_id !== null) {
    await assertCalibrationApproved(trx, wo.calibration_record_id);
  }
  if (signature) {
    await signRecord(
      trx,
      actor,
      { type: 'work_order', id: wo.id },
      { ...signature, meaning: 'performed' },
      now,
    );
    return;
  }
  if ((await getPolicy(trx, 'work_order')).signature_required) {
    throw new UnprocessableError(
      'signature_required',
      'completing a work order needs your electronic signature: re-enter your password to sign',
      { field: 'signature' },
    );
  }
}
