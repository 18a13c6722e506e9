import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.ts';
import { canonicalJson } from '../shared/db-values.ts';
import { type AuditKey, auditKeyOf, hmacHex } from './audit-key.ts';
import { findMarker } from './audit-log.ts';

// The chain alone cannot show rows cut off its tail: what is left is still a valid chain. A
// checkpoint anchors the head (row count, last id, last hash) outside the table, signed with the
// audit key: one is kept in DATA_DIR and moved forward as rows are appended, and an admin can export
// one (GET /api/audit/checkpoint) to keep elsewhere and hand back to verify later.

export const CHECKPOINT_FORMAT = 'cbu-cmms-audit-checkpoint/1';
export const CHECKPOINT_FILE = 'audit-checkpoint.json';

export interface Checkpoint {
  format: string;
  key_id: string;
  keyed_from_id: number | null;
  rows: number;
  last_id: number;
  last_hash: string;
  taken_at: string;
}
export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  signature: string;
}

export function signCheckpoint(key: AuditKey, c: Checkpoint): SignedCheckpoint {
  return { checkpoint: c, signature: hmacHex(key, canonicalJson(c)) };
}

export function checkpointSignatureOk(key: AuditKey, s: SignedCheckpoint): boolean {
  return (
    s.checkpoint?.format === CHECKPOINT_FORMAT && hmacHex(key, canonicalJson(s.checkpoint)) === s.signature
  );
}

/** The table's head now. Ids are contiguous from the keyed marker on, so no count(*) is needed. */
export async function currentCheckpoint(db: Kysely<DB>, at: string): Promise<Checkpoint> {
  const key = auditKeyOf(db);
  const marker = await findMarker(db);
  const head = await db
    .selectFrom('audit_log')
    .select(['id', 'hash'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const lastId = head?.id ?? 0;
  const rows = marker ? marker.legacy_rows + (lastId - marker.keyed_from_id + 1) : lastId;
  return {
    format: CHECKPOINT_FORMAT,
    key_id: key.id,
    keyed_from_id: marker?.keyed_from_id ?? null,
    rows,
    last_id: lastId,
    last_hash: head?.hash ?? '0'.repeat(64),
    taken_at: at,
  };
}

export function readLocalCheckpoint(dataDir: string): SignedCheckpoint | null {
  const file = path.join(dataDir, CHECKPOINT_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SignedCheckpoint;
  } catch {
    return null;
  }
}

/**
 * Moves the DATA_DIR checkpoint forward to the current head: a ratchet. It never moves back, and
 * it refuses to move at all when the row it anchored is gone or changed, so the evidence of a
 * truncation or rewrite stays on disk for verify to report. Returns the checkpoint now on disk.
 */
export async function advanceLocalCheckpoint(
  db: Kysely<DB>,
  dataDir: string,
  at: string,
  log?: Logger,
): Promise<SignedCheckpoint> {
  const key = auditKeyOf(db);
  const now = signCheckpoint(key, await currentCheckpoint(db, at));
  const old = readLocalCheckpoint(dataDir);
  if (old && checkpointSignatureOk(key, old)) {
    const c = old.checkpoint;
    if (c.last_id > now.checkpoint.last_id) {
      log?.error(
        { checkpoint: c, head: now.checkpoint },
        'audit log is shorter than its checkpoint: not moving it',
      );
      return old;
    }
    if (c.last_id > 0) {
      const row = await db
        .selectFrom('audit_log')
        .select('hash')
        .where('id', '=', c.last_id)
        .executeTakeFirst();
      if (row?.hash !== c.last_hash) {
        log?.error(
          { checkpoint: c },
          'audit row anchored by the checkpoint is missing or changed: not moving it',
        );
        return old;
      }
    }
    if (c.last_id === now.checkpoint.last_id) return old;
  }
  const file = path.join(dataDir, CHECKPOINT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(now, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return now;
}

/** Keeps the DATA_DIR checkpoint close behind the head: every few seconds and once on stop. */
export function startCheckpointWriter(opts: {
  db: Kysely<DB>;
  dataDir: string;
  everyMs: number;
  now: () => Date;
  log: Logger;
}) {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = running
      .then(() => advanceLocalCheckpoint(opts.db, opts.dataDir, opts.now().toISOString(), opts.log))
      .catch((e: unknown) => opts.log.warn({ err: e }, 'audit checkpoint not written'));
    return running;
  };
  const timer = setInterval(tick, opts.everyMs);
  timer.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await tick();
    },
  };
}
