import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, Role } from '../db/schema.ts';
import { bool, canonicalJson } from '../shared/db-values.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../shared/errors.ts';
import { verifyPassword } from '../users/passwords.ts';

// Electronic signatures in the 21 CFR Part 11 sense: the signer re-enters the password, picks what
// the signature means (performed, reviewed, approved), and the record keeps who, when, the meaning
// and a SHA-256 over the signed content, in the audit trail too. A signature is never edited or
// removed; one per record and meaning (a unique index). The rules:
// - performed: the person who did the work (calibration technician, work-order assignee).
// - reviewed / approved: a second person, never the performer; approving needs the admin role.
// Per record type a policy makes the performer's signature required on completion and the
// approval mandatory (signature_policies, migration 0014).

export const RECORD_TYPES = ['calibration_record', 'work_order'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
export const MEANINGS = ['performed', 'reviewed', 'approved'] as const;
export type Meaning = (typeof MEANINGS)[number];

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

export interface SignatureInput {
  password: string;
  meaning: Meaning;
  comment?: string | null;
}

export interface Signer {
  id: number;
  role: Role;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export async function getPolicy(db: Kysely<DB>, recordType: RecordType) {
  const p = await db
    .selectFrom('signature_policies')
    .selectAll()
    .where('record_type', '=', recordType)
    .executeTakeFirst();
  return {
    record_type: recordType,
    signature_required: bool(p?.signature_required ?? 0),
    approval_required: bool(p?.approval_required ?? 0),
    updated_at: p?.updated_at ?? null,
    updated_by: p?.updated_by ?? null,
  };
}

export async function listPolicies(db: Kysely<DB>) {
  return { items: await Promise.all(RECORD_TYPES.map((t) => getPolicy(db, t))) };
}

export async function updatePolicy(
  db: Kysely<DB>,
  actorId: number,
  recordType: RecordType,
  patch: { signature_required?: boolean; approval_required?: boolean },
  now: Date,
) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const before = await getPolicy(trx, recordType);
    const values = {
      signature_required: (patch.signature_required ?? before.signature_required) ? 1 : 0,
      approval_required: (patch.approval_required ?? before.approval_required) ? 1 : 0,
      updated_at: at,
      updated_by: actorId,
    };
    await trx
      .insertInto('signature_policies')
      .values({ record_type: recordType, ...values })
      .onConflict((oc) => oc.column('record_type').doUpdateSet(values))
      .execute();
    const after = await getPolicy(trx, recordType);
    await recordAudit(trx, {
      userId: actorId,
      action: 'update',
      entityType: 'signature_policy',
      entityId: recordType,
      oldValue: {
        signature_required: before.signature_required,
        approval_required: before.approval_required,
      },
      newValue: { signature_required: after.signature_required, approval_required: after.approval_required },
      at,
    });
    return after;
  });
}

/** What is signed: the record's content, hashed, and who performed it. */
async function signedContent(db: Kysely<DB>, type: RecordType, id: number) {
  if (type === 'calibration_record') {
    const r = await db
      .selectFrom('calibration_records as c')
      .select(['c.id', 'c.technician_id', 'c.content_hash'])
      .select((eb) =>
        eb
          .selectFrom('calibration_records as fix')
          .whereRef('fix.corrects_id', '=', 'c.id')
          .select((e) => e.fn.max('fix.id').as('x'))
          .as('corrected_by_id'),
      )
      .where('c.id', '=', id)
      .executeTakeFirst();
    if (!r) throw new NotFoundError('calibration', id);
    if (r.corrected_by_id !== null && r.corrected_by_id !== undefined) {
      throw new ConflictError(
        'record_superseded',
        `calibration ${id} was superseded by correction ${r.corrected_by_id}; sign that one`,
        { corrected_by_id: r.corrected_by_id },
      );
    }
    // The content hash (src/audit/record-hash.ts) covers the record and every point.
    return { performerId: r.technician_id, contentHash: r.content_hash ?? '', completed: true };
  }
  const w = await db
    .selectFrom('work_orders')
    .select([
      'id',
      'instrument_id',
      'title',
      'type',
      'status',
      'assigned_to',
      'completion_notes',
      'actual_duration_minutes',
      'parts_used',
      'calibration_record_id',
      'completed_at',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!w) throw new NotFoundError('work_order', id);
  const performer = await db
    .selectFrom('signatures')
    .select('user_id')
    .where('entity_type', '=', 'work_order')
    .where('entity_id', '=', id)
    .where('meaning', '=', 'performed')
    .executeTakeFirst();
  return {
    performerId: performer?.user_id ?? w.assigned_to,
    contentHash: sha256(canonicalJson({ v: 1, t: 'work_orders', ...w })),
    completed: w.status === 'completed',
  };
}

async function assertPassword(db: Kysely<DB>, signer: Signer, password: string) {
  const u = await db
    .selectFrom('users')
    .select(['password_hash', 'full_name', 'is_active'])
    .where('id', '=', signer.id)
    .executeTakeFirstOrThrow();
  if (!bool(u.is_active) || !(await verifyPassword(password, u.password_hash))) {
    throw new ForbiddenError(
      'the password does not match: a signature needs your own password',
      'signature_password_incorrect',
    );
  }
  return u.full_name;
}

/**
 * Signs a record inside the caller's transaction (so a completion and its signature commit
 * together). Throws the refusal with a stable code; of two racing signatures with one meaning the
 * unique index keeps one.
 */
export async function signRecord(
  trx: Kysely<DB>,
  signer: Signer,
  target: { type: RecordType; id: number },
  input: SignatureInput,
  now: Date,
) {
  const at = now.toISOString();
  const content = await signedContent(trx, target.type, target.id);
  const name = await assertPassword(trx, signer, input.password);
  if (input.meaning === 'performed') {
    if (target.type === 'work_order' && !content.completed) {
      throw new UnprocessableError('record_not_completed', `work order #${target.id} is not completed yet`);
    }
    if (content.performerId !== null && content.performerId !== signer.id) {
      throw new ForbiddenError(
        'only the person who performed the work signs it as performed',
        'signature_not_performer',
        { performer_id: content.performerId },
      );
    }
  } else {
    if (!content.completed) {
      throw new UnprocessableError(
        'record_not_completed',
        `${target.type} ${target.id} is not completed yet`,
      );
    }
    if (content.performerId === signer.id) {
      throw new ForbiddenError(
        `a second person must ${input.meaning === 'approved' ? 'approve' : 'review'}: the performer cannot`,
        'signature_same_person',
      );
    }
    if (input.meaning === 'approved' && signer.role !== 'admin') {
      throw new ForbiddenError('approving a record needs the admin role', 'signature_needs_admin');
    }
    const policy = await getPolicy(trx, target.type);
    if (policy.signature_required) {
      const performed = await findSignature(trx, target, 'performed');
      if (!performed) {
        throw new UnprocessableError(
          'signature_required',
          `${target.type} ${target.id} needs the performer's signature before it is ${input.meaning}`,
        );
      }
    }
  }
  const existing = await findSignature(trx, target, input.meaning);
  if (existing) throw alreadySigned(target, input.meaning, existing.id);
  const signatureHash = sha256(
    canonicalJson({
      entity_type: target.type,
      entity_id: target.id,
      content_hash: content.contentHash,
      meaning: input.meaning,
      user_id: signer.id,
      signed_at: at,
    }),
  );
  let id: number;
  try {
    ({ id } = await trx
      .insertInto('signatures')
      .values({
        entity_type: target.type,
        entity_id: target.id,
        meaning: input.meaning,
        user_id: signer.id,
        signer_name: name,
        signed_at: at,
        content_hash: content.contentHash,
        signature_hash: signatureHash,
        comment: input.comment?.trim() || null,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow());
  } catch (e) {
    if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '')) throw alreadySigned(target, input.meaning);
    throw e;
  }
  const signature = await getSignature(trx, id);
  await recordAudit(trx, {
    userId: signer.id,
    action: `sign_${input.meaning}`,
    entityType: target.type,
    entityId: target.id,
    newValue: signature,
    at,
  });
  return signature;
}

const alreadySigned = (target: { type: RecordType; id: number }, meaning: Meaning, id?: number) =>
  new ConflictError('already_signed', `${target.type} ${target.id} already has a "${meaning}" signature`, {
    meaning,
    ...(id ? { signature_id: id } : {}),
  });

function findSignature(db: Kysely<DB>, target: { type: RecordType; id: number }, meaning: Meaning) {
  return db
    .selectFrom('signatures')
    .select(['id', 'user_id'])
    .where('entity_type', '=', target.type)
    .where('entity_id', '=', target.id)
    .where('meaning', '=', meaning)
    .executeTakeFirst();
}

const publicColumns = [
  'id',
  'entity_type',
  'entity_id',
  'meaning',
  'user_id',
  'signer_name',
  'signed_at',
  'content_hash',
  'signature_hash',
  'comment',
] as const;

export async function getSignature(db: Kysely<DB>, id: number) {
  const s = await db.selectFrom('signatures').select(publicColumns).where('id', '=', id).executeTakeFirst();
  if (!s) throw new NotFoundError('signature', id);
  return s;
}

/** The signatures of a record and where it stands against its policy. */
export async function signaturesOf(db: Kysely<DB>, type: RecordType, id: number) {
  const items = await db
    .selectFrom('signatures')
    .select(publicColumns)
    .where('entity_type', '=', type)
    .where('entity_id', '=', id)
    .orderBy('signed_at')
    .orderBy('id')
    .execute();
  const policy = await getPolicy(db, type);
  const has = (m: Meaning) => items.some((s) => s.meaning === m);
  return {
    entity_type: type,
    entity_id: id,
    items,
    signature_required: policy.signature_required,
    approval_required: policy.approval_required,
    /** approved | reviewed | signed | unsigned */
    status: has('approved')
      ? 'approved'
      : has('reviewed')
        ? 'reviewed'
        : has('performed')
          ? 'signed'
          : 'unsigned',
    awaiting_signature: policy.signature_required && !has('performed'),
    awaiting_approval: policy.approval_required && !has('approved'),
  };
}

/** Signatures of many records at once (for reports). */
export function signaturesFor(db: Kysely<DB>, type: RecordType, ids: number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('signatures')
    .select(publicColumns)
    .where('entity_type', '=', type)
    .where('entity_id', 'in', ids)
    .orderBy('entity_id')
    .orderBy('signed_at')
    .execute();
}

/**
 * The policy check when a calibration work order is completed: a calibration record whose type
 * needs approval must be approved before the order that asked for it closes.
 */
export async function assertCalibrationApproved(db: Kysely<DB>, recordId: number) {
  const policy = await getPolicy(db, 'calibration_record');
  if (!policy.approval_required) return;
  if (!(await findSignature(db, { type: 'calibration_record', id: recordId }, 'approved'))) {
    throw new UnprocessableError(
      'calibration_not_approved',
      `calibration ${recordId} needs a second person's approval signature before the work order is completed`,
      { calibration_record_id: recordId },
    );
  }
}

/** Records a refused signature attempt (wrong password) in the trail, outside the refused transaction. */
export async function auditRefusedSignature(
  db: Kysely<DB>,
  signerId: number,
  target: { type: RecordType; id: number | null },
  meaning: Meaning,
  code: string,
  now: Date,
) {
  await db.transaction().execute((trx) =>
    recordAudit(trx, {
      userId: signerId,
      action: 'sign_refused',
      entityType: target.type,
      entityId: target.id,
      newValue: { meaning, reason: code },
      at: now.toISOString(),
    }),
  );
}

/**
 * Runs `work`; when it fails because the signer's password was wrong, the refused attempt is
 * written to the audit trail (the work's own transaction rolled back) and the error rethrown.
 */
export async function auditingRefusals<T>(
  db: Kysely<DB>,
  signerId: number,
  target: { type: RecordType; id: number | null },
  meaning: Meaning,
  now: Date,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'signature_password_incorrect') {
      await auditRefusedSignature(db, signerId, target, meaning, code, now);
    }
    throw e;
  }
}
