import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { findMaintenance, insertMaintenanceRecord } from './maintenance-records.ts';

export interface MaintenanceInput {
  instrument_id: number;
  action_type: string;
  description: string;
  parts_used?: string | null;
  duration_minutes?: number | null;
  performed_at?: string;
  /** Admins may record work done by another user; technicians record their own. */
  technician_id?: number;
  work_order_id?: number;
}

const FUTURE_SLACK_MS = 5 * 60_000;

/** Records completed maintenance; the alert suppression window starts with it. */
export async function recordMaintenance(
  db: Kysely<DB>,
  actor: { id: number; role: Role },
  input: MaintenanceInput,
  deps: { now: Date; suppressionMinutes: number },
) {
  const performedAt = input.performed_at
    ? new Date(input.performed_at).toISOString()
    : deps.now.toISOString();
  if (Date.parse(performedAt) > deps.now.getTime() + FUTURE_SLACK_MS) {
    throw new ValidationError('performed_at', 'performed_at cannot be in the future');
  }
  let technicianId = actor.id;
  if (input.technician_id !== undefined && input.technician_id !== actor.id) {
    if (actor.role !== 'admin')
      throw new ForbiddenError('only an admin may record work on behalf of another user');
    technicianId = input.technician_id;
  }
  return db.transaction().execute(async (trx) => {
    const inst = await trx
      .selectFrom('instruments')
      .select(['id', 'tag'])
      .where('id', '=', input.instrument_id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!inst) throw new ValidationError('instrument_id', `instrument ${input.instrument_id} does not exist`);
    const tech = await trx.selectFrom('users').select('id').where('id', '=', technicianId).executeTakeFirst();
    if (!tech) throw new ValidationError('technician_id', `user ${technicianId} does not exist`);
    if (input.work_order_id !== undefined) {
      const wo = await trx
        .selectFrom('work_orders')
        .select(['id', 'instrument_id'])
        .where('id', '=', input.work_order_id)
        .executeTakeFirst();
      if (!wo || wo.instrument_id !== inst.id) {
        throw new ValidationError(
          'work_order_id',
          `work order ${input.work_order_id} is not a work order for ${inst.tag}`,
        );
      }
    }
    return insertMaintenanceRecord(
      trx,
      actor.id,
      {
        instrument_id: inst.id,
        performed_at: performedAt,
        action_type: input.action_type,
        technician_id: technicianId,
        description: input.description.trim(),
        parts_used: input.parts_used?.trim() || null,
        duration_minutes: input.duration_minutes ?? null,
        work_order_id: input.work_order_id ?? null,
      },
      deps,
    );
  });
}

export async function getMaintenance(db: Kysely<DB>, id: number) {
  const r = await findMaintenance(db, id);
  if (!r) throw new NotFoundError('maintenance_record', id);
  return r;
}
