// Detector state that must survive a restart (CUSUM sums and baseline, stuck timers, rule on-delay
// clocks, open gap) lives in detector_checkpoints, one row per (instrument, detector).
import type { Kysely } from 'kysely';
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

const CHUNK = 500;

/** Upserts the states in one transaction, a few hundred rows per statement. */
export async function saveMonitorCheckpoints(
  db: Kysely<DB>,
  states: readonly { instrumentId: number; state: InstrumentMonitorState }[],
  at: string,
): Promise<void> {
  if (states.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < states.length; i += CHUNK) {
      const rows = states.slice(i, i + CHUNK).map((s) => ({
        instrument_id: s.instrumentId,
        detector: MONITOR_DETECTOR,
        state: JSON.stringify(s.state),
        updated_at: at,
      }));
      await trx
        .insertInto('detector_checkpoints')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['instrument_id', 'detector']).doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  });
}

export async function deleteMonitorCheckpoint(db: Kysely<DB>, instrumentId: number): Promise<void> {
  await db
    .deleteFrom('detector_checkpoints')
    .where('instrument_id', '=', instrumentId)
    .where('detector', '=', MONITOR_DETECTOR)
    .execute();
}
