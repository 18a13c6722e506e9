// Several processes (docs/scaling.md, "Data gaps"): the newest reading's event time per instrument,
// whichever process received it, in `instrument_last_seen` (migration 0027). Every process writes
// what it received in one statement per DATA_GAP_CHECK_SECONDS; the process holding the data-gap
// lease reads it all before judging gaps.
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

/** Records the newest event time per instrument; a row only ever moves forward. */
export async function recordLastSeen(
  db: Database,
  seen: ReadonlyMap<number, number>,
  at: string,
): Promise<void> {
  if (seen.size === 0) return;
  // Sorted, so concurrent batches of two processes lock their rows in one order (no deadlock).
  const rows = [...seen]
    .sort((a, b) => a[0] - b[0])
    .map(([instrument_id, last_ts]) => ({ instrument_id, last_ts, updated_at: at }));
  await db
    .insertInto('instrument_last_seen')
    .values(rows)
    .onConflict((oc) =>
      oc.column('instrument_id').doUpdateSet({
        last_ts: sql`case when excluded.last_ts > instrument_last_seen.last_ts then excluded.last_ts else instrument_last_seen.last_ts end`,
        updated_at: sql`excluded.updated_at`,
      }),
    )
    .execute();
}

/** Every instrument's newest event time seen by any process. */
export async function loadLastSeen(db: Database): Promise<Map<number, number>> {
  const rows = await db.selectFrom('instrument_last_seen').select(['instrument_id', 'last_ts']).execute();
  return new Map(rows.map((r) => [r.instrument_id, Number(r.last_ts)]));
}
