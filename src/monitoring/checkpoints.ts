// Detector state that must survive a restart (CUSUM sums and baseline, stuck timers, rule on-delay
// clocks, open gap) lives in detector_checkpoints, one row per (instrument, detector).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { batchesOf } from '../db/batches.ts';
import type { DB } from '../db/schema.ts';
import type { InstrumentMonitorState } from './instrument-monitor.ts';

/** The detector name of the monitor bundle's row (other detectors, e.g. the forest, use their own). */
export const MONITOR_DETECTOR = 'monitor';

export async function loadMonitorCheckpoints(db: Kysely<DB>): Promise<Map<number, InstrumentMonitorState>> {
  const rows = await db
    .selectFrom('detector_checkpoints')
    .select(['instrument_id', 'state'])
    .where('detector', '=', MONITOR_DETECTOR)
    .execute();
  const out = new Map<number, InstrumentMonitorState>();
  for (const r of rows) {
    try {
      out.set(r.instrument_id, JSON.parse(r.state) as InstrumentMonitorState);
    } catch {
      // A damaged row only costs that instrument a fresh start.
    }
  }
  return out;
}

/** One instrument's saved state (null without a usable row). */
export async function loadMonitorCheckpoint(
  db: Kysely<DB>,
  instrumentId: number,
): Promise<InstrumentMonitorState | null> {
  const row = await db
    .selectFrom('detector_checkpoints')
    .select('state')
    .where('detector', '=', MONITOR_DETECTOR)
    .where('instrument_id', '=', instrumentId)
    .executeTakeFirst();
  try {
    return row ? (JSON.parse(row.state) as InstrumentMonitorState) : null;
  } catch {
    return null;
  }
}

/**
 * Writes the monitor's checkpoints (issue 16, part 4). At 2,000 instruments a blind upsert of every
 * state each period left 2,000 dead row versions a minute on PostgreSQL. So: a state equal to the
 * one this process last wrote for the instrument is not sent again (a digest per instrument is
 * kept), the rest go in one set-based upsert per batch, and the upsert leaves a row alone when the
 * stored text is already the same (another process, or a restart, wrote it) or when the stored state
 * has counted newer readings than the offered one (issue 12: another process owns the instrument
 * now, and an edit or a re-armed clock marked this process's stale copy changed). Only `state` and
 * `updated_at` change and neither is indexed, so on PostgreSQL each write can be a HOT update into
 * the room migration 0028's fillfactor keeps free on the row's page.
 */
export class CheckpointWriter {
  private readonly written = new Map<number, string>();

  constructor(private readonly db: Kysely<DB>) {}

  /** Saves the states that differ from the last written; returns how many were sent. */
  async save(
    states: readonly { instrumentId: number; state: InstrumentMonitorState }[],
    at: string,
  ): Promise<number> {
    const changed: { instrumentId: number; json: string; digest: string; lastTs: number | null }[] = [];
    for (const s of states) {
      const json = JSON.stringify(s.state);
      const digest = createHash('sha1').update(json).digest('base64');
      if (this.written.get(s.instrumentId) !== digest)
        changed.push({ instrumentId: s.instrumentId, json, digest, lastTs: s.state.lastTs });
    }
    if (changed.length === 0) return 0;
    await this.db.transaction().execute(async (trx) => {
      for (const batch of batchesOf(changed, 4)) {
        await trx
          .insertInto('detector_checkpoints')
          .values(
            batch.map((c) => ({
              instrument_id: c.instrumentId,
              detector: MONITOR_DETECTOR,
              state: c.json,
              last_ts: c.lastTs,
              updated_at: at,
            })),
          )
          .onConflict((oc) =>
            oc
              .columns(['instrument_id', 'detector'])
              .doUpdateSet((eb) => ({
                state: eb.ref('excluded.state'),
                last_ts: eb.ref('excluded.last_ts'),
                updated_at: eb.ref('excluded.updated_at'),
              }))
              .where((eb) =>
                eb.and([
                  eb('detector_checkpoints.state', '<>', eb.ref('excluded.state')),
                  // Never an older state over a newer one: a process that has not counted the
                  // instrument's newest readings (they go to another process) keeps its hands off.
                  eb.or([
                    eb('detector_checkpoints.last_ts', 'is', null),
                    eb('excluded.last_ts', '>=', eb.ref('detector_checkpoints.last_ts')),
                  ]),
                ]),
              ),
          )
          .execute();
      }
    });
    for (const c of changed) this.written.set(c.instrumentId, c.digest);
    return changed.length;
  }

  /** The state now stored for the instrument is unknown here (deleted, or taken over from another process). */
  forget(instrumentId: number): void {
    this.written.delete(instrumentId);
  }
}

export async function deleteMonitorCheckpoint(db: Kysely<DB>, instrumentId: number): Promise<void> {
  await db
    .deleteFrom('detector_checkpoints')
    .where('instrument_id', '=', instrumentId)
    .where('detector', '=', MONITOR_DETECTOR)
    .execute();
}
