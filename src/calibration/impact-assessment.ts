import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../shared/errors.ts';
import { inForce } from './in-force.ts';

// Issue 13 item 5: a calibration found out of tolerance as-found means the instrument measured
// wrongly for some time. The corrective work order gets an impact assessment: the period since the
// last good calibration (the last one that left it in tolerance), how many readings and alerts fell
// in it, and the engineer's written assessment. The work order cannot be completed while it is open.

/**
 * Readings in [from, to]: raw readings where they are still kept, and the hourly tier's counts for
 * the part of the period before the oldest raw reading (raw data is kept 7 days, hourly 2 years).
 */
async function countReadings(db: Kysely<DB>, instrumentId: number, fromMs: number, toMs: number) {
  const raw = await db
    .selectFrom('raw_readings')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('ts').as('oldest')])
    .where('instrument_id', '=', instrumentId)
    .where('ts', '>=', fromMs)
    .where('ts', '<=', toMs)
    .executeTakeFirstOrThrow();
  const oldestRaw = raw.oldest === null ? toMs : Number(raw.oldest);
  const hourly = await db
    .selectFrom('readings_1h')
    .select((eb) => eb.fn.sum<number>(eb('count', '+', eb.ref('bad_count'))).as('n'))
    .where('instrument_id', '=', instrumentId)
    .where('bucket', '>=', fromMs)
    .where('bucket', '<', oldestRaw)
    .executeTakeFirstOrThrow();
  return Number(raw.n) + Number(hourly.n ?? 0);
}

/** Opens the assessment on the corrective work order of a failed as-found calibration (idempotent). */
export async function openImpactAssessment(
  trx: Kysely<DB>,
  input: {
    workOrderId: number;
    calibrationId: number;
    instrumentId: number;
    performedAt: string;
    at: string;
  },
) {
  const existing = await trx
    .selectFrom('impact_assessments')
    .select('id')
    .where('work_order_id', '=', input.workOrderId)
    .executeTakeFirst();
  if (existing) return existing.id;
  const lastGood = await trx
    .selectFrom('calibration_records as c')
    .select((eb) => eb.fn.max('c.performed_at').as('m'))
    .where('c.instrument_id', '=', input.instrumentId)
    .where('c.as_left_passed', '=', 1)
    .where('c.performed_at', '<', input.performedAt)
    .where('c.id', '<>', input.calibrationId)
    .where(inForce('c.id'))
    .executeTakeFirstOrThrow();
  const inst = await trx
    .selectFrom('instruments')
    .select('created_at')
    .where('id', '=', input.instrumentId)
    .executeTakeFirstOrThrow();
  const from = (lastGood.m as string | null) ?? inst.created_at;
  const readings = await countReadings(
    trx,
    input.instrumentId,
    Date.parse(from),
    Date.parse(input.performedAt),
  );
  const alerts = await trx
    .selectFrom('alert_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('instrument_id', '=', input.instrumentId)
    .where('first_seen', '>=', from)
    .where('first_seen', '<=', input.performedAt)
    .executeTakeFirstOrThrow();
  const { id } = await trx
    .insertInto('impact_assessments')
    .values({
      work_order_id: input.workOrderId,
      calibration_record_id: input.calibrationId,
      instrument_id: input.instrumentId,
      period_from: from,
      period_to: input.performedAt,
      readings_count: readings,
      alerts_count: Number(alerts.n),
      status: 'open',
      assessment: null,
      completed_by: null,
      completed_at: null,
      created_at: input.at,
      updated_at: input.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    userId: null,
    action: 'create',
    entityType: 'impact_assessment',
    entityId: id,
    newValue: {
      work_order_id: input.workOrderId,
      calibration_record_id: input.calibrationId,
      period_from: from,
    },
    at: input.at,
  });
  return id;
}

const selectAssessment = (db: Kysely<DB>) =>
  db
    .selectFrom('impact_assessments as ia')
    .innerJoin('instruments as i', 'i.id', 'ia.instrument_id')
    .leftJoin('users as u', 'u.id', 'ia.completed_by')
    .selectAll('ia')
    .select(['i.tag as tag', 'u.full_name as completed_by_name']);

type AssessmentJoined = NonNullable<
  Awaited<ReturnType<ReturnType<typeof selectAssessment>['executeTakeFirst']>>
>;

const toPublic = (r: AssessmentJoined) => ({
  id: r.id,
  work_order_id: r.work_order_id,
  calibration_record_id: r.calibration_record_id,
  instrument_id: r.instrument_id,
  tag: r.tag,
  period_from: r.period_from,
  period_to: r.period_to,
  readings_count: r.readings_count,
  alerts_count: r.alerts_count,
  status: r.status,
  assessment: r.assessment,
  completed_by: r.completed_by,
  completed_by_name: r.completed_by_name ?? null,
  completed_at: r.completed_at,
  created_at: r.created_at,
  updated_at: r.updated_at,
});
export type PublicImpactAssessment = ReturnType<typeof toPublic>;

export async function getImpactAssessment(db: Kysely<DB>, id: number) {
  const r = await selectAssessment(db).where('ia.id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError('impact_assessment', id);
  return toPublic(r);
}

export async function impactAssessmentOfWorkOrder(db: Kysely<DB>, workOrderId: number) {
  const r = await selectAssessment(db).where('ia.work_order_id', '=', workOrderId).executeTakeFirst();
  return r ? toPublic(r) : null;
}

export async function listImpactAssessments(
  db: Kysely<DB>,
  q: { status?: string; instrument_id?: number; limit: number; offset: number },
) {
  let query = selectAssessment(db);
  if (q.status) query = query.where('ia.status', '=', q.status);
  if (q.instrument_id) query = query.where('ia.instrument_id', '=', q.instrument_id);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('ia.created_at', 'desc')
    .orderBy('ia.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toPublic), total: Number(n), limit: q.limit, offset: q.offset };
}

/** Saves the engineer's text and, with `status: completed`, closes the assessment (one winner). */
export async function updateImpactAssessment(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: { assessment?: string | null; status?: 'completed' },
  now: Date,
) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const before = await getImpactAssessment(trx, id);
    if (before.status !== 'open') {
      throw new ConflictError('impact_assessment_completed', `impact assessment ${id} is already completed`);
    }
    const text = patch.assessment === undefined ? before.assessment : patch.assessment?.trim() || null;
    const values: Record<string, unknown> = { assessment: text, updated_at: at };
    if (patch.status === 'completed') {
      if (!text) {
        throw new ValidationError(
          'assessment',
          'completing an impact assessment needs the written assessment',
        );
      }
      Object.assign(values, { status: 'completed', completed_by: actorId, completed_at: at });
    }
    const res = await trx
      .updateTable('impact_assessments')
      .set(values)
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw new ConflictError(
        'impact_assessment_completed',
        `impact assessment ${id} was completed meanwhile`,
      );
    }
    const after = await getImpactAssessment(trx, id);
    await recordAudit(trx, {
      userId: actorId,
      action: patch.status === 'completed' ? 'complete' : 'update',
      entityType: 'impact_assessment',
      entityId: id,
      oldValue: { assessment: before.assessment, status: before.status },
      newValue: { assessment: after.assessment, status: after.status },
      at,
    });
    return after;
  });
}

/** A work order with an open impact assessment is not complete yet. */
export async function assertImpactAssessed(db: Kysely<DB>, workOrderId: number) {
  const open = await db
    .selectFrom('impact_assessments')
    .select('id')
    .where('work_order_id', '=', workOrderId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (open) {
    throw new UnprocessableError(
      'impact_assessment_open',
      `work order #${workOrderId} has impact assessment ${open.id} to complete first`,
      { impact_assessment_id: open.id },
    );
  }
}
