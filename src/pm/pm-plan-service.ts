import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { dueDay } from '../calibration/due-dates.ts';
import type { DB } from '../db/schema.ts';
import { bool } from '../shared/db-values.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import type { WorkOrderPriority } from '../work-orders/lifecycle.ts';
import { createGeneratedWorkOrder, type WorkOrderDeps } from '../work-orders/work-order-service.ts';

const DAY_MS = 86_400_000;

export interface PmPlanInput {
  instrument_id: number;
  task: string;
  interval_days: number;
  /** First due date; defaults to one interval from now. */
  next_due?: string;
  priority?: WorkOrderPriority;
  assigned_to?: number | null;
  is_active?: boolean;
}

const selectPlan = (db: Kysely<DB>) =>
  db
    .selectFrom('pm_plans as p')
    .innerJoin('instruments as i', 'i.id', 'p.instrument_id')
    .leftJoin('users as u', 'u.id', 'p.assigned_to')
    .selectAll('p')
    .select(['i.tag as tag', 'u.full_name as assigned_to_name'])
    .select((eb) =>
      eb
        .selectFrom('work_orders as wo')
        .whereRef('wo.pm_plan_id', '=', 'p.id')
        .select((e) => e.fn.max('wo.id').as('w'))
        .as('last_work_order_id'),
    );

type PlanJoined = NonNullable<Awaited<ReturnType<ReturnType<typeof selectPlan>['executeTakeFirst']>>>;

export function toPublicPlan(r: PlanJoined, now: Date) {
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    task: r.task,
    interval_days: r.interval_days,
    next_due: r.next_due,
    due: bool(r.is_active) && Date.parse(r.next_due) <= now.getTime(),
    priority: r.priority,
    assigned_to: r.assigned_to,
    assigned_to_name: r.assigned_to_name,
    is_active: bool(r.is_active),
    last_work_order_id: r.last_work_order_id ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
export type PublicPlan = ReturnType<typeof toPublicPlan>;

export async function getPlan(db: Kysely<DB>, id: number, now: Date) {
  const r = await selectPlan(db).where('p.id', '=', id).where('p.deleted_at', 'is', null).executeTakeFirst();
  if (!r) throw new NotFoundError('pm_plan', id);
  return toPublicPlan(r, now);
}

export async function listPlans(
  db: Kysely<DB>,
  q: {
    instrument_id?: number;
    tag?: string;
    is_active?: boolean;
    due?: boolean;
    limit: number;
    offset: number;
  },
  now: Date,
) {
  let query = selectPlan(db).where('p.deleted_at', 'is', null);
  if (q.instrument_id) query = query.where('p.instrument_id', '=', q.instrument_id);
  if (q.tag) query = query.where('i.tag', '=', q.tag);
  if (q.is_active !== undefined) query = query.where('p.is_active', '=', q.is_active ? 1 : 0);
  if (q.due === true) query = query.where('p.is_active', '=', 1).where('p.next_due', '<=', now.toISOString());
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query.orderBy('p.next_due').orderBy('p.id').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map((r) => toPublicPlan(r, now)), total: Number(n), limit: q.limit, offset: q.offset };
}

async function validateRefs(
  db: Kysely<DB>,
  instrumentId: number | undefined,
  assignedTo: number | null | undefined,
) {
  if (instrumentId !== undefined) {
    const i = await db
      .selectFrom('instruments')
      .select('id')
      .where('id', '=', instrumentId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!i) throw new ValidationError('instrument_id', `instrument ${instrumentId} does not exist`);
  }
  if (assignedTo !== undefined && assignedTo !== null) {
    const u = await db
      .selectFrom('users')
      .select(['id', 'is_active'])
      .where('id', '=', assignedTo)
      .executeTakeFirst();
    if (!u || !bool(u.is_active))
      throw new ValidationError('assigned_to', `user ${assignedTo} does not exist or is deactivated`);
  }
}

export async function createPlan(db: Kysely<DB>, actorId: number | null, input: PmPlanInput, now: Date) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    await validateRefs(trx, input.instrument_id, input.assigned_to);
    const row = await trx
      .insertInto('pm_plans')
      .values({
        instrument_id: input.instrument_id,
        task: input.task.trim(),
        interval_days: input.interval_days,
        next_due: input.next_due
          ? new Date(input.next_due).toISOString()
          : new Date(now.getTime() + input.interval_days * DAY_MS).toISOString(),
        priority: input.priority ?? 'medium',
        assigned_to: input.assigned_to ?? null,
        is_active: input.is_active === false ? 0 : 1,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const plan = await getPlan(trx, row.id, now);
    await recordAudit(trx, {
      userId: actorId,
      action: 'create',
      entityType: 'pm_plan',
      entityId: row.id,
      newValue: plan,
      at,
    });
    return plan;
  });
}

export async function updatePlan(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: Partial<Omit<PmPlanInput, 'instrument_id'>>,
  now: Date,
) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const before = await getPlan(trx, id, now);
    await validateRefs(trx, undefined, patch.assigned_to);
    const values: Record<string, unknown> = { updated_at: at };
    if (patch.task !== undefined) values.task = patch.task.trim();
    if (patch.interval_days !== undefined) values.interval_days = patch.interval_days;
    if (patch.next_due !== undefined) values.next_due = new Date(patch.next_due).toISOString();
    if (patch.priority !== undefined) values.priority = patch.priority;
    if (patch.assigned_to !== undefined) values.assigned_to = patch.assigned_to;
    if (patch.is_active !== undefined) values.is_active = patch.is_active ? 1 : 0;
    await trx.updateTable('pm_plans').set(values).where('id', '=', id).execute();
    const after = await getPlan(trx, id, now);
    const keys = Object.keys(values).filter((k) => k !== 'updated_at');
    await recordAudit(trx, {
      userId: actorId,
      action: 'update',
      entityType: 'pm_plan',
      entityId: id,
      oldValue: Object.fromEntries(keys.map((k) => [k, (before as Record<string, unknown>)[k] ?? null])),
      newValue: Object.fromEntries(keys.map((k) => [k, (after as Record<string, unknown>)[k] ?? null])),
      at,
    });
    return after;
  });
}

export async function deletePlan(db: Kysely<DB>, actorId: number, id: number, now: Date) {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const before = await getPlan(trx, id, now);
    // Guarded: of concurrent deletes one wins and audits; the others find it gone (404).
    const res = await trx
      .updateTable('pm_plans')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new NotFoundError('pm_plan', id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'pm_plan',
      entityId: id,
      oldValue: before,
      newValue: { deleted_at: at },
      at,
    });
  });
}

/** The first scheduled date after `now`, stepping from `from` by whole intervals (a calendar schedule). */
export function nextOccurrence(from: string, intervalDays: number, now: Date): string {
  const step = intervalDays * DAY_MS;
  let t = Date.parse(from);
  if (t <= now.getTime()) t += Math.floor((now.getTime() - t) / step + 1) * step;
  return new Date(t).toISOString();
}

/**
 * Creates the preventive work order of every active plan that falls due within PM_LEAD_DAYS (at
 * most one interval ahead), once: the work order's source key names the plan and the due day, it is
 * due on the plan's due date, and the plan moves to its next date in the same transaction. Missed
 * periods (the server was down for weeks) give one work order, not a backlog.
 */
export async function scanPmPlans(db: Kysely<DB>, deps: WorkOrderDeps): Promise<number> {
  const nowIso = deps.now.toISOString();
  const nowMs = deps.now.getTime();
  const leadMs = (intervalDays: number) => Math.min(deps.settings.pmLeadDays, intervalDays) * DAY_MS;
  const horizon = new Date(nowMs + deps.settings.pmLeadDays * DAY_MS).toISOString();
  const due = await db
    .selectFrom('pm_plans as p')
    .innerJoin('instruments as i', 'i.id', 'p.instrument_id')
    .select([
      'p.id',
      'p.task',
      'p.interval_days',
      'p.next_due',
      'p.priority',
      'p.assigned_to',
      'p.instrument_id',
      'i.tag',
    ])
    .where('p.deleted_at', 'is', null)
    .where('p.is_active', '=', 1)
    .where('i.deleted_at', 'is', null)
    .where('p.next_due', '<=', horizon)
    .execute();
  let created = 0;
  for (const plan of due) {
    if (Date.parse(plan.next_due) - nowMs > leadMs(plan.interval_days)) continue;
    const made = await db.transaction().execute(async (trx) => {
      // Advance the plan first, guarded by the due date read above: when two processes scan at once,
      // only the one that moves it schedules and audits this occurrence.
      // The occurrence after this one, and after now (raised ahead, the plan moves one interval on).
      const next = nextOccurrence(
        plan.next_due,
        plan.interval_days,
        new Date(Math.max(nowMs, Date.parse(plan.next_due))),
      );
      const moved = await trx
        .updateTable('pm_plans')
        .set({ next_due: next, updated_at: nowIso })
        .where('id', '=', plan.id)
        .where('next_due', '=', plan.next_due)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      const { created: isNew, workOrder } = await createGeneratedWorkOrder(
        trx,
        {
          instrument_id: plan.instrument_id,
          title: `PM: ${plan.task}`.slice(0, 200),
          description: `Preventive maintenance plan #${plan.id} (every ${plan.interval_days} days), due ${dueDay(plan.next_due)}.`,
          type: 'preventive',
          priority: plan.priority as WorkOrderPriority,
          assigned_to: plan.assigned_to,
          due_date: plan.next_due,
        },
        { source: 'pm', source_key: `pm:${plan.id}:${dueDay(plan.next_due)}`, pm_plan_id: plan.id },
        deps,
      );
      await recordAudit(trx, {
        userId: null,
        action: 'schedule',
        entityType: 'pm_plan',
        entityId: plan.id,
        oldValue: { next_due: plan.next_due },
        newValue: { next_due: next, work_order_id: workOrder.id },
        at: nowIso,
      });
      return isNew;
    });
    if (made) created++;
  }
  return created;
}
