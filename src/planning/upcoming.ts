// What falls due in the next N days (issue 18, part 6): calibrations, PM occurrences and open work
// orders, by day, for the planner's "Next 30 days" view. A read model over several modules' tables,
// like the reports; it writes nothing.
import type { Kysely } from 'kysely';
import { type CalibrationDue, calibrationDueList } from '../calibration/due-list.ts';
import type { DB } from '../db/schema.ts';
import type { Upcoming, UpcomingItem } from './schemas.ts';

const DAY_MS = 86_400_000;

export interface UpcomingQuery {
  days: number;
  process_unit_id?: number;
  assigned_to?: number;
}

/** Most PM occurrences listed per plan (a daily plan over a year). */
const MAX_OCCURRENCES = 366;

export async function upcomingWork(
  db: Kysely<DB>,
  q: UpcomingQuery,
  now: Date,
  timeZone: string,
): Promise<Upcoming> {
  const end = new Date(now.getTime() + q.days * DAY_MS);
  const endIso = end.toISOString();
  const units = new Map(
    (await db.selectFrom('process_units').select(['id', 'name']).execute()).map((u) => [u.id, u.name]),
  );
  const unitName = (id: number | null) => (id === null ? null : (units.get(id) ?? null));
  const base = (
    due_at: string,
    inst: { instrument_id: number; tag: string; process_unit_id: number | null },
  ) => ({
    due_at,
    instrument_id: inst.instrument_id,
    tag: inst.tag,
    process_unit_id: inst.process_unit_id,
    process_unit_name: unitName(inst.process_unit_id),
    overdue: Date.parse(due_at) < now.getTime(),
  });

  const orders = await openWorkOrders(db, q, endIso);
  const calibrations = (await calibrationDueList(db, { process_unit_id: q.process_unit_id })).filter(
    (c) => c.due_at < endIso,
  );
  const keys = new Map(calibrations.map((c) => [c.work_order_key, c]));
  const orderFor = new Map<string, (typeof orders)[number]>();
  for (const o of orders) if (o.source_key && keys.has(o.source_key)) orderFor.set(o.source_key, o);

  const items: UpcomingItem[] = [];
  for (const c of calibrations) items.push(...calibrationItem(c));
  for (const o of orders) {
    // A calibration's own work order is shown on the calibration, not twice.
    if (o.source_key && orderFor.get(o.source_key) === o) continue;
    if (o.due_date === null || o.due_date >= endIso) continue;
    items.push({
      ...base(o.due_date, o),
      kind: 'work_order',
      title: o.title,
      assigned_to: o.assigned_to,
      assigned_to_name: o.assigned_to_name,
      work_order_id: o.id,
      pm_plan_id: o.pm_plan_id,
      priority: o.priority,
      status: o.status,
    });
  }
  for (const p of await pmPlans(db, q, endIso)) {
    let t = Date.parse(p.next_due);
    for (let n = 0; n < MAX_OCCURRENCES && t < end.getTime(); n++, t += p.interval_days * DAY_MS) {
      items.push({
        ...base(new Date(t).toISOString(), p),
        kind: 'pm',
        title: `PM: ${p.task}`,
        assigned_to: p.assigned_to,
        assigned_to_name: p.assigned_to_name,
        work_order_id: null,
        pm_plan_id: p.id,
        priority: p.priority,
        status: null,
      });
    }
  }
  items.sort((a, b) => a.due_at.localeCompare(b.due_at) || a.tag.localeCompare(b.tag));

  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const overdue = items.filter((i) => i.overdue);
  const byDay = new Map<string, UpcomingItem[]>();
  for (const i of items) {
    if (i.overdue) continue;
    const d = day.format(new Date(i.due_at));
    byDay.set(d, [...(byDay.get(d) ?? []), i]);
  }
  return {
    from: now.toISOString(),
    to: endIso,
    days: q.days,
    time_zone: timeZone,
    total: items.length,
    overdue,
    by_day: [...byDay].map(([date, list]) => ({ date, items: list })),
  };

  function calibrationItem(c: CalibrationDue): UpcomingItem[] {
    const o = orderFor.get(c.work_order_key) ?? null;
    // Filtered by person: a calibration counts for whoever its work order is assigned to.
    if (q.assigned_to !== undefined && o?.assigned_to !== q.assigned_to) return [];
    return [
      {
        ...base(c.due_at, c),
        kind: 'calibration',
        title: `Calibration of ${c.tag}`,
        assigned_to: o?.assigned_to ?? null,
        assigned_to_name: o?.assigned_to_name ?? null,
        work_order_id: o?.id ?? null,
        pm_plan_id: null,
        priority: o?.priority ?? null,
        status: o?.status ?? null,
      },
    ];
  }
}

/** Open and in-progress work orders due before `endIso` (or raised for a calibration), filtered. */
async function openWorkOrders(db: Kysely<DB>, q: UpcomingQuery, endIso: string) {
  let query = db
    .selectFrom('work_orders as wo')
    .innerJoin('instruments as i', 'i.id', 'wo.instrument_id')
    .leftJoin('users as u', 'u.id', 'wo.assigned_to')
    .select([
      'wo.id',
      'wo.title',
      'wo.priority',
      'wo.status',
      'wo.due_date',
      'wo.assigned_to',
      'wo.pm_plan_id',
      'wo.source_key',
      'wo.instrument_id',
      'i.tag',
      'i.process_unit_id',
      'u.full_name as assigned_to_name',
    ])
    .where('wo.status', 'in', ['open', 'in_progress'])
    .where((eb) =>
      eb.or([eb('wo.due_date', '<', endIso), eb('wo.source_key', 'like', 'calibration_overdue:%')]),
    );
  if (q.process_unit_id !== undefined) query = query.where('i.process_unit_id', '=', q.process_unit_id);
  if (q.assigned_to !== undefined) query = query.where('wo.assigned_to', '=', q.assigned_to);
  return query.orderBy('wo.id').execute();
}

/** Active plans of instruments in the register whose next date falls before `endIso`. */
async function pmPlans(db: Kysely<DB>, q: UpcomingQuery, endIso: string) {
  let query = db
    .selectFrom('pm_plans as p')
    .innerJoin('instruments as i', 'i.id', 'p.instrument_id')
    .leftJoin('users as u', 'u.id', 'p.assigned_to')
    .select([
      'p.id',
      'p.task',
      'p.interval_days',
      'p.next_due',
      'p.priority',
      'p.assigned_to',
      'p.instrument_id',
      'i.tag',
      'i.process_unit_id',
      'u.full_name as assigned_to_name',
    ])
    .where('p.deleted_at', 'is', null)
    .where('p.is_active', '=', 1)
    .where('i.deleted_at', 'is', null)
    .where('p.next_due', '<', endIso);
  if (q.process_unit_id !== undefined) query = query.where('i.process_unit_id', '=', q.process_unit_id);
  if (q.assigned_to !== undefined) query = query.where('p.assigned_to', '=', q.assigned_to);
  return query.orderBy('p.id').execute();
}
