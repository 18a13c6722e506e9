import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;
type Row = Record<string, unknown>;

/**
 * Calibration records, their points and maintenance records get a content hash (version 1 of the
 * canonical form in src/audit/record-hash.ts, copied here so this migration never changes). Rows
 * that exist now are hashed here, and the hashes are written to the audit trail in 'seal_existing'
 * rows, so from now on editing or deleting them is caught by verify like any newer record.
 * Those audit rows are chained the legacy way (sha256: a migration has no key); the first keyed
 * row, written at the next start, seals them under the HMAC (src/audit/audit-log.ts).
 */
export async function up(db: Db): Promise<void> {
  for (const t of ['calibration_records', 'calibration_points', 'maintenance_records']) {
    await db.schema.alterTable(t).addColumn('content_hash', 'text').execute();
  }
  const at = new Date().toISOString();
  const sealed: { entity: string; hashes: Record<string, string> }[] = [];

  const pointHashes = new Map<number, string[]>();
  for (const p of await db
    .selectFrom('calibration_points')
    .selectAll()
    .orderBy('calibration_id')
    .orderBy('seq')
    .orderBy('id')
    .execute()) {
    const h = sha256(canonicalJson({ v: 1, t: 'calibration_points', ...pick(p, POINT_FIELDS) }));
    await db.updateTable('calibration_points').set({ content_hash: h }).where('id', '=', p.id).execute();
    pointHashes.set(p.calibration_id, [...(pointHashes.get(p.calibration_id) ?? []), h]);
  }
  let hashes: Record<string, string> = {};
  for (const r of await db.selectFrom('calibration_records').selectAll().orderBy('id').execute()) {
    const h = sha256(
      canonicalJson({
        v: 1,
        t: 'calibration_records',
        ...pick(r, CALIBRATION_FIELDS),
        points: pointHashes.get(r.id) ?? [],
      }),
    );
    await db.updateTable('calibration_records').set({ content_hash: h }).where('id', '=', r.id).execute();
    hashes[String(r.id)] = h;
    if (Object.keys(hashes).length === 500) {
      sealed.push({ entity: 'calibration_record', hashes });
      hashes = {};
    }
  }
  if (Object.keys(hashes).length) sealed.push({ entity: 'calibration_record', hashes });
  hashes = {};
  for (const r of await db.selectFrom('maintenance_records').selectAll().orderBy('id').execute()) {
    const h = sha256(canonicalJson({ v: 1, t: 'maintenance_records', ...pick(r, MAINTENANCE_FIELDS) }));
    await db.updateTable('maintenance_records').set({ content_hash: h }).where('id', '=', r.id).execute();
    hashes[String(r.id)] = h;
    if (Object.keys(hashes).length === 500) {
      sealed.push({ entity: 'maintenance_record', hashes });
      hashes = {};
    }
  }
  if (Object.keys(hashes).length) sealed.push({ entity: 'maintenance_record', hashes });

  for (const s of sealed) {
    const last = await db
      .selectFrom('audit_log')
      .select(['id', 'hash'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const prevHash = last?.hash ?? '0'.repeat(64);
    const row = {
      created_at: at,
      user_id: null,
      action: 'seal_existing',
      entity_type: s.entity,
      entity_id: null,
      old_value: null,
      new_value: canonicalJson({ content_hashes: s.hashes, migration: '0009_record_content_hashes' }),
    };
    const hash = createHash('sha256').update(prevHash).update(canonicalJson(row)).digest('hex');
    await db
      .insertInto('audit_log')
      .values({ id: (last?.id ?? 0) + 1, ...row, prev_hash: prevHash, hash })
      .execute();
  }
}

export async function down(db: Db): Promise<void> {
  for (const t of ['calibration_records', 'calibration_points', 'maintenance_records']) {
    await db.schema.alterTable(t).dropColumn('content_hash').execute();
  }
}

// --- version 1 of the canonical form (copy of src/audit/record-hash.ts at the time) ---
const CALIBRATION_FIELDS = [
  'id',
  'instrument_id',
  'performed_at',
  'technician_id',
  'reference_standard_id',
  'notes',
  'tolerance_pct',
  'as_found_passed',
  'as_left_passed',
  'passed',
  'max_as_found_error_pct',
  'max_as_left_error_pct',
  'corrects_id',
  'work_order_id',
  'next_due_at',
  'created_at',
];
const POINT_FIELDS = [
  'id',
  'calibration_id',
  'seq',
  'reference_value',
  'as_found',
  'as_left',
  'as_found_error_pct',
  'as_left_error_pct',
  'as_found_passed',
  'as_left_passed',
  'created_at',
];
const MAINTENANCE_FIELDS = [
  'id',
  'instrument_id',
  'performed_at',
  'action_type',
  'technician_id',
  'description',
  'parts_used',
  'duration_minutes',
  'work_order_id',
  'created_at',
  'deleted_at',
];

function pick(row: Row, fields: string[]): Row {
  const out: Row = {};
  for (const f of fields) out[f] = row[f] ?? null;
  return out;
}
function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Row = {};
    for (const k of Object.keys(v as Row).sort()) {
      const x = (v as Row)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** For record-hash.test.ts: the frozen v1 hashes, to prove the app computes the same. */
export const frozenV1 = {
  point: (p: Row) => sha256(canonicalJson({ v: 1, t: 'calibration_points', ...pick(p, POINT_FIELDS) })),
  calibration: (r: Row, points: string[]) =>
    sha256(canonicalJson({ v: 1, t: 'calibration_records', ...pick(r, CALIBRATION_FIELDS), points })),
  maintenance: (r: Row) =>
    sha256(canonicalJson({ v: 1, t: 'maintenance_records', ...pick(r, MAINTENANCE_FIELDS) })),
};
