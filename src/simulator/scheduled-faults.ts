// Faults the live simulator starts with, at a given event time: the demo seed writes its drift here
// so the live readings continue the drift its backfilled history shows (see seed/backfill-history.ts).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ScheduledFault } from './history.ts';

export const SCHEDULED_FAULTS_KEY = 'simulator.scheduled_faults';

export async function loadScheduledFaults(db: Kysely<DB>): Promise<ScheduledFault[]> {
  const row = await db
    .selectFrom('system_state')
    .select('value')
    .where('key', '=', SCHEDULED_FAULTS_KEY)
    .executeTakeFirst();
  if (!row) return [];
  try {
    const list = JSON.parse(row.value) as ScheduledFault[];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}
