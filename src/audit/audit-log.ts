import { createHash } from 'node:crypto';
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { canonicalJson, parseJson } from '../shared/db-values.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  /** The acting user, or null for the system (scans, detectors, seed). */
  userId: number | null;
  action: string;
  entityType: string;
  entityId: number | string | null;
  oldValue?: unknown;
  newValue?: unknown;
  at: string;
}

function hashRow(prevHash: string, row: Record<string, unknown>): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(row)).digest('hex');
}

function hashedFields(r: {
  created_at: string;
  user_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  old_value: string | null;
  new_value: string | null;
}) {
  return {
    created_at: r.created_at,
    user_id: r.user_id,
    action: r.action,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    old_value: r.old_value,
    new_value: r.new_value,
  };
}

// Secrets never enter the audit trail, whatever a caller passes.
const SECRET_KEYS = new Set([
  'password',
  'password_hash',
  'token',
  'token_hash',
  'new_password',
  'current_password',
]);
function scrub(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(scrub);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!SECRET_KEYS.has(k)) out[k] = scrub(x);
    return out;
  }
  return v;
}

/**
 * Appends one audit row, chained to the previous one. Call it inside the transaction that makes
 * the change, so the change and its record commit (or roll back) together.
 */
export async function recordAudit(trx: Kysely<DB>, entry: AuditEntry): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    // Serialise writers across processes so two rows never chain to the same predecessor.
    await sql`select pg_advisory_xact_lock(424242)`.execute(trx);
  }
  const last = await trx
    .selectFrom('audit_log')
    .select('hash')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const prevHash = last?.hash ?? GENESIS_HASH;
  const row = {
    created_at: entry.at,
    user_id: entry.userId,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId === null ? null : String(entry.entityId),
    old_value:
      entry.oldValue === undefined || entry.oldValue === null ? null : canonicalJson(scrub(entry.oldValue)),
    new_value:
      entry.newValue === undefined || entry.newValue === null ? null : canonicalJson(scrub(entry.newValue)),
  };
  await trx
    .insertInto('audit_log')
    .values({ ...row, prev_hash: prevHash, hash: hashRow(prevHash, row) })
    .execute();
}

export type VerifyResult =
  | { ok: true; rows_checked: number }
  | { ok: false; rows_checked: number; first_broken_id: number; reason: string };

/** Walks the whole chain in id order and names the first row whose link or content is wrong. */
export async function verifyAuditChain(db: Kysely<DB>): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let afterId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(2000)
      .execute();
    if (rows.length === 0) return { ok: true, rows_checked: checked };
    for (const r of rows) {
      checked++;
      if (r.prev_hash !== prevHash) {
        return {
          ok: false,
          rows_checked: checked,
          first_broken_id: r.id,
          reason: 'prev_hash does not match the row before',
        };
      }
      if (hashRow(prevHash, hashedFields(r)) !== r.hash) {
        return {
          ok: false,
          rows_checked: checked,
          first_broken_id: r.id,
          reason: 'row content does not match its hash',
        };
      }
      prevHash = r.hash;
      afterId = r.id;
    }
  }
}

export interface AuditQuery {
  entity_type?: string;
  entity_id?: string;
  user_id?: number;
  action?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export async function listAudit(db: Kysely<DB>, q: AuditQuery) {
  let query = db.selectFrom('audit_log');
  if (q.entity_type) query = query.where('entity_type', '=', q.entity_type);
  if (q.entity_id) query = query.where('entity_id', '=', q.entity_id);
  if (q.user_id !== undefined) query = query.where('user_id', '=', q.user_id);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.from) query = query.where('created_at', '>=', q.from);
  if (q.to) query = query.where('created_at', '<=', q.to);
  const [{ n }] = await query.select((eb) => eb.fn.countAll<number>().as('n')).execute();
  const rows = await query.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      timestamp: r.created_at,
      user_id: r.user_id,
      action: r.action,
      entity_type: r.entity_type,
      entity_id: r.entity_id,
      old_value: parseJson(r.old_value),
      new_value: parseJson(r.new_value),
      hash: r.hash,
    })),
    total: Number(n),
    limit: q.limit,
    offset: q.offset,
  };
}
