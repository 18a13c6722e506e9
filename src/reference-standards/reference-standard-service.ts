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
  /** Expanded uncertainty of the first certificate: a value and a unit ('%' = % of the applied value). */
  uncertainty_value?: number | null;
  uncertainty_unit?: string | null;
}

/** A new certificate of a standard (migration 0017): a new row, never an edit of the old one. */
export interface CertificateInput {
  certificate_number: string;
  calibrated_on: string;
  due_date: string;
  uncertainty_value?: number | null;
  uncertainty_unit?: string | null;
  issued_by?: string | null;
  notes?: string | null;
}

/** Fields of the current certificate: they change only through a new certificate. */
const CERTIFICATE_FIELDS = ['certificate_number', 'calibrated_on', 'due_date'] as const;

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
    uncertainty_value: r.uncertainty_value,
    uncertainty_unit: r.uncertainty_unit,
    current_certificate_id: r.current_certificate_id,
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
 * The standard a calibration names, checked for use on the calibration's day against its
 * certificate history: the certificate in force that day is the latest issued on or before it, and
 * it must not have expired. No certificate yet, or an expired one, breaks traceability: 422.
 * Returns the standard and that certificate (whose number and uncertainty the record keeps).
 */
export async function assertStandardUsable(db: Kysely<DB>, id: number, performedAt: string) {
  const r = await findReferenceStandard(db, id);
  if (!r) throw new ValidationError('reference_standard_id', `reference standard ${id} does not exist`);
  const day = performedAt.slice(0, 10);
  const cert = await db
    .selectFrom('reference_standard_certificates')
    .selectAll()
    .where('reference_standard_id', '=', id)
    .where('calibrated_on', '<=', day)
    .orderBy('calibrated_on', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!cert) {
    const first = await db
      .selectFrom('reference_standard_certificates')
      .select(['calibrated_on', 'certificate_number'])
      .where('reference_standard_id', '=', id)
      .orderBy('calibrated_on')
      .executeTakeFirst();
    const calibratedOn = first?.calibrated_on ?? r.calibrated_on;
    throw new UnprocessableError(
      'reference_standard_not_yet_certified',
      `reference standard ${r.identifier} was certified on ${calibratedOn} (certificate ` +
        `${first?.certificate_number ?? r.certificate_number}); it cannot be used for a calibration on ${day}, before that date`,
      {
        reference_standard_id: r.id,
        identifier: r.identifier,
        calibrated_on: calibratedOn,
        performed_on: day,
      },
    );
  }
  if (isExpiredOn(cert.due_date, day)) {
    throw new UnprocessableError(
      'reference_standard_expired',
      `reference standard ${r.identifier} expired on ${cert.due_date} (certificate ${cert.certificate_number}); ` +
        `it cannot be used for a calibration on ${day}`,
      { reference_standard_id: r.id, identifier: r.identifier, due_date: cert.due_date, performed_on: day },
    );
  }
  return { standard: r, certificate: cert };
}

export function toPublicCertificate(
  c: Selectable<DB['reference_standard_certificates']>,
  currentId: number | null,
) {
  return {
    id: c.id,
    reference_standard_id: c.reference_standard_id,
    certificate_number: c.certificate_number,
    calibrated_on: c.calibrated_on,
    due_date: c.due_date,
    uncertainty_value: c.uncertainty_value,
    uncertainty_unit: c.uncertainty_unit,
    issued_by: c.issued_by,
    notes: c.notes,
    current: c.id === currentId,
    created_by: c.created_by,
    created_at: c.created_at,
  };
}

/** The certificate history, newest first. */
export async function listCertificates(db: Kysely<DB>, standardId: number) {
  const r = await findReferenceStandard(db, standardId, { includeDeleted: true });
  if (!r) throw new NotFoundError('reference_standard', standardId);
  const rows = await db
    .selectFrom('reference_standard_certificates')
    .selectAll()
    .where('reference_standard_id', '=', standardId)
    .orderBy('calibrated_on', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return { items: rows.map((c) => toPublicCertificate(c, r.current_certificate_id)), total: rows.length };
}

function assertUncertainty(v: number | null | undefined, unit: string | null | undefined) {
  if ((v === null || v === undefined) !== (unit === null || unit === undefined || unit.trim() === '')) {
    throw new ValidationError('uncertainty_unit', 'give the uncertainty value and its unit together');
  }
}

/**
 * Records a new certificate (recalibration of the standard): a new row that becomes current. It
 * must be issued after the current one. Of two concurrent new certificates one wins; the other 409.
 */
export async function addCertificate(
  db: Kysely<DB>,
  actorId: number,
  standardId: number,
  input: CertificateInput,
  now: Date,
) {
  validateDates(input.calibrated_on, input.due_date);
  assertUncertainty(input.uncertainty_value, input.uncertainty_unit);
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const r = await findReferenceStandard(trx, standardId);
    if (!r) throw new NotFoundError('reference_standard', standardId);
    if (!(input.calibrated_on > r.calibrated_on)) {
      throw new ValidationError(
        'calibrated_on',
        `a new certificate must be issued after the current one (${r.certificate_number}, ${r.calibrated_on})`,
      );
    }
    const cert = await trx
      .insertInto('reference_standard_certificates')
      .values({
        reference_standard_id: standardId,
        certificate_number: input.certificate_number.trim(),
        calibrated_on: input.calibrated_on,
        due_date: input.due_date,
        uncertainty_value: input.uncertainty_value ?? null,
        uncertainty_unit: input.uncertainty_unit?.trim() || null,
        issued_by: input.issued_by?.trim() || null,
        notes: input.notes?.trim() || null,
        created_by: actorId,
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    let q = trx
      .updateTable('reference_standards')
      .set({
        certificate_number: cert.certificate_number,
        calibrated_on: cert.calibrated_on,
        due_date: cert.due_date,
        uncertainty_value: cert.uncertainty_value,
        uncertainty_unit: cert.uncertainty_unit,
        current_certificate_id: cert.id,
        updated_at: at,
      })
      .where('id', '=', standardId);
    q =
      r.current_certificate_id === null
        ? q.where('current_certificate_id', 'is', null)
        : q.where('current_certificate_id', '=', r.current_certificate_id);
    const res = await q.executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw new ConflictError(
        'reference_standard_certificate_changed',
        `reference standard ${r.identifier} received another certificate meanwhile; reload it`,
      );
    }
    const created = toPublicCertificate(cert, cert.id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'add_certificate',
      entityType: 'reference_standard',
      entityId: standardId,
      oldValue: {
        certificate_id: r.current_certificate_id,
        certificate_number: r.certificate_number,
        calibrated_on: r.calibrated_on,
        due_date: r.due_date,
      },
      newValue: created,
      at,
    });
    return created;
  });
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
  assertUncertainty(input.uncertainty_value, input.uncertainty_unit);
  const uncertainty = {
    uncertainty_value: input.uncertainty_value ?? null,
    uncertainty_unit: input.uncertainty_unit?.trim() || null,
  };
  return db.transaction().execute(async (trx) => {
    await assertIdentifierFree(trx, values.identifier);
    const inserted = await trx
      .insertInto('reference_standards')
      .values({ ...values, ...uncertainty, current_certificate_id: null, created_at: at, updated_at: at })
      .returningAll()
      .executeTakeFirstOrThrow();
    // The first certificate of its history.
    const cert = await trx
      .insertInto('reference_standard_certificates')
      .values({
        reference_standard_id: inserted.id,
        certificate_number: values.certificate_number,
        calibrated_on: values.calibrated_on,
        due_date: values.due_date,
        ...uncertainty,
        issued_by: null,
        notes: null,
        created_by: actorId,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = await trx
      .updateTable('reference_standards')
      .set({ current_certificate_id: cert.id })
      .where('id', '=', inserted.id)
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
    const certFields = CERTIFICATE_FIELDS.filter((k) => changes[k] !== undefined && changes[k] !== before[k]);
    if (certFields.length > 0) {
      throw new ConflictError(
        'reference_standard_certificate_immutable',
        `${certFields.join(', ')} belong to the standard's certificate, which is never edited: record the new ` +
          `certificate with POST /api/reference-standards/${id}/certificates`,
        { field: certFields[0] },
      );
    }
    for (const k of CERTIFICATE_FIELDS) delete changes[k];
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
