import { createHash } from 'node:crypto';
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { batchesOf } from '../db/batches.ts';
import type { DB } from '../db/schema.ts';
import { canonicalJson, parseJson } from '../shared/db-values.ts';
import { type AuditKey, auditKeyOf, hmacHex, registerAuditKey } from './audit-key.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** The row that switches the chain from legacy sha256 to HMAC (see docs/audit.md). */
export const KEYED_MARKER = { action: 'chain_keyed', entityType: 'audit_log' } as const;

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

interface ChainedFields {
  created_at: string;
  user_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  old_value: string | null;
  new_value: string | null;
}

export function hashedFields(r: ChainedFields): ChainedFields {
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

/** Rows written before the key existed (before migration 0009): plain sha256, anyone can recompute. */
export function legacyHash(prevHash: string, row: ChainedFields): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson(hashedFields(row)))
    .digest('hex');
}

/** Keyed rows: the MAC covers the id too, so a row cannot be moved, and prev_hash, so none removed. */
export function rowMac(key: AuditKey, id: number, prevHash: string, row: ChainedFields): string {
  return hmacHex(key, canonicalJson({ id, prev_hash: prevHash, ...hashedFields(row) }));
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
 * Takes the chain's lock for the rest of the transaction (PostgreSQL; SQLite writers are serial
 * already). A transaction that writes many audited rows takes it first, so it never holds the
 * chain while it waits on another writer's row lock (a deadlock).
 */
export async function lockChain(trx: Kysely<DB>) {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    // Serialise writers across processes so two rows never chain to the same predecessor.
    await sql`select pg_advisory_xact_lock(424242)`.execute(trx);
  }
}

/**
 * Appends one audit row, chained to the previous one and signed with the audit key. Call it inside
 * the transaction that makes the change, so the change and its record commit (or roll back)
 * together. The id is given explicitly (last + 1, under the lock): a PostgreSQL sequence leaves
 * holes on rollback, and a hole must mean a deleted row.
 */
export async function recordAudit(trx: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await recordAudits(trx, [entry]);
}

/**
 * Appends the rows in order, exactly as that many recordAudit calls would, but with one read of the
 * chain's head and a statement per batch of rows (an import audits thousands of changes).
 */
export async function recordAudits(trx: Kysely<DB>, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const key = auditKeyOf(trx);
  await lockChain(trx);
  const last = await trx
    .selectFrom('audit_log')
    .select(['id', 'hash'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prevHash = last?.hash ?? GENESIS_HASH;
  let id = last?.id ?? 0;
  const rows = entries.map((entry) => {
    const row = {
      // PostgreSQL gives timestamps back as toISOString() does: store that form so the MAC recomputes.
      created_at: new Date(entry.at).toISOString(),
      user_id: entry.userId,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId === null ? null : String(entry.entityId),
      old_value:
        entry.oldValue === undefined || entry.oldValue === null ? null : canonicalJson(scrub(entry.oldValue)),
      new_value:
        entry.newValue === undefined || entry.newValue === null ? null : canonicalJson(scrub(entry.newValue)),
    };
    id += 1;
    const hash = rowMac(key, id, prevHash, row);
    const out = { id, ...row, prev_hash: prevHash, hash };
    prevHash = hash;
    return out;
  });
  for (const batch of batchesOf(rows, 10)) await trx.insertInto('audit_log').values(batch).execute();
}

export interface KeyedBoundary {
  /** Id of the marker row: rows before it are legacy sha256, it and every row after are HMAC. */
  keyed_from_id: number;
  legacy_rows: number;
  key_id: string;
}

/**
 * Once per database: seals whatever legacy (sha256) history exists under the first keyed row.
 * From then on rewriting any earlier row changes that marker's prev_hash, which only the key
 * holder can re-sign. Called at start-up, before anything else is audited.
 */
export async function ensureChainKeyed(db: Kysely<DB>, at: string): Promise<KeyedBoundary> {
  const key = auditKeyOf(db);
  return db.transaction().execute(async (trx) => {
    await lockChain(trx);
    const marker = await findMarker(trx);
    if (marker) return marker;
    const legacy = await trx
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const head = await trx
      .selectFrom('audit_log')
      .select(['id', 'hash'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    await recordAudit(trx, {
      userId: null,
      action: KEYED_MARKER.action,
      entityType: KEYED_MARKER.entityType,
      entityId: null,
      newValue: {
        scheme: 'hmac-sha256/1',
        key_id: key.id,
        legacy_rows: Number(legacy.n),
        legacy_last_id: head?.id ?? null,
        legacy_head_hash: head?.hash ?? GENESIS_HASH,
      },
      at,
    });
    return (await findMarker(trx)) as KeyedBoundary;
  });
}

/** Start-up: binds the key to this database handle and makes sure the chain is keyed. */
export async function bindAuditKey(db: Kysely<DB>, secret: string, at: string) {
  const key = registerAuditKey(db, secret);
  const boundary = await ensureChainKeyed(db, at);
  return { key, boundary, keyMatches: boundary.key_id === key.id };
}

export async function findMarker(db: Kysely<DB>): Promise<KeyedBoundary | null> {
  const m = await db
    .selectFrom('audit_log')
    .select(['id', 'new_value'])
    .where('action', '=', KEYED_MARKER.action)
    .where('entity_type', '=', KEYED_MARKER.entityType)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!m) return null;
  const v = parseJson<{ legacy_rows?: number; key_id?: string }>(m.new_value) ?? {};
  return { keyed_from_id: m.id, legacy_rows: Number(v.legacy_rows ?? 0), key_id: String(v.key_id ?? '') };
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
