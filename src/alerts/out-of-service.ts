// Instruments out of service for alarms (ISA-18.2): by explicit action (source 'manual', API and
// button, with a reason) or while a work order on the instrument is in progress (source
// 'work_order', when ALERT_OUT_OF_SERVICE_DURING_WORK is on). While a period is open the
// instrument's alarms are recorded as suppressed (alert-service.ts), and ML training leaves the
// periods out (inServiceRanges). Every start and end is audited.
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { ConflictError, NotFoundError } from '../shared/errors.ts';

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

export interface OutOfServicePeriod {
  id: number;
  instrument_id: number;
  source: 'manual' | 'work_order';
  work_order_id: number | null;
  reason: string;
  started_at: string;
  started_by: number | null;
  started_by_name: string | null;
  ended_at: string | null;
  ended_by: number | null;
  end_reason: string | null;
}

const selectPeriods = (db: Kysely<DB>) =>
  db
    .selectFrom('instrument_out_of_service as o')
    .leftJoin('users as u', 'u.id', 'o.started_by')
    .select([
      'o.id',
      'o.instrument_id',
      'o.source',
      'o.work_order_id',
      'o.reason',
      'o.started_at',
      'o.started_by',
      'u.full_name as started_by_name',
      'o.ended_at',
      'o.ended_by',
      'o.end_reason',
    ]);

const toPeriod = (r: Awaited<ReturnType<ReturnType<typeof selectPeriods>['execute']>>[number]) =>
  ({ ...r, source: r.source as OutOfServicePeriod['source'] }) satisfies OutOfServicePeriod;

/** Whether the instrument's alarms are out of service at `at` (an open or covering period). */
export async function isOutOfService(db: Kysely<DB>, instrumentId: number, at: string): Promise<boolean> {
  const row = await db
    .selectFrom('instrument_out_of_service')
    .select('id')
    .where('instrument_id', '=', instrumentId)
    .where('started_at', '<=', at)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', at)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The open periods of an instrument (manual and work orders), newest first. */
export async function openOutOfService(db: Kysely<DB>, instrumentId: number): Promise<OutOfServicePeriod[]> {
  const rows = await selectPeriods(db)
    .where('o.instrument_id', '=', instrumentId)
    .where('o.ended_at', 'is', null)
    .orderBy('o.started_at', 'desc')
    .execute();
  return rows.map(toPeriod);
}

/** Instrument ids with an open period (the register's badge). */
export async function instrumentsOutOfService(db: Kysely<DB>): Promise<number[]> {
  const rows = await db
    .selectFrom('instrument_out_of_service')
    .select('instrument_id')
    .distinct()
    .where('ended_at', 'is', null)
    .execute();
  return rows.map((r) => r.instrument_id);
}

/**
 * The out-of-service periods of an instrument overlapping [from, to] (ISO), oldest first; an open
 * period ends at null. Used by ML training to keep those data out.
 */
export async function outOfServicePeriods(
  db: Kysely<DB>,
  instrumentId: number,
  from: string,
  to: string,
): Promise<OutOfServicePeriod[]> {
  const rows = await selectPeriods(db)
    .where('o.instrument_id', '=', instrumentId)
    .where('o.started_at', '<=', to)
    .where((eb) => eb.or([eb('o.ended_at', 'is', null), eb('o.ended_at', '>=', from)]))
    .orderBy('o.started_at')
    .orderBy('o.id')
    .execute();
  return rows.map(toPeriod);
}

/** Removes [start, end) periods from epoch-ms ranges (pure). */
export function subtractPeriods(
  ranges: readonly [number, number][],
  periods: readonly [number, number][],
): [number, number][] {
  let out: [number, number][] = ranges.map(([s, e]) => [s, e]);
  for (const [ps, pe] of periods) {
    const next: [number, number][] = [];
    for (const [s, e] of out) {
      if (pe <= s || ps >= e) {
        next.push([s, e]);
        continue;
      }
      if (ps > s) next.push([s, ps]);
      if (pe < e) next.push([pe, e]);
    }
    out = next;
  }
  return out;
}

/** Training ranges (epoch ms) with the instrument's out-of-service periods taken out. */
export async function inServiceRanges(
  db: Kysely<DB>,
  instrumentId: number,
  ranges: readonly [number, number][],
): Promise<[number, number][]> {
  if (ranges.length === 0) return [];
  const from = Math.min(...ranges.map((r) => r[0]));
  const to = Math.max(...ranges.map((r) => r[1]));
  const periods = await outOfServicePeriods(
    db,
    instrumentId,
    new Date(from).toISOString(),
    new Date(to).toISOString(),
  );
  return subtractPeriods(
    ranges,
    periods.map((p) => [
      Date.parse(p.started_at),
      p.ended_at ? Date.parse(p.ended_at) : Number.POSITIVE_INFINITY,
    ]),
  );
}

async function assertInstrument(db: Kysely<DB>, instrumentId: number) {
  const row = await db
    .selectFrom('instruments')
    .select(['id', 'tag'])
    .where('id', '=', instrumentId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('instrument', instrumentId);
  return row;
}

/** Explicit action: takes the instrument's alarms out of service (409 if they already are). */
export async function takeOutOfService(
  db: Kysely<DB>,
  actorId: number,
  instrumentId: number,
  reason: string,
  at: string,
): Promise<OutOfServicePeriod> {
  try {
    return await db.transaction().execute(async (trx) => {
      await assertInstrument(trx, instrumentId);
      const row = await trx
        .insertInto('instrument_out_of_service')
        .values({
          instrument_id: instrumentId,
          source: 'manual',
          work_order_id: null,
          reason: reason.trim(),
          started_at: at,
          started_by: actorId,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const period = toPeriod(await selectPeriods(trx).where('o.id', '=', row.id).executeTakeFirstOrThrow());
      await recordAudit(trx, {
        userId: actorId,
        action: 'out_of_service',
        entityType: 'instrument',
        entityId: instrumentId,
        newValue: { period_id: period.id, source: 'manual', reason: period.reason, started_at: at },
        at,
      });
      return period;
    });
  } catch (err) {
    // The partial unique index lets one open manual period exist: the loser of a race lands here.
    if (UNIQUE_VIOLATION.has((err as { code?: string }).code ?? '')) {
      throw new ConflictError(
        'instrument_out_of_service',
        `instrument ${instrumentId} is already out of service`,
        { instrument_id: instrumentId },
      );
    }
    throw err;
  }
}

/** Ends the explicit out-of-service period (guarded: one of concurrent requests wins, others 409). */
export async function returnToService(
  db: Kysely<DB>,
  actorId: number,
  instrumentId: number,
  reason: string | null,
  at: string,
): Promise<OutOfServicePeriod> {
  return db.transaction().execute(async (trx) => {
    await assertInstrument(trx, instrumentId);
    const row = await trx
      .updateTable('instrument_out_of_service')
      .set({ ended_at: at, ended_by: actorId, end_reason: reason?.trim() || null, updated_at: at })
      .where('instrument_id', '=', instrumentId)
      .where('source', '=', 'manual')
      .where('ended_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      throw new ConflictError(
        'instrument_in_service',
        `instrument ${instrumentId} has not been taken out of service by hand`,
        { instrument_id: instrumentId },
      );
    }
    const period = toPeriod(await selectPeriods(trx).where('o.id', '=', row.id).executeTakeFirstOrThrow());
    await recordAudit(trx, {
      userId: actorId,
      action: 'return_to_service',
      entityType: 'instrument',
      entityId: instrumentId,
      oldValue: { period_id: period.id, started_at: period.started_at, reason: period.reason },
      newValue: { ended_at: at, ...(period.end_reason ? { reason: period.end_reason } : {}) },
      at,
    });
    return period;
  });
}

/**
 * A work order on the instrument moved to in_progress (called by the work-order service, inside its
 * transaction, when ALERT_OUT_OF_SERVICE_DURING_WORK is on).
 */
export async function startWorkOrderOutOfService(
  trx: Kysely<DB>,
  wo: { id: number; instrument_id: number; title: string },
  actorId: number | null,
  at: string,
): Promise<void> {
  const open = await trx
    .selectFrom('instrument_out_of_service')
    .select('id')
    .where('work_order_id', '=', wo.id)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  if (open) return;
  const row = await trx
    .insertInto('instrument_out_of_service')
    .values({
      instrument_id: wo.instrument_id,
      source: 'work_order',
      work_order_id: wo.id,
      reason: `work order #${wo.id} in progress: ${wo.title}`.slice(0, 500),
      started_at: at,
      started_by: actorId,
      created_at: at,
      updated_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    userId: actorId,
    action: 'out_of_service',
    entityType: 'instrument',
    entityId: wo.instrument_id,
    newValue: { period_id: row.id, source: 'work_order', work_order_id: wo.id, started_at: at },
    at,
  });
}

/** The work order left in_progress (completed or cancelled): its period ends. */
export async function endWorkOrderOutOfService(
  trx: Kysely<DB>,
  workOrderId: number,
  actorId: number | null,
  at: string,
): Promise<void> {
  const row = await trx
    .updateTable('instrument_out_of_service')
    .set({ ended_at: at, ended_by: actorId, end_reason: 'work order closed', updated_at: at })
    .where('work_order_id', '=', workOrderId)
    .where('ended_at', 'is', null)
    .returning(['id', 'instrument_id'])
    .executeTakeFirst();
  if (!row) return;
  await recordAudit(trx, {
    userId: actorId,
    action: 'return_to_service',
    entityType: 'instrument',
    entityId: row.instrument_id,
    newValue: { period_id: row.id, source: 'work_order', work_order_id: workOrderId, ended_at: at },
    at,
  });
}
