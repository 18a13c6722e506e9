import { Type } from 'typebox';
import { Literals, MAX_ID } from '../http/schemas.ts';
import { WORK_ORDER_PRIORITIES, WORK_ORDER_STATUSES, WORK_ORDER_TYPES } from '../work-orders/lifecycle.ts';
import { DAY_MS, HOUR_MS, mean, pct, type ReportData, type Row, round } from './report-model.ts';
import {
  filterEntry,
  type PeriodInput,
  resolvePeriod,
  resolveScope,
  type ScopeInput,
  scopeConditions,
} from './report-params.ts';
import { type BuildContext, reportHeader, summaryOf } from './report-queries.ts';

/** Highest first, the order the SLA table lists them. */
const PRIORITIES = [...WORK_ORDER_PRIORITIES].reverse();

export const workOrdersQuery = {
  type: Type.Optional(Literals(WORK_ORDER_TYPES)),
  status: Type.Optional(Literals([...WORK_ORDER_STATUSES, 'active'])),
  priority: Type.Optional(Literals(WORK_ORDER_PRIORITIES)),
  assigned_to: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'user id of the assignee' }),
  ),
};

export type WorkOrdersQuery = PeriodInput &
  ScopeInput & { type?: string; status?: string; priority?: string; assigned_to?: number };

/** A due date may be a day (due by its end, UTC) or an instant. */
function dueMs(due: string | null): number | null {
  if (!due) return null;
  return due.length === 10 ? Date.parse(`${due}T00:00:00Z`) + DAY_MS - 1 : Date.parse(due);
}

/**
 * Work-order history and SLA performance: every work order created in the period, with on-time
 * completion, time to complete and SLA breaches, overall and by priority.
 */
export async function buildWorkOrdersReport(bc: BuildContext, q: WorkOrdersQuery): Promise<ReportData> {
  const period = resolvePeriod(q, bc.now, 90);
  const scope = await resolveScope(bc.db, q);
  const filters = [...scope.filters];
  if (q.type) filters.push(filterEntry('type', 'Work-order type', q.type));
  if (q.status) filters.push(filterEntry('status', 'Status', q.status));
  if (q.priority) filters.push(filterEntry('priority', 'Priority', q.priority));
  if (q.assigned_to !== undefined) {
    const u = await bc.db
      .selectFrom('users')
      .select('full_name')
      .where('id', '=', q.assigned_to)
      .executeTakeFirst();
    filters.push({
      key: 'assigned_to',
      label: 'Assigned to',
      value: q.assigned_to,
      display: u?.full_name ?? `user ${q.assigned_to}`,
    });
  }
  const endMs = Math.min(Date.parse(period.to), bc.now.getTime());

  let wq = bc.db
    .selectFrom('work_orders as w')
    .innerJoin('instruments', 'instruments.id', 'w.instrument_id')
    .leftJoin('users as assignee', 'assignee.id', 'w.assigned_to')
    .select([
      'w.id',
      'w.title',
      'w.type',
      'w.priority',
      'w.status',
      'w.created_at',
      'w.due_date',
      'w.started_at',
      'w.completed_at',
      'w.cancelled_at',
      'w.estimated_duration_minutes',
      'w.actual_duration_minutes',
      'w.sla_breached',
      'w.alert_id',
      'w.calibration_record_id',
      'instruments.tag',
      'assignee.full_name as assigned_to',
    ])
    .where('w.created_at', '>=', period.from)
    .where('w.created_at', '<=', period.to);
  for (const c of scopeConditions(scope)) wq = wq.where(c);
  if (q.type) wq = wq.where('w.type', '=', q.type);
  if (q.status === 'active') wq = wq.where('w.status', 'in', ['open', 'in_progress']);
  else if (q.status) wq = wq.where('w.status', '=', q.status);
  if (q.priority) wq = wq.where('w.priority', '=', q.priority);
  if (q.assigned_to !== undefined) wq = wq.where('w.assigned_to', '=', q.assigned_to);
  const orders = await wq.orderBy('w.created_at').orderBy('w.id').execute();

  interface Judged {
    priority: string;
    completed: boolean;
    onTime: boolean | null;
    hours: number | null;
    breached: boolean;
    open: boolean;
  }
  const judged: Judged[] = [];
  const rows: Row[] = orders.map((w) => {
    const due = dueMs(w.due_date);
    const completed = w.status === 'completed' && w.completed_at !== null;
    const open = w.status === 'open' || w.status === 'in_progress';
    const doneMs = completed ? Date.parse(w.completed_at!) : null;
    const onTime = completed && due !== null ? doneMs! <= due : null;
    const hours = completed ? (doneMs! - Date.parse(w.created_at)) / HOUR_MS : null;
    const breached =
      w.status !== 'cancelled' &&
      (w.sla_breached === 1 || onTime === false || (open && due !== null && due < endMs));
    judged.push({ priority: w.priority, completed, onTime, hours, breached, open });
    return {
      id: w.id,
      tag: w.tag,
      title: w.title,
      type: w.type,
      priority: w.priority,
      status: w.status,
      assigned_to: w.assigned_to,
      created_at: w.created_at,
      due_date: w.due_date,
      completed_at: w.completed_at,
      estimated_minutes: w.estimated_duration_minutes,
      actual_minutes: w.actual_duration_minutes,
      hours_to_complete: round(hours, 1),
      on_time: onTime,
      sla_breached: w.status === 'cancelled' ? null : breached,
    };
  });

  const completed = judged.filter((j) => j.completed);
  const withDue = completed.filter((j) => j.onTime !== null);
  const onTime = withDue.filter((j) => j.onTime);
  const est = orders.filter((w) => w.status === 'completed' && w.estimated_duration_minutes !== null);

  const byPriority = PRIORITIES.map((p) => {
    const list = judged.filter((j) => j.priority === p);
    const done = list.filter((j) => j.completed);
    const due = done.filter((j) => j.onTime !== null);
    return {
      priority: p,
      sla_hours: bc.config.slaHours[p],
      work_orders: list.length,
      completed: done.length,
      on_time: due.filter((j) => j.onTime).length,
      on_time_pct: pct(due.filter((j) => j.onTime).length, due.length),
      mean_hours_to_complete: round(mean(done.flatMap((j) => (j.hours === null ? [] : [j.hours]))), 1),
      breaches: list.filter((j) => j.breached).length,
      still_open: list.filter((j) => j.open).length,
    };
  });

  return {
    ...reportHeader(
      bc,
      'work-orders',
      'Work Order History and SLA Performance',
      'Every work order created in the period with its outcome: completed on time, time to complete and SLA breaches.',
      period,
      filters,
    ),
    ...summaryOf([
      ['work_orders', 'Work orders', orders.length, 'int'],
      ['completed', 'Completed', completed.length, 'int'],
      ['open', 'Still open', judged.filter((j) => j.open).length, 'int'],
      ['cancelled', 'Cancelled', orders.filter((w) => w.status === 'cancelled').length, 'int'],
      ['on_time_pct', 'Completed on time', pct(onTime.length, withDue.length), 'percent'],
      [
        'mean_hours_to_complete',
        'Mean time to complete',
        round(mean(completed.flatMap((j) => (j.hours === null ? [] : [j.hours]))), 1),
        'number',
        'h',
      ],
      ['sla_breaches', 'SLA breaches', judged.filter((j) => j.breached).length, 'int'],
      [
        'actual_vs_estimated_pct',
        'Actual vs estimated time',
        pct(
          est.reduce((n, w) => n + (w.actual_duration_minutes ?? 0), 0),
          est.reduce((n, w) => n + (w.estimated_duration_minutes ?? 0), 0),
        ),
        'percent',
      ],
    ]),
    sections: [
      {
        key: 'sla_by_priority',
        title: 'SLA performance by priority',
        columns: [
          { key: 'priority', label: 'Priority', width: 1.2 },
          { key: 'sla_hours', label: 'SLA (h)', kind: 'number', decimals: 0 },
          { key: 'work_orders', label: 'Work orders', kind: 'int' },
          { key: 'completed', label: 'Completed', kind: 'int' },
          { key: 'on_time', label: 'On time', kind: 'int' },
          { key: 'on_time_pct', label: 'On time %', kind: 'percent' },
          {
            key: 'mean_hours_to_complete',
            label: 'Mean time to complete (h)',
            kind: 'number',
            decimals: 1,
            width: 1.4,
          },
          { key: 'breaches', label: 'SLA breaches', kind: 'int' },
          { key: 'still_open', label: 'Still open', kind: 'int' },
        ],
        rows: byPriority,
      },
    ],
    main: {
      key: 'work_orders',
      title: 'Work orders',
      columns: [
        { key: 'id', label: 'WO #', kind: 'int', width: 0.5 },
        { key: 'tag', label: 'Tag', width: 0.95 },
        { key: 'title', label: 'Title', width: 2.6 },
        { key: 'type', label: 'Type', width: 0.85 },
        { key: 'priority', label: 'Priority', width: 0.7 },
        { key: 'status', label: 'Status', width: 0.85, words: true },
        { key: 'assigned_to', label: 'Assigned to', width: 1.25 },
        { key: 'created_at', label: 'Created', kind: 'datetime', width: 1.2 },
        { key: 'due_date', label: 'Due', kind: 'datetime', width: 1.2 },
        { key: 'completed_at', label: 'Completed', kind: 'datetime', width: 1.2 },
        { key: 'estimated_minutes', label: 'Est. min', kind: 'int', width: 0.55 },
        { key: 'actual_minutes', label: 'Act. min', kind: 'int', width: 0.55 },
        { key: 'hours_to_complete', label: 'Hours', kind: 'number', decimals: 1, width: 0.55 },
        { key: 'on_time', label: 'On time', kind: 'yesno', width: 0.55 },
        { key: 'sla_breached', label: 'SLA breach', kind: 'yesno', width: 0.6 },
      ],
      rows,
    },
    notes: [
      'Completed on time % = work orders completed on or before their due date / completed work orders that ' +
        'had a due date. Time to complete = completed - created, in hours; the mean is over completed work orders.',
      'SLA breach: completed after the due date, or still open past it at the end of the period (or flagged by ' +
        'the SLA scan). Cancelled work orders are not judged. Due dates come from the SLA hours per priority.',
      'Actual vs estimated = total actual minutes / total estimated minutes of completed work orders with an estimate.',
    ],
    landscape: true,
  };
}
