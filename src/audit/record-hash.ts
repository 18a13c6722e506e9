import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { canonicalJson } from '../shared/db-values.ts';

// Content hashes of the records an ISO 9001 auditor relies on. The hash is stored beside the row
// (content_hash) AND in the audit row that created or changed it, so editing the row, recomputing
// its column, or deleting it is caught by verify: the audit copy is under the chain's HMAC.
// Version 1 of the canonical form; migration 0009 holds a frozen copy for its backfill, and
// record-hash.test.ts proves the two agree. Columns added later are not covered unless added here
// under a new version.

export const CALIBRATION_FIELDS = [
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
] as const;

export const POINT_FIELDS = [
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
] as const;

export const MAINTENANCE_FIELDS = [
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
] as const;

type Row = Record<string, unknown>;

function pick(row: Row, fields: readonly string[]): Row {
  const out: Row = {};
  for (const f of fields) out[f] = row[f] ?? null;
  return out;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function pointHash(p: Row): string {
  return sha256(canonicalJson({ v: 1, t: 'calibration_points', ...pick(p, POINT_FIELDS) }));
}

/** A calibration's hash covers its points (through their hashes, in seq order). */
export function calibrationHash(r: Row, pointHashes: string[]): string {
  return sha256(
    canonicalJson({ v: 1, t: 'calibration_records', ...pick(r, CALIBRATION_FIELDS), points: pointHashes }),
  );
}

export function maintenanceHash(r: Row): string {
  return sha256(canonicalJson({ v: 1, t: 'maintenance_records', ...pick(r, MAINTENANCE_FIELDS) }));
}

/** A calibration's points in the order they are hashed. */
export function pointsOf(db: Kysely<DB>, calibrationIds: number[]) {
  return db
    .selectFrom('calibration_points')
    .selectAll()
    .where('calibration_id', 'in', calibrationIds)
    .orderBy('calibration_id')
    .orderBy('seq')
    .orderBy('id')
    .execute();
}

export type RecordTable = 'calibration_records' | 'maintenance_records';
export interface RecordState {
  table: RecordTable;
  id: number;
  /** Hash of the content as it is now. */
  computed: string;
  /** The content_hash column (an attacker may have recomputed it; the audit copy decides). */
  stored: string | null;
  /** Points whose own stored hash no longer matches their content (to name what changed). */
  changed_points: number[];
}

/** Every protected record with its hashes, in pages, for verify. */
export async function* recordStates(db: Kysely<DB>): AsyncGenerator<RecordState> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('calibration_records')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute();
    if (rows.length === 0) break;
    const points = await pointsOf(
      db,
      rows.map((r) => r.id),
    );
    const byRecord = new Map<number, typeof points>();
    for (const p of points) byRecord.set(p.calibration_id, [...(byRecord.get(p.calibration_id) ?? []), p]);
    for (const r of rows) {
      const ps = byRecord.get(r.id) ?? [];
      const hashes = ps.map(pointHash);
      yield {
        table: 'calibration_records',
        id: r.id,
        computed: calibrationHash(r, hashes),
        stored: r.content_hash,
        changed_points: ps.filter((p, i) => p.content_hash !== hashes[i]).map((p) => p.seq),
      };
    }
    after = rows[rows.length - 1].id;
  }
  after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('maintenance_records')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      yield {
        table: 'maintenance_records',
        id: r.id,
        computed: maintenanceHash(r),
        stored: r.content_hash,
        changed_points: [],
      };
    }
    after = rows[rows.length - 1].id;
  }
}
