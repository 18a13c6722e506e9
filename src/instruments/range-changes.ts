import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { batchesOf } from '../db/batches.ts';
import type { DB } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { findInstrument, getInstrument } from './instrument-service.ts';
import { validateRangeAndLimits } from './validation.ts';

// Readings are stored as plain numbers in the instrument's unit and range at the time they were
// taken. Changing the unit or range would silently relabel every stored reading, so once an
// instrument has readings the change goes through rerangeInstrument, which records it with its
// effective time; the old readings stay as they were, read against the range of their time.

/** Fields whose change relabels stored readings. */
export const RANGE_FIELDS = ['unit', 'range_min', 'range_max'] as const;

/** Whether any reading (raw or downsampled) is stored for the instrument. */
export async function hasReadings(db: Kysely<DB>, instrumentId: number): Promise<boolean> {
  return (await instrumentsWithReadings(db, [instrumentId])).has(instrumentId);
}

/** The instruments among these with any reading (raw or downsampled) stored. */
export async function instrumentsWithReadings(
  db: Kysely<DB>,
  instrumentIds: readonly number[],
): Promise<Set<number>> {
  const out = new Set<number>();
  let left = [...new Set(instrumentIds)];
  for (const table of ['raw_readings', 'readings_1m', 'readings_1h', 'readings_1d'] as const) {
    for (const batch of batchesOf(left)) {
      // One probe per instrument (exists stops at its first row), so a long history costs nothing.
      const rows = await db
        .selectFrom('instruments as i')
        .select('i.id')
        .where('i.id', 'in', batch)
        .where((eb) =>
          eb.exists(eb.selectFrom(table).select('instrument_id').whereRef('instrument_id', '=', 'i.id')),
        )
        .execute();
      for (const r of rows) out.add(r.id);
    }
    left = left.filter((id) => !out.has(id));
    if (left.length === 0) break;
  }
  return out;
}

/** The 409 a plain PATCH gets when it would relabel stored readings. */
export function rangeChangeRefused(tag: string, fields: string[]) {
  return new ConflictError(
    'instrument_has_readings',
    `${tag} already has readings: changing ${fields.join(', ')} would relabel them. ` +
      `Use POST /api/instruments/{id}/rerange with a reason; it records the change and its effective time.`,
    { fields },
  );
}

export interface RerangeInput {
  unit?: string;
  range_min?: number;
  range_max?: number;
  reason: string;
  nominal_value?: number | null;
  alarm_low_critical?: number | null;
  alarm_low_warning?: number | null;
  alarm_high_warning?: number | null;
  alarm_high_critical?: number | null;
  alarm_deadband?: number;
  stuck_deadband?: number;
}

/** Values in engineering units that may follow the new range in the same step. */
const FOLLOWING = [
  'nominal_value',
  'alarm_low_critical',
  'alarm_low_warning',
  'alarm_high_warning',
  'alarm_high_critical',
  'alarm_deadband',
  'stuck_deadband',
] as const;

/**
 * Re-ranges an instrument from `now` on: new unit and/or range (and limits expressed in them),
 * recorded in instrument_range_changes and the audit trail. Only one of two concurrent re-ranges
 * of the same instrument wins (the update is guarded by the range it read).
 */
export async function rerangeInstrument(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  input: RerangeInput,
  now: Date,
  after: AfterCommit,
) {
  const at = now.toISOString();
  const res = await db.transaction().execute(async (trx) => {
    const before = await findInstrument(trx, id);
    if (!before) throw new NotFoundError('instrument', id);
    const next = {
      unit: input.unit?.trim() ?? before.unit,
      range_min: input.range_min ?? before.range_min,
      range_max: input.range_max ?? before.range_max,
    };
    if (RANGE_FIELDS.every((k) => next[k] === before[k])) {
      throw new ValidationError('unit', 'give a new unit, range_min or range_max: nothing would change');
    }
    const following: Record<string, unknown> = {};
    for (const k of FOLLOWING) if (input[k] !== undefined) following[k] = input[k];
    validateRangeAndLimits({ ...before, ...following, ...next });

    const res = await trx
      .updateTable('instruments')
      .set({ ...next, ...following, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('unit', '=', before.unit)
      .where('range_min', '=', before.range_min)
      .where('range_max', '=', before.range_max)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw new ConflictError(
        'instrument_changed_concurrently',
        `${before.tag} was re-ranged by someone else meanwhile; reload and try again`,
      );
    }
    const change = await trx
      .insertInto('instrument_range_changes')
      .values({
        instrument_id: id,
        effective_at: at,
        old_unit: before.unit,
        old_range_min: before.range_min,
        old_range_max: before.range_max,
        new_unit: next.unit,
        new_range_min: next.range_min,
        new_range_max: next.range_max,
        reason: input.reason.trim(),
        changed_by: actorId,
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const keys = [...RANGE_FIELDS, ...Object.keys(following)] as (keyof typeof before)[];
    await recordAudit(trx, {
      userId: actorId,
      action: 'rerange',
      entityType: 'instrument',
      entityId: id,
      oldValue: Object.fromEntries(keys.map((k) => [k, before[k]])),
      newValue: {
        ...next,
        ...following,
        reason: change.reason,
        effective_at: at,
        range_change_id: change.id,
      },
      at,
    });
    return { instrument: await getInstrument(trx, id, now), change: toPublicRangeChange(change) };
  });
  after.emit('instrument.changed', id);
  return res;
}

type ChangeRow = Awaited<ReturnType<typeof listRows>>[number];

function listRows(db: Kysely<DB>, instrumentId: number) {
  return db
    .selectFrom('instrument_range_changes as c')
    .leftJoin('users as u', 'u.id', 'c.changed_by')
    .selectAll('c')
    .select('u.full_name as changed_by_name')
    .where('c.instrument_id', '=', instrumentId)
    .orderBy('c.effective_at')
    .orderBy('c.id')
    .execute();
}

export function toPublicRangeChange(
  r: Omit<ChangeRow, 'changed_by_name'> & { changed_by_name?: string | null },
) {
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    effective_at: r.effective_at,
    old_unit: r.old_unit,
    old_range_min: r.old_range_min,
    old_range_max: r.old_range_max,
    new_unit: r.new_unit,
    new_range_min: r.new_range_min,
    new_range_max: r.new_range_max,
    reason: r.reason,
    changed_by: r.changed_by,
    changed_by_name: r.changed_by_name ?? null,
  };
}

/** The instrument's re-ranges, oldest first (readings before each effective_at use its old_* values). */
export async function listRangeChanges(db: Kysely<DB>, instrumentId: number) {
  const i = await findInstrument(db, instrumentId, { includeDeleted: true });
  if (!i) throw new NotFoundError('instrument', instrumentId);
  return { items: (await listRows(db, instrumentId)).map(toPublicRangeChange) };
}
