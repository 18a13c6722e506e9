import type { Kysely, Selectable } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { batchesOf } from '../db/batches.ts';
import type { CalibrationProceduresTable, DB } from '../db/schema.ts';
import { bool, parseJson } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { type ProcedureDirection, type ProcedureSpec, procedureSequence } from './procedure-points.ts';
import type { ToleranceRule } from './tolerances.ts';
import type { TransferFunction } from './transfer-functions.ts';

// Calibration procedures: templates of test points, direction, cycles, tolerance rule and transfer
// function, assigned to an instrument or to every instrument of a type (the instrument's own
// assignment wins). Admins write them; every change is audited. An edit raises the revision, and
// each record keeps the procedure id and revision it followed.

type Row = Selectable<CalibrationProceduresTable>;

export interface ProcedureInput {
  name: string;
  description?: string | null;
  test_points: number[];
  direction: ProcedureDirection;
  cycles?: number;
  tolerance: ToleranceRule;
  transfer_function?: TransferFunction | null;
  allow_reduced_check?: boolean;
}

export function toPublicProcedure(r: Row) {
  const spec = specOf(r);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    revision: r.revision,
    ...spec,
    /** The points in the order they are taken. */
    sequence: procedureSequence(spec),
    created_at: r.created_at,
    updated_at: r.updated_at,
    deleted_at: r.deleted_at,
  };
}
export type PublicProcedure = ReturnType<typeof toPublicProcedure>;

export function specOf(r: Row): ProcedureSpec {
  return {
    test_points: parseJson<number[]>(r.test_points) ?? [],
    direction: r.direction as ProcedureDirection,
    cycles: r.cycles,
    tolerance: parseJson<ToleranceRule>(r.tolerance) as ToleranceRule,
    transfer_function: parseJson<TransferFunction>(r.transfer_function),
    allow_reduced_check: bool(r.allow_reduced_check),
  };
}

/** Checks the schema cannot express: points distinct, limits ordered, an input range that is one. */
function validate(p: ProcedureInput) {
  const pts = p.test_points;
  if (new Set(pts).size !== pts.length)
    throw new ValidationError('test_points', 'test_points must not repeat a point (use cycles to repeat)');
  const t = p.tolerance;
  if (t.adjust_limit !== undefined && t.adjust_limit !== null && !(t.adjust_limit < t.fail_limit)) {
    throw new ValidationError('tolerance.adjust_limit', 'the adjust limit must be below the fail limit');
  }
  if (t.floor !== undefined && t.floor !== null && t.mode !== 'pct_reading') {
    throw new ValidationError('tolerance.floor', 'a floor applies to % of reading tolerances only');
  }
  const tf = p.transfer_function;
  if (tf && (tf.kind === 'linear' || tf.kind === 'sqrt') && !(tf.input_max > tf.input_min)) {
    throw new ValidationError('transfer_function.input_max', 'input_max must be above input_min');
  }
}

function columns(p: ProcedureInput) {
  return {
    name: p.name.trim(),
    description: p.description?.trim() || null,
    test_points: JSON.stringify([...p.test_points].sort((a, b) => a - b)),
    direction: p.direction,
    cycles: p.cycles ?? 1,
    tolerance: JSON.stringify(p.tolerance),
    transfer_function: p.transfer_function ? JSON.stringify(p.transfer_function) : null,
    allow_reduced_check: p.allow_reduced_check ? 1 : 0,
  };
}

async function assertNameFree(db: Kysely<DB>, name: string, exceptId?: number) {
  let q = db
    .selectFrom('calibration_procedures')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.trim().toLowerCase()))
    .where('deleted_at', 'is', null);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) {
    throw new ConflictError('calibration_procedure_name_taken', `a procedure named ${name} already exists`, {
      field: 'name',
    });
  }
}

async function findRow(db: Kysely<DB>, id: number, includeDeleted = false) {
  let q = db.selectFrom('calibration_procedures').selectAll().where('id', '=', id);
  if (!includeDeleted) q = q.where('deleted_at', 'is', null);
  return q.executeTakeFirst();
}

export async function getProcedure(db: Kysely<DB>, id: number) {
  const r = await findRow(db, id, true);
  if (!r) throw new NotFoundError('calibration_procedure', id);
  return toPublicProcedure(r);
}

export async function listProcedures(
  db: Kysely<DB>,
  q: { q?: string; include_deleted?: boolean; limit: number; offset: number },
) {
  let query = db.selectFrom('calibration_procedures');
  if (!q.include_deleted) query = query.where('deleted_at', 'is', null);
  if (q.q) query = query.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${q.q?.toLowerCase()}%`));
  const { n } = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query.selectAll().orderBy('name').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toPublicProcedure), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function createProcedure(db: Kysely<DB>, actorId: number, input: ProcedureInput, now: Date) {
  validate(input);
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    await assertNameFree(trx, input.name);
    const row = await trx
      .insertInto('calibration_procedures')
      .values({ ...columns(input), created_by: actorId, created_at: at, updated_at: at, deleted_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    const created = toPublicProcedure(row);
    await recordAudit(trx, {
      userId: actorId,
      action: 'create',
      entityType: 'calibration_procedure',
      entityId: row.id,
      newValue: created,
      at,
    });
    return created;
  });
}

/** An edit is a new revision; of two concurrent edits of one revision, one wins, the other gets 409. */
export async function updateProcedure(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: Partial<ProcedureInput>,
  now: Date,
) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const before = await findRow(trx, id);
    if (!before) throw new NotFoundError('calibration_procedure', id);
    const old = toPublicProcedure(before);
    const merged: ProcedureInput = {
      name: patch.name ?? old.name,
      description: patch.description !== undefined ? patch.description : old.description,
      test_points: patch.test_points ?? old.test_points,
      direction: patch.direction ?? old.direction,
      cycles: patch.cycles ?? old.cycles,
      tolerance: patch.tolerance ?? old.tolerance,
      transfer_function:
        patch.transfer_function !== undefined ? patch.transfer_function : old.transfer_function,
      allow_reduced_check: patch.allow_reduced_check ?? old.allow_reduced_check,
    };
    validate(merged);
    if (patch.name !== undefined) await assertNameFree(trx, merged.name, id);
    const res = await trx
      .updateTable('calibration_procedures')
      .set({ ...columns(merged), revision: before.revision + 1, updated_at: at })
      .where('id', '=', id)
      .where('revision', '=', before.revision)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw new ConflictError(
        'calibration_procedure_changed',
        `procedure ${id} was changed meanwhile; reload it`,
      );
    }
    const after = toPublicProcedure((await findRow(trx, id)) as Row);
    await recordAudit(trx, {
      userId: actorId,
      action: 'update',
      entityType: 'calibration_procedure',
      entityId: id,
      oldValue: old,
      newValue: after,
      at,
    });
    return after;
  });
}

/** Soft delete; records that followed it keep pointing at it. Its assignments end with it. */
export async function deleteProcedure(db: Kysely<DB>, actorId: number, id: number, now: Date) {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await findRow(trx, id);
    if (!row) throw new NotFoundError('calibration_procedure', id);
    const res = await trx
      .updateTable('calibration_procedures')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new NotFoundError('calibration_procedure', id);
    const assigned = await trx
      .deleteFrom('calibration_procedure_assignments')
      .where('procedure_id', '=', id)
      .returning(['instrument_id', 'instrument_type'])
      .execute();
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'calibration_procedure',
      entityId: id,
      oldValue: { ...toPublicProcedure(row), assignments: assigned },
      newValue: { deleted_at: at },
      at,
    });
  });
}

type Target = { instrument_id: number } | { instrument_type: string };

/**
 * Assigns a procedure to an instrument or to an instrument type (procedureId null removes it).
 * One row per target (unique index): a concurrent assignment replaces, never duplicates.
 */
export async function assignProcedure(
  db: Kysely<DB>,
  actorId: number,
  target: Target,
  procedureId: number | null,
  now: Date,
) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    if ('instrument_id' in target) {
      const inst = await trx
        .selectFrom('instruments')
        .select('id')
        .where('id', '=', target.instrument_id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!inst) throw new NotFoundError('instrument', target.instrument_id);
    }
    if (procedureId !== null && !(await findRow(trx, procedureId))) {
      throw new ValidationError('procedure_id', `calibration procedure ${procedureId} does not exist`);
    }
    const column = 'instrument_id' in target ? 'instrument_id' : 'instrument_type';
    const value = 'instrument_id' in target ? target.instrument_id : target.instrument_type;
    const before = await trx
      .selectFrom('calibration_procedure_assignments')
      .select('procedure_id')
      .where(column, '=', value as never)
      .executeTakeFirst();
    if (procedureId === null) {
      await trx
        .deleteFrom('calibration_procedure_assignments')
        .where(column, '=', value as never)
        .execute();
    } else {
      // An upsert on the partial unique index: concurrent assignments leave one row (the last one).
      await trx
        .insertInto('calibration_procedure_assignments')
        .values({
          procedure_id: procedureId,
          instrument_id: 'instrument_id' in target ? target.instrument_id : null,
          instrument_type: 'instrument_type' in target ? target.instrument_type : null,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc
            .column(column)
            .where(column, 'is not', null)
            .doUpdateSet({ procedure_id: procedureId, updated_at: at }),
        )
        .execute();
    }
    await recordAudit(trx, {
      userId: actorId,
      action: 'assign_procedure',
      entityType: 'instrument_id' in target ? 'instrument' : 'instrument_type',
      entityId: 'instrument_id' in target ? target.instrument_id : target.instrument_type,
      oldValue: { procedure_id: before?.procedure_id ?? null },
      newValue: { procedure_id: procedureId },
      at,
    });
    return { ...target, procedure_id: procedureId };
  });
}

export type ProcedureSource = 'instrument' | 'type' | 'none';

/** The procedure an instrument follows: its own assignment, else its type's, else none. */
export async function effectiveProcedure(
  db: Kysely<DB>,
  inst: { id: number; type: string },
): Promise<{ source: ProcedureSource; row: Row | null }> {
  return (await effectiveProcedures(db, [inst])).get(inst.id) as { source: ProcedureSource; row: Row | null };
}

/** effectiveProcedure of many instruments (an import), in three queries per batch. */
export async function effectiveProcedures(
  db: Kysely<DB>,
  insts: readonly { id: number; type: string }[],
): Promise<Map<number, { source: ProcedureSource; row: Row | null }>> {
  const own = new Map<number, number[]>();
  const byType = new Map<string, number[]>();
  const add = <K>(m: Map<K, number[]>, k: K, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const batch of batchesOf(insts.map((i) => i.id))) {
    const rows = await db
      .selectFrom('calibration_procedure_assignments')
      .select(['instrument_id', 'procedure_id'])
      .where('instrument_id', 'in', batch)
      .orderBy('id')
      .execute();
    for (const r of rows) add(own, r.instrument_id as number, r.procedure_id);
  }
  for (const batch of batchesOf([...new Set(insts.map((i) => i.type))])) {
    const rows = await db
      .selectFrom('calibration_procedure_assignments')
      .select(['instrument_type', 'procedure_id'])
      .where('instrument_type', 'in', batch)
      .orderBy('id')
      .execute();
    for (const r of rows) add(byType, r.instrument_type as string, r.procedure_id);
  }
  // Only a live procedure counts: an assignment to a deleted one falls through to the next.
  const live = new Map<number, Row>();
  for (const batch of batchesOf([...new Set([...own.values(), ...byType.values()].flat())])) {
    const rows = await db
      .selectFrom('calibration_procedures')
      .selectAll()
      .where('id', 'in', batch)
      .where('deleted_at', 'is', null)
      .execute();
    for (const r of rows) live.set(r.id, r);
  }
  const first = (ids: number[] | undefined) => ids?.map((id) => live.get(id)).find((r) => r !== undefined);
  const out = new Map<number, { source: ProcedureSource; row: Row | null }>();
  for (const inst of insts) {
    const mine = first(own.get(inst.id));
    const typed = mine ? undefined : first(byType.get(inst.type));
    out.set(
      inst.id,
      mine
        ? { source: 'instrument', row: mine }
        : typed
          ? { source: 'type', row: typed }
          : { source: 'none', row: null },
    );
  }
  return out;
}

export async function instrumentProcedure(db: Kysely<DB>, instrumentId: number) {
  const inst = await db
    .selectFrom('instruments')
    .select(['id', 'type'])
    .where('id', '=', instrumentId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!inst) throw new NotFoundError('instrument', instrumentId);
  const { source, row } = await effectiveProcedure(db, inst);
  return { instrument_id: inst.id, source, procedure: row ? toPublicProcedure(row) : null };
}
