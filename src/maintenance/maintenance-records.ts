import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { maintenanceHash } from '../audit/record-hash.ts';
import type { DB } from '../db/schema.ts';
import { extendSuppressionWindow } from '../instruments/instrument-service.ts';

export const MAINTENANCE_ACTION_TYPES = [
  'corrective',
  'preventive',
  'inspection',
  'repair',
  'replacement',
  'adjustment',
  'cleaning',
  'other',
] as const;
export type MaintenanceActionType = (typeof MAINTENANCE_ACTION_TYPES)[number];

export interface MaintenanceValues {
  instrument_id: number;
  performed_at: string;
  action_type: string;
  technician_id: number;
  description: string;
  parts_used: string | null;
  duration_minutes: number | null;
  work_order_id: number | null;
}

const selectMaintenance = (db: Kysely<DB>) =>
  db
    .selectFrom('maintenance_records as m')
    .innerJoin('instruments', 'instruments.id', 'm.instrument_id')
    .innerJoin('users as tech', 'tech.id', 'm.technician_id')
    .selectAll('m')
    .select(['instruments.tag as tag', 'tech.full_name as technician_name']);

type MaintenanceJoined = NonNullable<
  Awaited<ReturnType<ReturnType<typeof selectMaintenance>['executeTakeFirst']>>
>;

export function toPublicMaintenance(r: MaintenanceJoined) {
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    performed_at: r.performed_at,
    action_type: r.action_type,
    technician_id: r.technician_id,
    technician_name: r.technician_name,
    description: r.description,
    parts_used: r.parts_used,
    duration_minutes: r.duration_minutes,
    work_order_id: r.work_order_id,
    created_at: r.created_at,
  };
}
export type PublicMaintenance = ReturnType<typeof toPublicMaintenance>;

export async function findMaintenance(db: Kysely<DB>, id: number) {
  const r = await selectMaintenance(db)
    .where('m.id', '=', id)
    .where('m.deleted_at', 'is', null)
    .executeTakeFirst();
  return r ? toPublicMaintenance(r) : null;
}

export async function maintenanceForWorkOrder(db: Kysely<DB>, workOrderId: number) {
  return db
    .selectFrom('maintenance_records')
    .select('id')
    .where('work_order_id', '=', workOrderId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export interface MaintenanceQuery {
  instrument_id?: number;
  tag?: string;
  technician_id?: number;
  action_type?: string;
  work_order_id?: number;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export async function listMaintenance(db: Kysely<DB>, q: MaintenanceQuery) {
  let query = selectMaintenance(db).where('m.deleted_at', 'is', null);
  if (q.instrument_id) query = query.where('m.instrument_id', '=', q.instrument_id);
  if (q.tag) query = query.where('instruments.tag', '=', q.tag);
  if (q.technician_id) query = query.where('m.technician_id', '=', q.technician_id);
  if (q.action_type) query = query.where('m.action_type', '=', q.action_type);
  if (q.work_order_id) query = query.where('m.work_order_id', '=', q.work_order_id);
  if (q.from) query = query.where('m.performed_at', '>=', q.from);
  if (q.to) query = query.where('m.performed_at', '<=', q.to);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('m.performed_at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toPublicMaintenance), total: Number(n), limit: q.limit, offset: q.offset };
}

/**
 * Stores a maintenance record with its audit row and starts the instrument's alert suppression
 * window (maintenance disturbs readings). Runs inside the caller's transaction.
 */
export async function insertMaintenanceRecord(
  trx: Kysely<DB>,
  actorId: number | null,
  v: MaintenanceValues,
  deps: { now: Date; suppressionMinutes: number },
): Promise<PublicMaintenance> {
  const at = deps.now.toISOString();
  const row = await trx
    .insertInto('maintenance_records')
    .values({ ...v, created_at: at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  const until = new Date(Date.parse(v.performed_at) + deps.suppressionMinutes * 60_000).toISOString();
  await extendSuppressionWindow(trx, v.instrument_id, until, at);
  const record = (await findMaintenance(trx, row.id)) as PublicMaintenance;
  await recordAudit(trx, {
    userId: actorId,
    action: 'create',
    entityType: 'maintenance_record',
    entityId: row.id,
    newValue: { ...record, suppressed_until: until, content_hash: await sealMaintenance(trx, row.id) },
    at,
  });
  return record;
}

/** Computes a record's content hash (audit/record-hash.ts) and stores it; the caller audits it. */
export async function sealMaintenance(trx: Kysely<DB>, id: number): Promise<string> {
  const r = await trx
    .selectFrom('maintenance_records')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const hash = maintenanceHash(r);
  await trx.updateTable('maintenance_records').set({ content_hash: hash }).where('id', '=', id).execute();
  return hash;
}
