import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { parseJson } from '../shared/db-values.ts';
import { checkpointSignatureOk, readLocalCheckpoint, type SignedCheckpoint } from './audit-checkpoint.ts';
import { auditKeyOf } from './audit-key.ts';
import { GENESIS_HASH, KEYED_MARKER, legacyHash, rowMac } from './audit-log.ts';
import { recordStates } from './record-hash.ts';

// Verify answers one question for an auditor: is the trail, and every record it protects, exactly
// as it was written? Each check is listed with what it covered; every problem names a row or record.
// docs/audit.md says what each check can and cannot detect.

export interface Problem {
  check: string;
  kind: string;
  message: string;
  audit_id?: number;
  entity_type?: string;
  entity_id?: number;
}
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
export interface VerifyReport {
  ok: boolean;
  rows_checked: number;
  first_broken_id?: number;
  reason?: string;
  key_id: string;
  head: { rows: number; last_id: number | null; last_hash: string | null };
  legacy_rows: number;
  keyed_from_id: number | null;
  records_checked: { calibration_records: number; maintenance_records: number };
  checks: Check[];
  problems: Problem[];
  /** More problems were found than are listed. */
  problems_truncated: boolean;
}

const MAX_PROBLEMS = 200;
const ENTITY_TABLE: Record<string, 'calibration_records' | 'maintenance_records'> = {
  calibration_record: 'calibration_records',
  maintenance_record: 'maintenance_records',
};

export async function verifyAudit(
  db: Kysely<DB>,
  opts: { dataDir: string; exported?: SignedCheckpoint },
): Promise<VerifyReport> {
  const key = auditKeyOf(db);
  const problems: Problem[] = [];
  let dropped = 0;
  const add = (p: Problem) => (problems.length < MAX_PROBLEMS ? problems.push(p) : dropped++);
  const failed = (check: string) => problems.some((p) => p.check === check);

  // 1. The chain, in id order: links, legacy sha256 up to the keyed marker, HMAC and contiguous ids after.
  let prev = GENESIS_HASH;
  let lastId: number | null = null;
  let checked = 0;
  let legacyRows = 0;
  let keyedFrom: number | null = null;
  let markerLegacyRows = 0;
  let lastHash: string | null = null;
  // The content hash the trail last recorded for each protected record ("table:id").
  const trail = new Map<string, { hash: string; audit_id: number }>();
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', lastId ?? 0)
      .orderBy('id')
      .limit(2000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      checked++;
      if (
        keyedFrom === null &&
        r.action === KEYED_MARKER.action &&
        r.entity_type === KEYED_MARKER.entityType
      ) {
        keyedFrom = r.id;
        markerLegacyRows = Number(parseJson<{ legacy_rows?: number }>(r.new_value)?.legacy_rows ?? -1);
        const markerKey = parseJson<{ key_id?: string }>(r.new_value)?.key_id;
        if (markerKey && markerKey !== key.id) {
          add({
            check: 'row_signatures',
            kind: 'other_key',
            audit_id: r.id,
            message: `the chain was keyed with key ${markerKey}; this server's AUDIT_KEY is ${key.id}: rows signed with the other key cannot be verified here`,
          });
        }
      }
      if (r.prev_hash !== prev) {
        add({
          check: 'chain_links',
          kind: 'broken_link',
          audit_id: r.id,
          message: `row ${r.id}: prev_hash does not match the row before (a row was removed, inserted or re-chained)`,
        });
      }
      if (keyedFrom === null) {
        legacyRows++;
        if (legacyHash(r.prev_hash, r) !== r.hash) {
          add({
            check: 'row_signatures',
            kind: 'content_changed',
            audit_id: r.id,
            message: `row ${r.id}: content does not match its hash`,
          });
        }
      } else {
        if (lastId !== null && r.id !== lastId + 1) {
          add({
            check: 'ids_contiguous',
            kind: 'id_gap',
            audit_id: r.id,
            message:
              r.id - lastId === 2
                ? `row ${lastId + 1} is missing`
                : `rows ${lastId + 1} to ${r.id - 1} are missing`,
          });
        }
        if (rowMac(key, r.id, r.prev_hash, r) !== r.hash) {
          add({
            check: 'row_signatures',
            kind: 'bad_signature',
            audit_id: r.id,
            message: `row ${r.id}: content, id or link does not match its HMAC (changed, forged or re-chained without the key)`,
          });
        }
      }
      collectTrail(trail, r);
      prev = r.hash;
      lastId = r.id;
      lastHash = r.hash;
    }
  }
  if (keyedFrom === null && checked > 0) {
    add({
      check: 'keyed_boundary',
      kind: 'not_keyed',
      message:
        'no keyed (HMAC) row in the trail: a running server always writes one, so the keyed history was removed or re-chained',
    });
  } else if (keyedFrom !== null && markerLegacyRows !== legacyRows) {
    add({
      check: 'keyed_boundary',
      kind: 'legacy_rows_changed',
      audit_id: keyedFrom,
      message: `the keyed marker sealed ${markerLegacyRows} legacy rows; ${legacyRows} are there now`,
    });
  }

  // 2. The head against the checkpoints kept outside the table.
  const checks: Check[] = [];
  const local = readLocalCheckpoint(opts.dataDir);
  let localDetail = 'missing';
  if (local) localDetail = await checkAgainst(db, 'local_checkpoint', local, key, add);
  else {
    add({
      check: 'local_checkpoint',
      kind: 'checkpoint_missing',
      message: 'no checkpoint in the data folder: rows cut off the tail cannot be detected',
    });
  }
  const exportedDetail = opts.exported
    ? await checkAgainst(db, 'exported_checkpoint', opts.exported, key, add)
    : null;

  // 3. Records against the hashes the trail holds for them.
  const counts = { calibration_records: 0, maintenance_records: 0 };
  const seen = new Set<string>();
  for await (const s of recordStates(db)) {
    counts[s.table]++;
    const k = `${s.table}:${s.id}`;
    seen.add(k);
    const known = trail.get(k);
    const entity = s.table === 'calibration_records' ? 'calibration_record' : 'maintenance_record';
    const name = `${entity.replace('_', ' ')} ${s.id}`;
    if (!known) {
      add({
        check: 'record_hashes',
        kind: 'record_unaudited',
        entity_type: entity,
        entity_id: s.id,
        message: `${name} is not in the audit trail (inserted behind the application's back)`,
      });
    } else if (known.hash !== s.computed) {
      const points = s.changed_points.length ? ` (points seq ${s.changed_points.join(', ')} changed)` : '';
      add({
        check: 'record_hashes',
        kind: 'record_changed',
        entity_type: entity,
        entity_id: s.id,
        audit_id: known.audit_id,
        message: `${name}: content no longer matches the hash recorded in audit row ${known.audit_id}${points}`,
      });
    } else if (s.stored !== s.computed) {
      add({
        check: 'record_hashes',
        kind: 'hash_column_changed',
        entity_type: entity,
        entity_id: s.id,
        message: `${name}: content is as audited but its content_hash column was altered`,
      });
    }
  }
  for (const [k, v] of trail) {
    if (seen.has(k)) continue;
    const [table, id] = k.split(':');
    const entity = table === 'calibration_records' ? 'calibration_record' : 'maintenance_record';
    add({
      check: 'deleted_records',
      kind: 'record_deleted',
      entity_type: entity,
      entity_id: Number(id),
      audit_id: v.audit_id,
      message: `${entity.replace('_', ' ')} ${id} is in the audit trail (row ${v.audit_id}) but no longer in the database`,
    });
  }

  const count = (c: string) => problems.filter((p) => p.check === c).length;
  const line = (name: string, detail: string) =>
    checks.push({
      name,
      ok: !failed(name),
      detail: failed(name) ? `${count(name)} problem(s); ${detail}` : detail,
    });
  line('chain_links', `${checked} rows: each prev_hash equals the hash of the row before`);
  line(
    'row_signatures',
    `${legacyRows} legacy rows (sha256, before the key) and ${checked - legacyRows} keyed rows (HMAC, key ${key.id})`,
  );
  line(
    'ids_contiguous',
    keyedFrom === null ? 'no keyed rows' : `ids from ${keyedFrom} to ${lastId} without gaps`,
  );
  line(
    'keyed_boundary',
    keyedFrom === null ? 'no keyed marker' : `marker row ${keyedFrom} seals ${markerLegacyRows} legacy rows`,
  );
  line('local_checkpoint', localDetail);
  if (exportedDetail !== null) line('exported_checkpoint', exportedDetail);
  line(
    'record_hashes',
    `${counts.calibration_records} calibration records (with their points) and ${counts.maintenance_records} maintenance records`,
  );
  line('deleted_records', `${trail.size} records known to the trail`);

  const first = problems[0];
  const broken = firstBrokenRow(problems);
  return {
    ok: problems.length === 0,
    rows_checked: checked,
    ...(first ? { reason: first.message } : {}),
    ...(broken !== undefined ? { first_broken_id: broken } : {}),
    key_id: key.id,
    head: { rows: checked, last_id: lastId, last_hash: lastHash },
    legacy_rows: legacyRows,
    keyed_from_id: keyedFrom,
    records_checked: counts,
    checks,
    problems,
    problems_truncated: dropped > 0,
  };
}

/** The lowest audit row the chain or a checkpoint finds at fault (what the old verify reported). */
function firstBrokenRow(problems: Problem[]): number | undefined {
  const ids = problems
    .filter((p) => !['record_hashes', 'deleted_records'].includes(p.check))
    .map((p) => p.audit_id)
    .filter((x): x is number => x !== undefined);
  return ids.length ? Math.min(...ids) : undefined;
}

function collectTrail(
  trail: Map<string, { hash: string; audit_id: number }>,
  r: { id: number; entity_type: string; entity_id: string | null; new_value: string | null },
) {
  const table = ENTITY_TABLE[r.entity_type];
  if (!table || !r.new_value) return;
  const v = parseJson<{ content_hash?: string; content_hashes?: Record<string, string> }>(r.new_value);
  if (v?.content_hash && r.entity_id)
    trail.set(`${table}:${r.entity_id}`, { hash: v.content_hash, audit_id: r.id });
  for (const [id, hash] of Object.entries(v?.content_hashes ?? {})) {
    trail.set(`${table}:${id}`, { hash, audit_id: r.id });
  }
}

async function checkAgainst(
  db: Kysely<DB>,
  check: string,
  s: SignedCheckpoint,
  key: ReturnType<typeof auditKeyOf>,
  add: (p: Problem) => void,
): Promise<string> {
  if (!checkpointSignatureOk(key, s)) {
    add({
      check,
      kind: 'checkpoint_signature',
      message: `the checkpoint is not signed with this server's audit key (its key: ${s.checkpoint?.key_id ?? '?'}, ours: ${key.id})`,
    });
    return 'signature invalid';
  }
  const c = s.checkpoint;
  const what = `checkpoint of ${c.taken_at}: ${c.rows} rows up to id ${c.last_id}`;
  if (c.last_id === 0) return what;
  const row = await db.selectFrom('audit_log').select('hash').where('id', '=', c.last_id).executeTakeFirst();
  const max = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('id').as('m'))
    .executeTakeFirstOrThrow();
  const maxId = max.m === null ? 0 : Number(max.m);
  if (!row) {
    add({
      check,
      kind: maxId < c.last_id ? 'truncated' : 'anchor_missing',
      audit_id: c.last_id,
      message:
        maxId < c.last_id
          ? `the trail ends at row ${maxId}, but the ${what}: rows after ${maxId} were cut off`
          : `row ${c.last_id}, the head of the ${what}, is missing`,
    });
    return what;
  }
  if (row.hash !== c.last_hash) {
    add({
      check,
      kind: 'rewritten',
      audit_id: c.last_id,
      message: `row ${c.last_id} no longer has the hash the ${what} recorded: history up to it was rewritten`,
    });
    return what;
  }
  const upTo = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id', '<=', c.last_id)
    .executeTakeFirstOrThrow();
  if (Number(upTo.n) !== c.rows) {
    add({
      check,
      kind: 'row_count',
      message: `${Number(upTo.n)} rows up to id ${c.last_id}, the ${what}`,
    });
  }
  return what;
}
