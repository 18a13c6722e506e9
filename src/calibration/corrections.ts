import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, Role } from '../db/schema.ts';
import { assertStandardUsable } from '../reference-standards/reference-standard-service.ts';
import { parseJson } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { findCalibrationRow } from './calibration-records.ts';
import { assertCorrectable, type CalibrationInput, lockCalibrationRow } from './calibration-service.ts';
import { assertPointsInRange, computePoints, type PointInput } from './point-errors.ts';

// Issue 10 item 10: a technician's correction of someone else's calibration waits here for an admin.
// Until approved the original stays in force (in-force.ts only counts calibration_records); approval
// writes the correcting record (performer kept, corrector noted), rejection leaves the original alone.

/** What the technician submitted, kept as sent until an admin decides. */
interface Proposal {
  performed_at: string;
  reference_standard_id: number;
  notes: string | null;
  points: PointInput[];
}

type Actor = { id: number; role: Role };

/** A technician correcting a record they did not perform needs an admin's approval; admins never do. */
export async function correctionNeedsApproval(db: Kysely<DB>, actor: Actor, correctsId: number | undefined) {
  if (correctsId === undefined || actor.role === 'admin') return false;
  const original = await findCalibrationRow(db, correctsId);
  return original !== undefined && original.technician_id !== actor.id;
}

const selectCorrection = (db: Kysely<DB>) =>
  db
    .selectFrom('calibration_corrections as cc')
    .innerJoin('instruments as i', 'i.id', 'cc.instrument_id')
    .innerJoin('calibration_records as orig', 'orig.id', 'cc.calibration_id')
    .innerJoin('users as req', 'req.id', 'cc.requested_by')
    .leftJoin('users as rev', 'rev.id', 'cc.reviewed_by')
    .selectAll('cc')
    .select([
      'i.tag as tag',
      'i.unit as unit',
      'i.range_min as range_min',
      'i.range_max as range_max',
      'orig.tolerance_pct as tolerance_pct',
      'orig.technician_id as technician_id',
      'req.full_name as requested_by_name',
      'rev.full_name as reviewed_by_name',
    ]);

type CorrectionJoined = NonNullable<
  Awaited<ReturnType<ReturnType<typeof selectCorrection>['executeTakeFirst']>>
>;

function toPublicCorrection(r: CorrectionJoined) {
  const p = parseJson<Proposal>(r.proposal) as Proposal;
  // The verdict the correction would give, against the tolerance of the record it corrects.
  const result = computePoints(p.points, r, r.tolerance_pct);
  return {
    id: r.id,
    calibration_id: r.calibration_id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    unit: r.unit,
    status: r.status as 'pending' | 'approved' | 'rejected',
    requested_by: r.requested_by,
    requested_by_name: r.requested_by_name,
    requested_at: r.created_at,
    technician_id: r.technician_id,
    performed_at: p.performed_at,
    reference_standard_id: p.reference_standard_id,
    notes: p.notes,
    passed: result.passed,
    as_found_passed: result.as_found_passed,
    as_left_passed: result.as_left_passed,
    max_as_found_error_pct: result.max_as_found_error_pct,
    max_as_left_error_pct: result.max_as_left_error_pct,
    points: result.points,
    reviewed_by: r.reviewed_by,
    reviewed_by_name: r.reviewed_by_name ?? null,
    reviewed_at: r.reviewed_at,
    review_notes: r.review_notes,
    record_id: r.record_id,
  };
}
export type PublicCorrection = ReturnType<typeof toPublicCorrection>;

export async function getCorrection(db: Kysely<DB>, id: number): Promise<PublicCorrection> {
  const r = await selectCorrection(db).where('cc.id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError('calibration_correction', id);
  return toPublicCorrection(r);
}

export async function listCorrections(
  db: Kysely<DB>,
  q: { status?: string; instrument_id?: number; calibration_id?: number; limit: number; offset: number },
) {
  let query = selectCorrection(db);
  if (q.status) query = query.where('cc.status', '=', q.status);
  if (q.instrument_id) query = query.where('cc.instrument_id', '=', q.instrument_id);
  if (q.calibration_id) query = query.where('cc.calibration_id', '=', q.calibration_id);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query.orderBy('cc.id', 'desc').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toPublicCorrection), total: Number(n), limit: q.limit, offset: q.offset };
}

/**
 * Stores a technician's correction of someone else's record as pending (202), after the checks a
 * correction gets when recorded: same instrument, not already corrected, nothing else pending. The
 * original row is locked, so this and a concurrent direct correction cannot both pass.
 */
export async function requestCorrection(
  db: Kysely<DB>,
  actor: Actor,
  input: CalibrationInput & { corrects_id: number },
  now: Date,
): Promise<PublicCorrection> {
  const at = now.toISOString();
  if (input.technician_id !== undefined && input.technician_id !== actor.id) {
    throw new ValidationError('technician_id', 'a correction keeps the performer of the original record');
  }
  if (input.work_order_id !== undefined) {
    throw new ValidationError(
      'work_order_id',
      'a correction awaiting approval cannot be linked to a work order',
    );
  }
  const performedAt = input.performed_at ? new Date(input.performed_at).toISOString() : null;
  return db.transaction().execute(async (trx) => {
    const original = await lockCalibrationRow(trx, input.corrects_id);
    const inst = await trx
      .selectFrom('instruments')
      .select(['id', 'tag', 'unit', 'range_min', 'range_max'])
      .where('id', '=', input.instrument_id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!inst) throw new ValidationError('instrument_id', `instrument ${input.instrument_id} does not exist`);
    await assertCorrectable(trx, original, inst, input.corrects_id);
    // A correction held for approval stores plain reference points; procedure inputs are resolved on approval.
    const points = input.points.map((p, i) => {
      if (p.reference_value === undefined || p.input_value !== undefined) {
        throw new ValidationError(
          `points.${i}.reference_value`,
          'a correction awaiting approval takes reference_value at every point (not input_value)',
        );
      }
      return { reference_value: p.reference_value, as_found: p.as_found, as_left: p.as_left };
    });
    assertPointsInRange(points, inst);
    const origRow = await trx
      .selectFrom('calibration_records')
      .select('performed_at')
      .where('id', '=', input.corrects_id)
      .executeTakeFirstOrThrow();
    await assertStandardUsable(trx, input.reference_standard_id, performedAt ?? origRow.performed_at);
    const proposal: Proposal = {
      performed_at: performedAt ?? origRow.performed_at,
      reference_standard_id: input.reference_standard_id,
      notes: input.notes?.trim() || null,
      points: points.map((p) => ({
        reference_value: p.reference_value,
        as_found: p.as_found,
        as_left: p.as_left,
      })),
    };
    const row = await trx
      .insertInto('calibration_corrections')
      .values({
        calibration_id: input.corrects_id,
        instrument_id: inst.id,
        requested_by: actor.id,
        proposal: JSON.stringify(proposal),
        status: 'pending',
        reviewed_by: null,
        reviewed_at: null,
        review_notes: null,
        record_id: null,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const correction = await getCorrection(trx, row.id);
    await recordAudit(trx, {
      userId: actor.id,
      action: 'request',
      entityType: 'calibration_correction',
      entityId: row.id,
      newValue: { calibration_id: input.corrects_id, status: 'pending', ...proposal },
      at,
    });
    return correction;
  });
}

/** pending -> approved | rejected, guarded: of concurrent decisions exactly one wins and is audited. */
export async function decideCorrection(
  trx: Kysely<DB>,
  admin: Actor,
  id: number,
  status: 'approved' | 'rejected',
  notes: string | null,
  at: string,
) {
  const res = await trx
    .updateTable('calibration_corrections')
    .set({ status, reviewed_by: admin.id, reviewed_at: at, review_notes: notes, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) {
    const now = await getCorrection(trx, id);
    throw new ConflictError(
      'calibration_correction_decided',
      `correction #${id} was already ${now.status}${now.reviewed_by_name ? ` by ${now.reviewed_by_name}` : ''}`,
      { status: now.status },
    );
  }
  await recordAudit(trx, {
    userId: admin.id,
    action: status === 'approved' ? 'approve' : 'reject',
    entityType: 'calibration_correction',
    entityId: id,
    oldValue: { status: 'pending' },
    newValue: { status, review_notes: notes },
    at,
  });
}

/** The correcting record an approval wrote (src/workflows/approve-correction.ts). */
export async function setCorrectionRecord(trx: Kysely<DB>, id: number, recordId: number, at: string) {
  await trx
    .updateTable('calibration_corrections')
    .set({ record_id: recordId, updated_at: at })
    .where('id', '=', id)
    .execute();
}

/** An admin rejects (with the reason): the original stays in force, the proposal is kept for the record. */
export async function rejectCorrection(
  db: Kysely<DB>,
  admin: Actor,
  id: number,
  notes: string,
  now: Date,
): Promise<PublicCorrection> {
  return db.transaction().execute(async (trx) => {
    await decideCorrection(trx, admin, id, 'rejected', notes.trim(), now.toISOString());
    return getCorrection(trx, id);
  });
}
