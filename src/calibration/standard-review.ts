import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { getReferenceStandard } from '../reference-standards/reference-standard-service.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { inForce } from './in-force.ts';

// Issue 13 item 5: a reference standard found out of tolerance (at its own calibration, or by a
// cross-check) casts doubt on every calibration it was used for since its last good certificate.
// Reporting it lists those calibrations and flags each for review; an admin reviews each flag with
// a note (open -> reviewed, one winner).

const FUTURE_SLACK_MS = 5 * 60_000;

export interface OotReportInput {
  found_at?: string;
  /** Start of the doubtful period; default: the standard's last certificate date (calibrated_on). */
  since?: string;
  notes: string;
}

const selectFlag = (db: Kysely<DB>) =>
  db
    .selectFrom('calibration_review_flags as f')
    .innerJoin('calibration_records as c', 'c.id', 'f.calibration_record_id')
    .innerJoin('instruments as i', 'i.id', 'c.instrument_id')
    .innerJoin('reference_standards as rs', 'rs.id', 'f.reference_standard_id')
    .leftJoin('users as u', 'u.id', 'f.reviewed_by')
    .selectAll('f')
    .select([
      'c.performed_at as performed_at',
      'c.instrument_id as instrument_id',
      'c.passed as passed',
      'i.tag as tag',
      'rs.identifier as reference_standard_identifier',
      'u.full_name as reviewed_by_name',
    ]);

type FlagJoined = NonNullable<Awaited<ReturnType<ReturnType<typeof selectFlag>['executeTakeFirst']>>>;

const toPublicFlag = (r: FlagJoined) => ({
  id: r.id,
  report_id: r.report_id,
  calibration_record_id: r.calibration_record_id,
  instrument_id: r.instrument_id,
  tag: r.tag,
  performed_at: r.performed_at,
  calibration_passed: r.passed === 1,
  reference_standard_id: r.reference_standard_id,
  reference_standard_identifier: r.reference_standard_identifier,
  status: r.status,
  reviewed_by: r.reviewed_by,
  reviewed_by_name: r.reviewed_by_name ?? null,
  reviewed_at: r.reviewed_at,
  review_notes: r.review_notes,
  created_at: r.created_at,
});
export type PublicReviewFlag = ReturnType<typeof toPublicFlag>;

export async function listReviewFlags(
  db: Kysely<DB>,
  q: {
    status?: string;
    reference_standard_id?: number;
    report_id?: number;
    instrument_id?: number;
    calibration_record_id?: number;
    limit: number;
    offset: number;
  },
) {
  let query = selectFlag(db);
  if (q.status) query = query.where('f.status', '=', q.status);
  if (q.reference_standard_id) query = query.where('f.reference_standard_id', '=', q.reference_standard_id);
  if (q.report_id) query = query.where('f.report_id', '=', q.report_id);
  if (q.instrument_id) query = query.where('c.instrument_id', '=', q.instrument_id);
  if (q.calibration_record_id) query = query.where('f.calibration_record_id', '=', q.calibration_record_id);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('c.performed_at', 'desc')
    .orderBy('f.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toPublicFlag), total: Number(n), limit: q.limit, offset: q.offset };
}

async function getReport(db: Kysely<DB>, id: number) {
  const r = await db
    .selectFrom('standard_oot_reports as r')
    .innerJoin('users as u', 'u.id', 'r.reported_by')
    .selectAll('r')
    .select('u.full_name as reported_by_name')
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!r) throw new NotFoundError('out_of_tolerance_report', id);
  const flags = await listReviewFlags(db, { report_id: id, limit: 500, offset: 0 });
  return { ...r, flagged: flags.total, flags: flags.items };
}

export async function listOotReports(db: Kysely<DB>, standardId: number) {
  const ids = await db
    .selectFrom('standard_oot_reports')
    .select('id')
    .where('reference_standard_id', '=', standardId)
    .orderBy('found_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const items = [];
  for (const { id } of ids) items.push(await getReport(db, id));
  return { items, total: items.length };
}

/** Reports a standard out of tolerance and flags every calibration in force it was used for since. */
export async function reportStandardOutOfTolerance(
  db: Kysely<DB>,
  actorId: number,
  standardId: number,
  input: OotReportInput,
  now: Date,
) {
  const at = now.toISOString();
  const foundAt = input.found_at ? new Date(input.found_at).toISOString() : at;
  if (Date.parse(foundAt) > now.getTime() + FUTURE_SLACK_MS) {
    throw new ValidationError('found_at', 'found_at cannot be in the future');
  }
  return db.transaction().execute(async (trx) => {
    const std = await getReferenceStandard(trx, standardId, now);
    const since = input.since ? new Date(input.since).toISOString() : `${std.calibrated_on}T00:00:00.000Z`;
    if (since > foundAt) throw new ValidationError('since', 'since must be before found_at');
    const { id: reportId } = await trx
      .insertInto('standard_oot_reports')
      .values({
        reference_standard_id: standardId,
        found_at: foundAt,
        since,
        notes: input.notes.trim(),
        reported_by: actorId,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const suspects = await trx
      .selectFrom('calibration_records as c')
      .select('c.id')
      .where('c.reference_standard_id', '=', standardId)
      .where('c.performed_at', '>=', since)
      .where('c.performed_at', '<=', foundAt)
      .where(inForce('c.id'))
      .orderBy('c.performed_at')
      .execute();
    if (suspects.length > 0) {
      await trx
        .insertInto('calibration_review_flags')
        .values(
          suspects.map((s) => ({
            report_id: reportId,
            calibration_record_id: s.id,
            reference_standard_id: standardId,
            status: 'open',
            reviewed_by: null,
            reviewed_at: null,
            review_notes: null,
            created_at: at,
            updated_at: at,
          })),
        )
        .execute();
    }
    await recordAudit(trx, {
      userId: actorId,
      action: 'report_out_of_tolerance',
      entityType: 'reference_standard',
      entityId: standardId,
      newValue: {
        report_id: reportId,
        found_at: foundAt,
        since,
        notes: input.notes.trim(),
        flagged_calibration_ids: suspects.map((s) => s.id),
      },
      at,
    });
    return getReport(trx, reportId);
  });
}

/** Records the review of one flagged calibration (guarded: of two reviews one wins). */
export async function reviewFlag(db: Kysely<DB>, actorId: number, id: number, notes: string, now: Date) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('calibration_review_flags')
      .set({
        status: 'reviewed',
        reviewed_by: actorId,
        reviewed_at: at,
        review_notes: notes.trim(),
        updated_at: at,
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      const exists = await trx
        .selectFrom('calibration_review_flags')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!exists) throw new NotFoundError('review_flag', id);
      throw new ConflictError('review_flag_reviewed', `review flag ${id} is already reviewed`);
    }
    const flag = toPublicFlag(await selectFlag(trx).where('f.id', '=', id).executeTakeFirstOrThrow());
    await recordAudit(trx, {
      userId: actorId,
      action: 'review',
      entityType: 'calibration_review_flag',
      entityId: id,
      oldValue: { status: 'open' },
      newValue: {
        status: 'reviewed',
        calibration_record_id: flag.calibration_record_id,
        review_notes: flag.review_notes,
      },
      at,
    });
    return flag;
  });
}
