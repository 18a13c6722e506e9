import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { getAlert } from '../alerts/alert-service.ts';
import { endWorkOrderOutOfService, startWorkOrderOutOfService } from '../alerts/out-of-service.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { findCalibrationRow } from '../calibration/calibration-records.ts';
import { assertImpactAssessed } from '../calibration/impact-assessment.ts';
import type { DB, Role, WorkOrdersTable } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { createNotification, notifyAssignment } from '../notifications/notification-service.ts';
import { type CmmsSettings, slaDueDate } from '../settings/cmms-settings.ts';
import { bool } from '../shared/db-values.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../shared/errors.ts';
import { assertCalibrationMadeFor, signCompletion } from './completion-checks.ts';
import {
  assertTransition,
  isOpenStatus,
  TRANSITIONS,
  type WorkOrderPriority,
  type WorkOrderStatus,
  type WorkOrderType,
} from './lifecycle.ts';

export interface WorkOrderDeps {
  now: Date;
  settings: CmmsSettings;
  after: AfterCommit;
}

export interface Actor {
  id: number;
  role: Role;
}

const selectWorkOrder = (db: Kysely<DB>) =>
  db
    .selectFrom('work_orders as wo')
    .innerJoin('instruments as i', 'i.id', 'wo.instrument_id')
    .leftJoin('users as assignee', 'assignee.id', 'wo.assigned_to')
    .leftJoin('users as creator', 'creator.id', 'wo.created_by')
    .selectAll('wo')
    .select([
      'i.tag as tag',
      'assignee.full_name as assigned_to_name',
      'creator.full_name as created_by_name',
    ]);

type WorkOrderJoined = NonNullable<
  Awaited<ReturnType<ReturnType<typeof selectWorkOrder>['executeTakeFirst']>>
>;

const isPastDue = (r: { status: string; due_date: string | null }, now: Date) =>
  isOpenStatus(r.status) && r.due_date !== null && Date.parse(r.due_date) < now.getTime();

export function toPublicWorkOrder(r: WorkOrderJoined, now: Date) {
  const overdue = isPastDue(r, now);
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    title: r.title,
    description: r.description,
    type: r.type as WorkOrderType,
    priority: r.priority as WorkOrderPriority,
    status: r.status as WorkOrderStatus,
    assigned_to: r.assigned_to,
    assigned_to_name: r.assigned_to_name,
    created_by: r.created_by,
    created_by_name: r.created_by_name,
    due_date: r.due_date,
    overdue,
    // Flagged by the SLA scan and kept after completion; open work past due counts before the scan runs.
    sla_breached: bool(r.sla_breached) || overdue,
    sla_breached_at: r.sla_breached_at,
    estimated_duration_minutes: r.estimated_duration_minutes,
    actual_duration_minutes: r.actual_duration_minutes,
    duration_variance_minutes:
      r.actual_duration_minutes !== null && r.estimated_duration_minutes !== null
        ? r.actual_duration_minutes - r.estimated_duration_minutes
        : null,
    parts_used: r.parts_used,
    completion_notes: r.completion_notes,
    cancel_reason: r.cancel_reason,
    calibration_record_id: r.calibration_record_id,
    alert_id: r.alert_id,
    pm_plan_id: r.pm_plan_id,
    source: r.source,
    started_at: r.started_at,
    completed_at: r.completed_at,
    cancelled_at: r.cancelled_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
export type PublicWorkOrder = ReturnType<typeof toPublicWorkOrder>;

export async function findWorkOrder(db: Kysely<DB>, id: number, now: Date) {
  const r = await selectWorkOrder(db).where('wo.id', '=', id).executeTakeFirst();
  return r ? toPublicWorkOrder(r, now) : null;
}

export async function getWorkOrder(db: Kysely<DB>, id: number, now: Date) {
  const wo = await findWorkOrder(db, id, now);
  if (!wo) throw new NotFoundError('work_order', id);
  return wo;
}

export interface WorkOrderQuery {
  /** one status, or 'active' (open + in progress) */
  status?: string;
  tag?: string;
  instrument_id?: number;
  /** a user id, or null for unassigned work */
  assigned_to?: number | null;
  type?: string;
  priority?: string;
  overdue?: boolean;
  sla_breached?: boolean;
  source?: string;
  /** 'newest' (default) or 'priority': most urgent first, then the earliest due date */
  sort?: 'newest' | 'priority';
  limit: number;
  offset: number;
}

export async function listWorkOrders(db: Kysely<DB>, q: WorkOrderQuery, now: Date) {
  const nowIso = now.toISOString();
  let query = selectWorkOrder(db);
  if (q.status === 'active') query = query.where('wo.status', 'in', ['open', 'in_progress']);
  else if (q.status) query = query.where('wo.status', '=', q.status);
  if (q.tag) query = query.where('i.tag', '=', q.tag);
  if (q.instrument_id) query = query.where('wo.instrument_id', '=', q.instrument_id);
  if (q.assigned_to === null) query = query.where('wo.assigned_to', 'is', null);
  else if (q.assigned_to !== undefined) query = query.where('wo.assigned_to', '=', q.assigned_to);
  if (q.type) query = query.where('wo.type', '=', q.type);
  if (q.priority) query = query.where('wo.priority', '=', q.priority);
  if (q.source) query = query.where('wo.source', '=', q.source);
  const pastDue = (eb: ExpressionBuilder<DB & { wo: WorkOrdersTable }, 'wo'>) =>
    eb.and([eb('wo.status', 'in', ['open', 'in_progress']), eb('wo.due_date', '<', nowIso)]);
  if (q.overdue === true) query = query.where((eb) => pastDue(eb));
  if (q.overdue === false) query = query.where((eb) => eb.not(pastDue(eb)));
  if (q.sla_breached === true)
    query = query.where((eb) => eb.or([eb('wo.sla_breached', '=', 1), pastDue(eb)]));
  if (q.sla_breached === false)
    query = query.where((eb) => eb.and([eb('wo.sla_breached', '=', 0), eb.not(pastDue(eb))]));
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const ordered =
    q.sort === 'priority'
      ? // Most urgent first, then the earliest due (undated last): the field's to-do order.
        query
          .orderBy(
            sql`case wo.priority when 'urgent' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`,
          )
          .orderBy(sql`case when wo.due_date is null then 1 else 0 end`)
          .orderBy('wo.due_date', 'asc')
      : query;
  const rows = await ordered
    .orderBy('wo.created_at', 'desc')
    .orderBy('wo.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return {
    items: rows.map((r) => toPublicWorkOrder(r, now)),
    total: Number(n),
    limit: q.limit,
    offset: q.offset,
  };
}

async function assertInstrument(db: Kysely<DB>, id: number) {
  const r = await db
    .selectFrom('instruments')
    .select(['id', 'tag'])
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!r) throw new ValidationError('instrument_id', `instrument ${id} does not exist`);
  return r;
}

async function assertAssignee(db: Kysely<DB>, userId: number) {
  const u = await db
    .selectFrom('users')
    .select(['id', 'is_active'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!u) throw new ValidationError('assigned_to', `user ${userId} does not exist`);
  if (!bool(u.is_active)) throw new ValidationError('assigned_to', `user ${userId} is deactivated`);
}

export interface NewWorkOrder {
  instrument_id: number;
  title: string;
  description?: string | null;
  type: WorkOrderType;
  priority?: WorkOrderPriority;
  assigned_to?: number | null;
  due_date?: string | null;
  estimated_duration_minutes?: number | null;
}

interface InsertOptions {
  source: string;
  source_key?: string | null;
  alert_id?: number | null;
  pm_plan_id?: number | null;
  calibration_record_id?: number | null;
}

/**
 * Inserts a work order with its audit row and the assignee's notification, inside the caller's
 * transaction. A `source_key` makes generated work idempotent: the second attempt for the same
 * key (a later scan, another process) returns the existing order with `created: false`.
 */
async function insertWorkOrder(
  trx: Kysely<DB>,
  actorId: number | null,
  input: NewWorkOrder,
  opts: InsertOptions,
  deps: WorkOrderDeps,
): Promise<{ workOrder: PublicWorkOrder; created: boolean }> {
  const at = deps.now.toISOString();
  if (opts.source_key) {
    const existing = await trx
      .selectFrom('work_orders')
      .select('id')
      .where('source_key', '=', opts.source_key)
      .executeTakeFirst();
    if (existing) return { workOrder: await getWorkOrder(trx, existing.id, deps.now), created: false };
  }
  const priority = input.priority ?? 'medium';
  const row = await trx
    .insertInto('work_orders')
    .values({
      instrument_id: input.instrument_id,
      title: input.title.trim(),
      description: input.description?.trim() || null,
      type: input.type,
      priority,
      status: 'open',
      assigned_to: input.assigned_to ?? null,
      created_by: actorId,
      due_date: input.due_date
        ? new Date(input.due_date).toISOString()
        : slaDueDate(priority, at, deps.settings.slaHours),
      estimated_duration_minutes: input.estimated_duration_minutes ?? null,
      actual_duration_minutes: null,
      parts_used: null,
      completion_notes: null,
      cancel_reason: null,
      calibration_record_id: opts.calibration_record_id ?? null,
      alert_id: opts.alert_id ?? null,
      pm_plan_id: opts.pm_plan_id ?? null,
      source: opts.source,
      source_key: opts.source_key ?? null,
      started_at: null,
      completed_at: null,
      cancelled_at: null,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('source_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) {
    // Another process created the same generated work order between our check and insert.
    const other = await trx
      .selectFrom('work_orders')
      .select('id')
      .where('source_key', '=', opts.source_key ?? '')
      .executeTakeFirstOrThrow();
    return { workOrder: await getWorkOrder(trx, other.id, deps.now), created: false };
  }
  const workOrder = await getWorkOrder(trx, row.id, deps.now);
  await recordAudit(trx, {
    userId: actorId,
    action: 'create',
    entityType: 'work_order',
    entityId: row.id,
    newValue: workOrder,
    at,
  });
  if (workOrder.assigned_to !== null) {
    await notifyAssignment(trx, deps.after, {
      assigneeId: workOrder.assigned_to,
      workOrder,
      actorId,
      at,
      publicUrl: deps.settings.publicUrl,
    });
  }
  return { workOrder, created: true };
}

/**
 * A generated title that names the tag once: detector messages already start with the tag
 * ("FT-301 high alarm: ..."), which used to give "FT-301: FT-301 high alarm: ...".
 */
export function taggedTitle(tag: string, text: string): string {
  const t = text.trim();
  const head = t.slice(0, tag.length);
  const next = t.charAt(tag.length);
  const named = head.toLowerCase() === tag.toLowerCase() && (next === '' || /[\s:,;.(—-]/.test(next));
  return (named ? t : `${tag}: ${t}`).slice(0, 200);
}

/** Admin creates a work order by hand. */
export async function createWorkOrder(
  db: Kysely<DB>,
  actorId: number | null,
  input: NewWorkOrder,
  deps: WorkOrderDeps,
) {
  return db.transaction().execute(async (trx) => {
    await assertInstrument(trx, input.instrument_id);
    if (input.assigned_to) await assertAssignee(trx, input.assigned_to);
    return (await insertWorkOrder(trx, actorId, input, { source: 'manual' }, deps)).workOrder;
  });
}

/** Work generated by the system (overdue scan, failed calibration, PM plan): idempotent by source key. */
export async function createGeneratedWorkOrder(
  trx: Kysely<DB>,
  input: NewWorkOrder,
  opts: InsertOptions & { source_key: string },
  deps: WorkOrderDeps,
) {
  return insertWorkOrder(trx, null, input, opts, deps);
}

/**
 * The work order an admin makes of a technician's field request, inside the request's transaction:
 * created by the admin, and one per request (its source key), so a retried accept cannot make two.
 */
export async function createWorkOrderForRequest(
  trx: Kysely<DB>,
  actorId: number,
  input: NewWorkOrder,
  requestId: number,
  deps: WorkOrderDeps,
) {
  await assertInstrument(trx, input.instrument_id);
  if (input.assigned_to) await assertAssignee(trx, input.assigned_to);
  const opts = { source: 'request', source_key: `request:${requestId}` };
  return (await insertWorkOrder(trx, actorId, input, opts, deps)).workOrder;
}

const ALERT_TO_TYPE: Record<string, WorkOrderType> = {
  calibration_overdue: 'calibration',
  drift: 'calibration',
};
const SEVERITY_TO_PRIORITY: Record<string, WorkOrderPriority> = {
  critical: 'urgent',
  warning: 'high',
  advisory: 'medium',
};

export interface FromAlertInput extends Partial<Omit<NewWorkOrder, 'instrument_id'>> {
  alert_id: number;
}

/**
 * A work order raised from an alert, linked to it. Type and priority follow the alert unless
 * given (drift and overdue calibration need a calibration; critical alerts are urgent work).
 */
export async function createWorkOrderFromAlert(
  db: Kysely<DB>,
  actorId: number,
  input: FromAlertInput,
  deps: WorkOrderDeps,
) {
  return db.transaction().execute(async (trx) => {
    const alert = await getAlert(trx, input.alert_id).catch(() => {
      throw new ValidationError('alert_id', `alert ${input.alert_id} does not exist`);
    });
    if (alert.status === 'resolved') {
      throw new ConflictError('alert_resolved', `alert ${alert.id} is already resolved`, {
        alert_id: alert.id,
      });
    }
    const instrumentId = alert.instrument_id;
    if (instrumentId === null) {
      // A source alert (e.g. ingestion silent) is about the system, not an instrument to work on.
      throw new UnprocessableError(
        'alert_has_no_instrument',
        `alert ${alert.id} is not about an instrument`,
        {
          alert_id: alert.id,
          source: alert.source,
        },
      );
    }
    const linked = await trx
      .selectFrom('work_orders')
      .select(['id', 'status'])
      .where('alert_id', '=', alert.id)
      .where('status', '<>', 'cancelled')
      .executeTakeFirst();
    if (linked) {
      throw new ConflictError(
        'alert_has_work_order',
        `alert ${alert.id} already has work order #${linked.id}`,
        {
          work_order_id: linked.id,
        },
      );
    }
    if (input.assigned_to) await assertAssignee(trx, input.assigned_to);
    const title = input.title ?? taggedTitle(alert.tag ?? '', alert.message);
    const { workOrder } = await insertWorkOrder(
      trx,
      actorId,
      {
        instrument_id: instrumentId,
        title,
        description:
          input.description ??
          `Raised from ${alert.alert_type} alert #${alert.id} (${alert.severity}): ${alert.message}`,
        type: input.type ?? ALERT_TO_TYPE[alert.alert_type] ?? 'corrective',
        priority: input.priority ?? SEVERITY_TO_PRIORITY[alert.severity] ?? 'medium',
        assigned_to: input.assigned_to ?? null,
        due_date: input.due_date ?? null,
        estimated_duration_minutes: input.estimated_duration_minutes ?? null,
      },
      { source: 'alert', alert_id: alert.id },
      deps,
    );
    return workOrder;
  });
}

export interface WorkOrderPatch {
  title?: string;
  description?: string | null;
  type?: WorkOrderType;
  priority?: WorkOrderPriority;
  assigned_to?: number | null;
  due_date?: string | null;
  estimated_duration_minutes?: number | null;
  status?: WorkOrderStatus;
  completion_notes?: string | null;
  actual_duration_minutes?: number | null;
  parts_used?: string | null;
  calibration_record_id?: number | null;
  cancel_reason?: string | null;
  /** The performer's signature on completion (issue 13); not a column. */
  signature?: { password: string; comment?: string | null };
}

/** What a technician may change: the status and the completion record. Everything else is planning (admin). */
export const TECHNICIAN_FIELDS = new Set<keyof WorkOrderPatch>([
  'status',
  'completion_notes',
  'actual_duration_minutes',
  'parts_used',
  'calibration_record_id',
  'cancel_reason',
]);

const PATCH_FIELDS = new Set<keyof WorkOrderPatch>([
  ...TECHNICIAN_FIELDS,
  'title',
  'description',
  'type',
  'priority',
  'assigned_to',
  'due_date',
  'estimated_duration_minutes',
]);

const blank = (v: string | null | undefined) => v === null || v === undefined || v.trim() === '';

/** Technicians change only their own or unassigned work; admins any. */
function assertMayChange(
  actor: Actor,
  wo: { id: number; assigned_to: number | null; assigned_to_name: string | null },
) {
  if (actor.role === 'admin' || wo.assigned_to === null || wo.assigned_to === actor.id) return;
  throw new ForbiddenError(
    `work order #${wo.id} is assigned to ${wo.assigned_to_name ?? `user ${wo.assigned_to}`}: technicians may change only work assigned to them or unassigned work`,
    'work_order_not_assigned',
    { assigned_to: wo.assigned_to },
  );
}

/** 409: the order is already in the state asked for (of concurrent "start"s one wins). */
const alreadyIn = (id: number, status: WorkOrderStatus, to: WorkOrderStatus) =>
  new ConflictError('work_order_invalid_transition', `work order #${id} is already ${status}`, {
    from: status,
    to,
    allowed: TRANSITIONS[status],
  });

/** 409: completed or cancelled work no longer changes. */
const closed = (id: number, status: WorkOrderStatus) =>
  new ConflictError('work_order_closed', `work order #${id} is ${status} and can no longer change`, {
    status,
  });

/** Why a guarded update changed nothing: the order moved on, or was given to someone else. */
async function lostRace(trx: Kysely<DB>, actor: Actor, id: number, changes: WorkOrderPatch, now: Date) {
  const current = await getWorkOrder(trx, id, now);
  try {
    assertMayChange(actor, current);
    if (changes.status !== undefined && changes.status === current.status) {
      return alreadyIn(id, current.status, changes.status);
    }
    if (changes.status !== undefined) {
      assertTransition(current.status, changes.status);
    }
    if (!isOpenStatus(current.status)) {
      return closed(id, current.status);
    }
  } catch (e) {
    return e;
  }
  return new ConflictError(
    'work_order_changed',
    `work order #${id} changed while this request was handled (now ${current.status}); reload and try again`,
    { status: current.status },
  );
}

/** The declared fields of a patch; a technician's may hold only the status and completion fields. */
export function allowedChanges(actor: Actor, patch: WorkOrderPatch): WorkOrderPatch {
  const changes = Object.fromEntries(
    Object.entries(patch).filter(([k, v]) => v !== undefined && PATCH_FIELDS.has(k as keyof WorkOrderPatch)),
  ) as WorkOrderPatch;
  if (actor.role !== 'admin') {
    const refused = Object.keys(changes).filter((k) => !TECHNICIAN_FIELDS.has(k as keyof WorkOrderPatch));
    if (refused.length) {
      throw new ForbiddenError(
        `technicians may change only the status and completion fields of a work order; not: ${refused.join(', ')}`,
      );
    }
  }
  return changes;
}

/** The change this patch asks of the order as it is: a status change allowed, nothing on closed work. */
function assertChangeAllowed(before: PublicWorkOrder, changes: WorkOrderPatch, signed: boolean) {
  const id = before.id;
  const statusChange =
    changes.status !== undefined && changes.status !== before.status ? changes.status : null;
  if (changes.status !== undefined && !statusChange && Object.keys(changes).length === 1) {
    // Asking for the state it is already in is not a transition: of concurrent "start"s one wins.
    throw alreadyIn(id, before.status, changes.status);
  }
  if (!isOpenStatus(before.status) && Object.keys(changes).some((k) => k !== 'status' || statusChange)) {
    if (statusChange) assertTransition(before.status, statusChange);
    throw closed(id, before.status);
  }
  if (statusChange) assertTransition(before.status, statusChange);
  if (signed && statusChange !== 'completed') {
    throw new ValidationError(
      'signature',
      'a signature in this request signs the completion; to sign afterwards use POST /api/signatures',
    );
  }
  return statusChange;
}

/** The columns the patch's fields set (trimmed; blanks are null; a new priority brings its SLA). */
async function patchValues(
  trx: Kysely<DB>,
  before: PublicWorkOrder,
  changes: WorkOrderPatch,
  deps: WorkOrderDeps,
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const k of [
    'title',
    'description',
    'type',
    'priority',
    'estimated_duration_minutes',
    'actual_duration_minutes',
  ] as const) {
    if (changes[k] !== undefined)
      values[k] = typeof changes[k] === 'string' ? (changes[k] as string).trim() : changes[k];
  }
  for (const k of ['completion_notes', 'parts_used', 'cancel_reason'] as const) {
    if (changes[k] !== undefined) values[k] = blank(changes[k]) ? null : (changes[k] as string).trim();
  }
  if (changes.assigned_to !== undefined) {
    if (changes.assigned_to !== null) await assertAssignee(trx, changes.assigned_to);
    values.assigned_to = changes.assigned_to;
  }
  if (changes.due_date !== undefined)
    values.due_date = changes.due_date ? new Date(changes.due_date).toISOString() : null;
  else if (changes.priority !== undefined && changes.priority !== before.priority) {
    // A new priority brings its own SLA, counted from when the work was raised.
    values.due_date = slaDueDate(changes.priority, before.created_at, deps.settings.slaHours);
  }
  if (changes.calibration_record_id !== undefined) {
    if (changes.calibration_record_id !== null) {
      const rec = await findCalibrationRow(trx, changes.calibration_record_id);
      if (!rec || rec.instrument_id !== before.instrument_id) {
        throw new ValidationError(
          'calibration_record_id',
          `calibration record ${changes.calibration_record_id} is not a calibration of ${before.tag}`,
        );
      }
      if (before.type === 'calibration' || changes.type === 'calibration') {
        await assertCalibrationMadeFor(trx, before, changes.calibration_record_id);
      }
    }
    values.calibration_record_id = changes.calibration_record_id;
  }
  return values;
}

/** Completion needs notes, the time spent, the parts, and for calibration work the record it produced. */
async function assertCompletable(trx: Kysely<DB>, before: PublicWorkOrder, merged: Merged) {
  if (blank(merged.completion_notes))
    throw new ValidationError('completion_notes', 'completing a work order needs completion_notes');
  if (merged.actual_duration_minutes === null || merged.actual_duration_minutes === undefined) {
    throw new ValidationError(
      'actual_duration_minutes',
      'completing a work order needs actual_duration_minutes',
    );
  }
  if (blank(merged.parts_used)) {
    throw new ValidationError(
      'parts_used',
      'completing a work order needs parts_used (write "none" if no parts were used)',
    );
  }
  if (merged.type === 'calibration' && merged.calibration_record_id === null) {
    throw new ValidationError(
      'calibration_record_id',
      'completing a calibration work order needs the calibration_record_id of the calibration it produced',
    );
  }
  if (merged.type === 'calibration' && merged.calibration_record_id !== null) {
    await assertCalibrationMadeFor(trx, before, merged.calibration_record_id);
  }
  await assertImpactAssessed(trx, before.id);
}

/** The columns a status change sets (start, cancel, complete) beside the patch's own. */
async function statusValues(
  trx: Kysely<DB>,
  actor: Actor,
  before: PublicWorkOrder,
  merged: Merged,
  statusChange: WorkOrderStatus | null,
  at: string,
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  if (statusChange === 'in_progress') {
    values.started_at = at;
    // A technician who starts unassigned work takes it, so no one else changes it under them.
    if (actor.role !== 'admin' && merged.assigned_to === null) values.assigned_to = actor.id;
  }
  if (statusChange === 'cancelled') {
    if (blank(merged.cancel_reason as string | null)) {
      throw new ValidationError('cancel_reason', 'cancelling a work order needs a cancel_reason');
    }
    values.cancelled_at = at;
  }
  if (statusChange === 'completed') {
    await assertCompletable(trx, before, merged);
    values.completed_at = at;
    if (merged.due_date && at > merged.due_date && !bool(before.sla_breached)) {
      values.sla_breached = 1;
      values.sla_breached_at = at;
    }
  }
  return values;
}

type Merged = PublicWorkOrder & Record<string, unknown>;

/** A change applied to a work order, for the rest of the flow that made it. */
export interface WorkOrderChange {
  before: PublicWorkOrder;
  /** The order as changed (before the completion's links). */
  merged: Merged;
  values: Record<string, unknown>;
  changes: WorkOrderPatch;
  statusChange: WorkOrderStatus | null;
  at: string;
}

/**
 * Checks a patch against the order and writes it, guarded by the status (and, for a technician, the
 * assignee) read: of concurrent changes only one finds the row as it expects; the others are told
 * why they lost. The first step of updating a work order (src/workflows/update-work-order.ts).
 */
export async function applyWorkOrderPatch(
  trx: Kysely<DB>,
  actor: Actor,
  id: number,
  /** allowedChanges() of the request's patch */
  changes: WorkOrderPatch,
  signature: WorkOrderPatch['signature'],
  deps: WorkOrderDeps,
): Promise<WorkOrderChange> {
  const at = deps.now.toISOString();
  const before = await getWorkOrder(trx, id, deps.now);
  assertMayChange(actor, before);
  const statusChange = assertChangeAllowed(before, changes, signature !== undefined);
  const values = await patchValues(trx, before, changes, deps);
  const merged = { ...before, ...values } as Merged;
  Object.assign(values, await statusValues(trx, actor, before, merged, statusChange, at));
  if (changes.status !== undefined) values.status = changes.status;
  values.updated_at = at;
  let guarded = trx
    .updateTable('work_orders')
    .set(values)
    .where('id', '=', id)
    .where('status', '=', before.status);
  if (actor.role !== 'admin') {
    guarded = guarded.where((eb) => eb.or([eb('assigned_to', 'is', null), eb('assigned_to', '=', actor.id)]));
  }
  const res = await guarded.executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw await lostRace(trx, actor, id, changes, deps.now);
  return { before, merged, values, changes, statusChange, at };
}

/**
 * The last step of updating a work order: alarms out of service while work is in progress, the
 * completion's signature, the audit row of the change, and the new assignee told.
 */
export async function finishWorkOrderChange(
  trx: Kysely<DB>,
  actor: Actor,
  change: WorkOrderChange,
  signature: WorkOrderPatch['signature'],
  deps: WorkOrderDeps,
): Promise<PublicWorkOrder> {
  const { before, merged, values, changes, statusChange, at } = change;
  const id = before.id;
  // Alarm management (src/alerts/out-of-service.ts): the instrument's alarms are out of service
  // while work on it is in progress, when the plant enables ALERT_OUT_OF_SERVICE_DURING_WORK.
  if (statusChange === 'in_progress' && deps.settings.outOfServiceDuringWork) {
    await startWorkOrderOutOfService(
      trx,
      { id, instrument_id: before.instrument_id, title: merged.title },
      actor.id,
      at,
    );
  } else if (statusChange === 'completed' || statusChange === 'cancelled') {
    await endWorkOrderOutOfService(trx, id, actor.id, at);
  }
  if (statusChange === 'completed') {
    // Issue 13: the completion's signature and the policies on it (src/signatures).
    await signCompletion(
      trx,
      actor,
      { id, type: merged.type, calibration_record_id: merged.calibration_record_id },
      signature,
      deps.now,
    );
  }
  const after = await getWorkOrder(trx, id, deps.now);
  const keys = Object.keys(values).filter((k) => k !== 'updated_at');
  await recordAudit(trx, {
    userId: actor.id,
    action: statusChange ? `status_${statusChange}` : 'update',
    entityType: 'work_order',
    entityId: id,
    oldValue: Object.fromEntries(keys.map((k) => [k, (before as Record<string, unknown>)[k] ?? null])),
    newValue: Object.fromEntries(keys.map((k) => [k, (after as Record<string, unknown>)[k] ?? null])),
    at,
  });
  if (
    changes.assigned_to !== undefined &&
    changes.assigned_to !== null &&
    changes.assigned_to !== before.assigned_to
  ) {
    await notifyAssignment(trx, deps.after, {
      assigneeId: changes.assigned_to,
      workOrder: after,
      actorId: actor.id,
      at,
      publicUrl: deps.settings.publicUrl,
    });
  }
  return after;
}

/**
 * Flags open work past its due date as an SLA breach (kept after completion, for SLA reports) and
 * tells the assignee. Idempotent: a flagged order is not flagged again.
 */
export async function flagSlaBreaches(db: Kysely<DB>, deps: WorkOrderDeps): Promise<number> {
  const at = deps.now.toISOString();
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('work_orders as wo')
      .innerJoin('instruments as i', 'i.id', 'wo.instrument_id')
      .select(['wo.id', 'wo.title', 'wo.due_date', 'wo.assigned_to', 'i.tag'])
      .where('wo.status', 'in', ['open', 'in_progress'])
      .where('wo.sla_breached', '=', 0)
      .where('wo.due_date', '<', at)
      .execute();
    for (const wo of due) {
      await trx
        .updateTable('work_orders')
        .set({ sla_breached: 1, sla_breached_at: at, updated_at: at })
        .where('id', '=', wo.id)
        .execute();
      await recordAudit(trx, {
        userId: null,
        action: 'sla_breach',
        entityType: 'work_order',
        entityId: wo.id,
        oldValue: { sla_breached: false },
        newValue: { sla_breached: true, due_date: wo.due_date },
        at,
      });
      if (wo.assigned_to !== null) {
        await createNotification(trx, {
          userId: wo.assigned_to,
          workOrderId: wo.id,
          kind: 'sla_breach',
          message: `Work order #${wo.id} (${wo.tag}: ${wo.title}) is past its due date ${wo.due_date?.slice(0, 16).replace('T', ' ')} UTC`,
          at,
        });
      }
    }
    return due.length;
  });
}
