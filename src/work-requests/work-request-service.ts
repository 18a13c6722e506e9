import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import type { WorkOrderPriority, WorkOrderType } from '../work-orders/lifecycle.ts';
import {
  createWorkOrderForRequest,
  taggedTitle,
  type WorkOrderDeps,
} from '../work-orders/work-order-service.ts';

// Work requests: the technician's "report a problem" at an instrument, and the admin's decision.
// open -> accepted (a work order is made of it, in the same transaction) | rejected (with a reason).
// Each decision is an UPDATE guarded by status = 'open': of two admins deciding at once, one wins
// and the other gets 409 work_request_decided.

export const WORK_REQUEST_STATUSES = ['open', 'accepted', 'rejected'] as const;

export interface PublicWorkRequest {
  id: number;
  instrument_id: number;
  tag: string;
  description: string;
  status: string;
  reported_by: number;
  reported_by_name: string | null;
  reviewed_by: number | null;
  reviewed_by_name: string | null;
  reviewed_at: string | null;
  review_notes: string | null;
  work_order_id: number | null;
  created_at: string;
  updated_at: string;
}

function selectRequests(db: Kysely<DB>) {
  return db
    .selectFrom('work_requests as r')
    .innerJoin('instruments as i', 'i.id', 'r.instrument_id')
    .leftJoin('users as rep', 'rep.id', 'r.reported_by')
    .leftJoin('users as rev', 'rev.id', 'r.reviewed_by')
    .select([
      'r.id',
      'r.instrument_id',
      'i.tag',
      'r.description',
      'r.status',
      'r.reported_by',
      'rep.full_name as reported_by_name',
      'r.reviewed_by',
      'rev.full_name as reviewed_by_name',
      'r.reviewed_at',
      'r.review_notes',
      'r.work_order_id',
      'r.created_at',
      'r.updated_at',
    ]);
}

export async function getWorkRequest(db: Kysely<DB>, id: number): Promise<PublicWorkRequest> {
  const r = await selectRequests(db).where('r.id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError('work_request', id);
  return r;
}

export interface WorkRequestQuery {
  status?: string;
  instrument_id?: number;
  reported_by?: number;
  limit: number;
  offset: number;
}

/** Open requests first (oldest waiting first), then decided ones, newest first. */
export async function listWorkRequests(db: Kysely<DB>, q: WorkRequestQuery) {
  let query = selectRequests(db);
  if (q.status) query = query.where('r.status', '=', q.status);
  if (q.instrument_id) query = query.where('r.instrument_id', '=', q.instrument_id);
  if (q.reported_by) query = query.where('r.reported_by', '=', q.reported_by);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows, total: Number(n), limit: q.limit, offset: q.offset };
}

export async function createWorkRequest(
  db: Kysely<DB>,
  actorId: number,
  input: { instrument_id: number; description: string },
  now: Date,
): Promise<PublicWorkRequest> {
  const description = input.description.trim();
  if (!description) throw new ValidationError('description', 'describe the problem');
  return db.transaction().execute(async (trx) => {
    const inst = await trx
      .selectFrom('instruments')
      .select('id')
      .where('id', '=', input.instrument_id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!inst) throw new ValidationError('instrument_id', `instrument ${input.instrument_id} does not exist`);
    const at = now.toISOString();
    const row = await trx
      .insertInto('work_requests')
      .values({
        instrument_id: inst.id,
        description,
        reported_by: actorId,
        status: 'open',
        reviewed_by: null,
        reviewed_at: null,
        review_notes: null,
        work_order_id: null,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const request = await getWorkRequest(trx, row.id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'create',
      entityType: 'work_request',
      entityId: row.id,
      newValue: request,
      at,
    });
    return request;
  });
}

/** The one guarded step out of `open`; the loser of a race (or a second decision) gets 409. */
async function decide(
  trx: Kysely<DB>,
  id: number,
  change: { status: 'accepted' | 'rejected'; reviewed_by: number; review_notes: string | null; at: string },
) {
  const before = await getWorkRequest(trx, id);
  const res = await trx
    .updateTable('work_requests')
    .set({
      status: change.status,
      reviewed_by: change.reviewed_by,
      reviewed_at: change.at,
      review_notes: change.review_notes,
      updated_at: change.at,
    })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) {
    const now = await getWorkRequest(trx, id);
    throw new ConflictError('work_request_decided', `work request ${id} is already ${now.status}`, {
      status: now.status,
      work_order_id: now.work_order_id,
    });
  }
  return before;
}

export interface AcceptInput {
  title?: string;
  type?: WorkOrderType;
  priority?: WorkOrderPriority;
  assigned_to?: number | null;
  due_date?: string | null;
  notes?: string | null;
}

/** Accepts a request: a corrective work order (unless another type is given), linked both ways. */
export async function acceptWorkRequest(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  input: AcceptInput,
  deps: WorkOrderDeps,
) {
  return db.transaction().execute(async (trx) => {
    const at = deps.now.toISOString();
    const before = await decide(trx, id, {
      status: 'accepted',
      reviewed_by: actorId,
      review_notes: input.notes?.trim() || null,
      at,
    });
    const workOrder = await createWorkOrderForRequest(
      trx,
      actorId,
      {
        instrument_id: before.instrument_id,
        title: input.title?.trim() || taggedTitle(before.tag, firstLine(before.description)),
        description:
          `Reported by ${before.reported_by_name ?? `user ${before.reported_by}`} ` +
          `(work request #${before.id}): ${before.description}`,
        type: input.type ?? 'corrective',
        priority: input.priority ?? 'medium',
        assigned_to: input.assigned_to ?? null,
        due_date: input.due_date ?? null,
      },
      id,
      deps,
    );
    await trx
      .updateTable('work_requests')
      .set({ work_order_id: workOrder.id })
      .where('id', '=', id)
      .execute();
    const request = await getWorkRequest(trx, id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'accept',
      entityType: 'work_request',
      entityId: id,
      oldValue: before,
      newValue: request,
      at,
    });
    return { request, work_order: workOrder };
  });
}

export async function rejectWorkRequest(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  reason: string,
  now: Date,
): Promise<PublicWorkRequest> {
  const notes = reason.trim();
  if (!notes) throw new ValidationError('reason', 'say why the request is rejected');
  return db.transaction().execute(async (trx) => {
    const at = now.toISOString();
    const before = await decide(trx, id, {
      status: 'rejected',
      reviewed_by: actorId,
      review_notes: notes,
      at,
    });
    const request = await getWorkRequest(trx, id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'reject',
      entityType: 'work_request',
      entityId: id,
      oldValue: before,
      newValue: request,
      at,
    });
    return request;
  });
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
