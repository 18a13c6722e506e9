import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, ProcessUnitRow } from '../db/schema.ts';
import { ConflictError, NotFoundError } from '../shared/errors.ts';

export interface ProcessUnitInput {
  name: string;
  description?: string | null;
  plant_area?: string | null;
}

export function toPublicProcessUnit(r: ProcessUnitRow & { instrument_count?: number | string | null }) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    plant_area: r.plant_area,
    instrument_count: Number(r.instrument_count ?? 0),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

function live(db: Kysely<DB>) {
  return db.selectFrom('process_units').where('process_units.deleted_at', 'is', null);
}

export async function getProcessUnit(db: Kysely<DB>, id: number) {
  const r = await live(db).selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError('process_unit', id);
  return r;
}

export async function listProcessUnits(db: Kysely<DB>) {
  const rows = await live(db)
    .selectAll('process_units')
    .select((eb) =>
      eb
        .selectFrom('instruments')
        .whereRef('instruments.process_unit_id', '=', 'process_units.id')
        .where('instruments.deleted_at', 'is', null)
        .select((e) => e.fn.countAll<number>().as('c'))
        .as('instrument_count'),
    )
    .orderBy('name')
    .execute();
  return { items: rows.map(toPublicProcessUnit), total: rows.length, limit: rows.length, offset: 0 };
}

async function assertNameFree(db: Kysely<DB>, name: string, exceptId?: number) {
  let q = live(db).select('id').where('name', '=', name);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) {
    throw new ConflictError('process_unit_name_taken', `a process unit named "${name}" already exists`, {
      field: 'name',
    });
  }
}

export async function createProcessUnit(
  db: Kysely<DB>,
  actorId: number | null,
  input: ProcessUnitInput,
  at: string,
) {
  // Inside the caller's transaction when it has one (an import creates the units it names).
  const run = async (trx: Kysely<DB>) => {
    const name = input.name.trim();
    await assertNameFree(trx, name);
    const row = await trx
      .insertInto('process_units')
      .values({
        name,
        description: input.description ?? null,
        plant_area: input.plant_area ?? null,
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const out = toPublicProcessUnit(row);
    await recordAudit(trx, {
      userId: actorId,
      action: 'create',
      entityType: 'process_unit',
      entityId: row.id,
      newValue: out,
      at,
    });
    return out;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

export async function updateProcessUnit(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: Partial<ProcessUnitInput>,
  at: string,
) {
  return db.transaction().execute(async (trx) => {
    const before = await getProcessUnit(trx, id);
    if (patch.name !== undefined) await assertNameFree(trx, patch.name.trim(), id);
    const after = await trx
      .updateTable('process_units')
      .set({
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.plant_area !== undefined ? { plant_area: patch.plant_area } : {}),
        updated_at: at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      userId: actorId,
      action: 'update',
      entityType: 'process_unit',
      entityId: id,
      oldValue: toPublicProcessUnit(before),
      newValue: toPublicProcessUnit(after),
      at,
    });
    return toPublicProcessUnit(after);
  });
}

/** Soft delete; refused while live instruments still belong to the unit. */
export async function deleteProcessUnit(db: Kysely<DB>, actorId: number, id: number, at: string) {
  await db.transaction().execute(async (trx) => {
    const before = await getProcessUnit(trx, id);
    const used = await trx
      .selectFrom('instruments')
      .select('id')
      .where('process_unit_id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (used) {
      throw new ConflictError(
        'process_unit_in_use',
        'move or delete the instruments of this process unit first',
      );
    }
    await trx
      .updateTable('process_units')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'process_unit',
      entityId: id,
      oldValue: toPublicProcessUnit(before),
      at,
    });
  });
}
