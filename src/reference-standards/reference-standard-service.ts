import type { Kysely, Selectable } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, ReferenceStandardsTable } from '../db/schema.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../shared/errors.ts';

type Row = Selectable<ReferenceStandardsTable>;

export interface ReferenceStandardInput {
  identifier: string;
  description: string;
  certificate_number: string;
  accuracy: string;
  /** YYYY-MM-DD */
  calibrated_on: string;
  /** YYYY-MM-DD: the certificate is valid through this day. */
  due_date: string;
}

const FIELDS = [
  'identifier',
  'description',
  'certificate_number',
  'accuracy',
  'calibrated_on',
  'due_date',
] as const;

/** Only the declared fields reach the table, whatever the caller passed. */
function declaredOnly(o: Partial<ReferenceStandardInput>): Partial<ReferenceStandardInput> {
  return Object.fromEntries(FIELDS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

const DAY_MS = 86_400_000;
const today = (now: Date) => now.toISOString().slice(0, 10);

/** A standard is expired once its due date has passed: it is still valid on the due date itself. */
export const isExpiredOn = (dueDate: string, day: string) => dueDate < day;

export function toPublicReferenceStandard(r: Row, now: Date) {
  const daysUntilDue = Math.round((Date.parse(r.due_date) - Date.parse(today(now))) / DAY_MS);
  return {
    id: r.id,
    identifier: r.identifier,
    description: r.description,
    certificate_number: r.certificate_number,
    accuracy: r.accuracy,
    calibrated_on: r.calibrated_on,
    due_date: r.due_date,
    expired: isExpiredOn(r.due_date, today(now)),
    days_until_due: daysUntilDue,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deleted_at: r.deleted_at,
  };
}
export type PublicReferenceStandard = ReturnType<typeof toPublicReferenceStandard>;

export async function findReferenceStandard(
  db: Kysely<DB>,
  id: number,
  opts: { includeDeleted?: boolean } = {},
) {
  let q = db.selectFrom('reference_standards').selectAll().where('id', '=', id);
  if (!opts.includeDeleted) q = q.where('deleted_at', 'is', null);
  return q.executeTakeFirst();
}

export async function getReferenceStandard(db: Kysely<DB>, id: number, now: Date) {
  const r = await findReferenceStandard(db, id, { includeDeleted: true });
  if (!r) throw new NotFoundError('reference_standard', id);
  return toPublicReferenceStandard(r, now);
}

/**
 * The standard a calibration names, checked for use on the calibration's day: it must exist, its
 * certificate must already have been issued (calibrated_on) and must not have expired. Either
 * failure breaks traceability: 422.
 */
export async function assertStandardUsable(db: Kysely<DB>, id: number, performedAt: string) {
  const r = await findReferenceStandard(db, id);
  if (!r) throw new ValidationError('reference_standard_id', `reference standard ${id} does not exist`);
  const day = performedAt.slice(0, 10);
  if (day < r.calibrated_on) {
    throw new UnprocessableError(
      'reference_standard_not_yet_certified',
      `reference standard ${r.identifier} was certified on ${r.calibrated_on} (certificate ` +
        `${r.certificate_number}); it cannot be used for a calibration on ${day}, before that date`,
      {
        reference_standard_id: r.id,
        identifier: r.identifier,
        calibrated_on: r.calibrated_on,
        performed_on: day,
      },
    );
  }
  if (isExpiredOn(r.due_date, day)) {
    throw new UnprocessableError(
      'reference_standard_expired',
      `reference standard ${r.identifier} expired on ${r.due_date} (certificate ${r.certificate_number}); ` +
        `it cannot be used for a calibration on ${day}`,
      { reference_standard_id: r.id, identifier: r.identifier, due_date: r.due_date, performed_on: day },
    );
  }
  return r;
}

export interface ReferenceStandardQuery {
  q?: string;
  /** valid | expired | all (default all) */
  status?: string;
  include_deleted?: boolean;
  limit: number;
  offset: number;
}

export async function listReferenceStandards(db: Kysely<DB>, query: ReferenceStandardQuery, now: Date) {
  let q = db.selectFrom('reference_standards');
  if (!query.include_deleted) q = q.where('deleted_at', 'is', null);
  if (query.status === 'expired') q = q.where('due_date', '<', today(now));
  if (query.status === 'valid') q = q.where('due_date', '>=', today(now));
  if (query.q) {
    const like = `%${query.q.toLowerCase()}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['identifier']), 'like', like),
        eb(eb.fn('lower', ['description']), 'like', like),
        eb(eb.fn('lower', ['certificate_number']), 'like', like),
      ]),
    );
  }
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('identifier').limit(query.limit).offset(query.offset).execute();
  return {
    items: rows.map((r) => toPublicReferenceStandard(r, now)),
    total: Number(n),
    limit: query.limit,
    offset: query.offset,
  };
}

function validateDates(calibratedOn: string, dueDate: string) {
  if (!(dueDate > calibratedOn)) {
    throw new ValidationError(
      'due_date',
      `due_date (${dueDate}) must be after calibrated_on (${calibratedOn})`,
    );
  }
}

async function assertIdentifierFree(db: Kysely<DB>, identifier: string, exceptId?: number) {
  let q = db
    .selectFrom('reference_standards')
    .select('id')
    .where('identifier', '=', identifier)
    .where('deleted_at', 'is', null);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) {
    throw new ConflictError(
      'reference_standard_identifier_taken',
      `a reference standard with identifier ${identifier} already exists`,
      { field: 'identifier' },
    );
  }
}

export async function createReferenceStandard(
  db: Kysely<DB>,
  actorId: number | null,
  input: ReferenceStandardInput,
  now: Date,
) {
  const at = now.toISOString();
  const values = { ...(declaredOnly(input) as ReferenceStandardInput), identifier: input.identifier.trim() };
  validateDates(values.calibrated_on, values.due_date);
  return db.transaction().execute(async (trx) => {
    await assertIdentifierFree(trx, values.identifier);
    const row = await trx
      .insertInto('reference_standards')
      .values({ ...values, created_at: at, updated_at: at })
      .returningAll()
      .executeTakeFirstOrThrow();
    const created = toPublicReferenceStandard(row, now);
    await recordAudit(trx, {
      userId: actorId,
      action: 'create',
      entityType: 'reference_standard',
      entityId: row.id,
      newValue: created,
      at,
    });
    return created;
  });
}

export async function updateReferenceStandard(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: Partial<ReferenceStandardInput>,
  now: Date,
) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const before = await findReferenceStandard(trx, id);
    if (!before) throw new NotFoundError('reference_standard', id);
    const changes = declaredOnly(patch);
    if (changes.identifier !== undefined) {
      changes.identifier = changes.identifier.trim();
      await assertIdentifierFree(trx, changes.identifier, id);
    }
    validateDates(changes.calibrated_on ?? before.calibrated_on, changes.due_date ?? before.due_date);
    const after = await trx
      .updateTable('reference_standards')
      .set({ ...changes, updated_at: at })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const keys = Object.keys(changes) as (keyof ReferenceStandardInput)[];
    await recordAudit(trx, {
      userId: actorId,
      action: 'update',
      entityType: 'reference_standard',
      entityId: id,
      oldValue: Object.fromEntries(keys.map((k) => [k, before[k]])),
      newValue: Object.fromEntries(keys.map((k) => [k, after[k]])),
      at,
    });
    return toPublicReferenceStandard(after, now);
  });
}

/** Soft delete: calibrations done with the standard keep pointing at it for traceability. */
export async function deleteReferenceStandard(db: Kysely<DB>, actorId: number, id: number, now: Date) {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await findReferenceStandard(trx, id);
    if (!row) throw new NotFoundError('reference_standard', id);
    // Guarded: of concurrent retirements one wins and audits; the others find it gone (404).
    const res = await trx
      .updateTable('reference_standards')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new NotFoundError('reference_standard', id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'reference_standard',
      entityId: id,
      oldValue: toPublicReferenceStandard(row, now),
      newValue: { deleted_at: at },
      at,
    });
  });
}
