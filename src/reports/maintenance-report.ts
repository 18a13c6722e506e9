import { Type } from 'typebox';
import { Literals } from '../http/schemas.ts';
import { MAINTENANCE_ACTION_TYPES } from '../maintenance/maintenance-records.ts';
import { mean, type ReportData, type Row, round } from './report-model.ts';
import {
  filterEntry,
  type PeriodInput,
  resolvePeriod,
  resolveScope,
  type ScopeInput,
  scopeConditions,
} from './report-params.ts';
import { type BuildContext, reportHeader, summaryOf } from './report-queries.ts';

export const maintenanceQuery = {
  action_type: Type.Optional(Literals(MAINTENANCE_ACTION_TYPES)),
};

export type MaintenanceQuery = PeriodInput & ScopeInput & { action_type?: string };

/** Maintenance history: every maintenance record performed in the period, oldest first. */
export async function buildMaintenanceReport(bc: BuildContext, q: MaintenanceQuery): Promise<ReportData> {
  const period = resolvePeriod(q, bc.now, 90);
  const scope = await resolveScope(bc.db, q);
  const filters = [...scope.filters];
  if (q.action_type) filters.push(filterEntry('action_type', 'Action type', q.action_type));

  let mq = bc.db
    .selectFrom('maintenance_records as m')
    .innerJoin('instruments', 'instruments.id', 'm.instrument_id')
    .leftJoin('process_units', 'process_units.id', 'instruments.process_unit_id')
    .leftJoin('users', 'users.id', 'm.technician_id')
    .select([
      'm.id',
      'm.performed_at',
      'm.action_type',
      'm.description',
      'm.parts_used',
      'm.duration_minutes',
      'm.work_order_id',
      'instruments.id as instrument_id',
      'instruments.tag',
      'process_units.name as process_unit',
      'users.full_name as technician',
    ])
    .where('m.deleted_at', 'is', null)
    .where('m.performed_at', '>=', period.from)
    .where('m.performed_at', '<=', period.to);
  for (const c of scopeConditions(scope)) mq = mq.where(c);
  if (q.action_type) mq = mq.where('m.action_type', '=', q.action_type);
  const records = await mq.orderBy('m.performed_at').orderBy('m.id').execute();

  const rows: Row[] = records.map((r) => ({
    id: r.id,
    performed_at: r.performed_at,
    tag: r.tag,
    process_unit: r.process_unit,
    action_type: r.action_type,
    description: r.description,
    parts_used: r.parts_used,
    duration_minutes: r.duration_minutes,
    technician: r.technician,
    work_order_id: r.work_order_id,
  }));

  const byType = new Map<
    string,
    { count: number; minutes: number; timed: number; instruments: Set<number> }
  >();
  for (const r of records) {
    const t = byType.get(r.action_type) ?? { count: 0, minutes: 0, timed: 0, instruments: new Set() };
    t.count++;
    if (r.duration_minutes !== null) {
      t.minutes += r.duration_minutes;
      t.timed++;
    }
    t.instruments.add(r.instrument_id);
    byType.set(r.action_type, t);
  }
  const durations = records.flatMap((r) => (r.duration_minutes === null ? [] : [r.duration_minutes]));
  const totalMinutes = durations.reduce((a, b) => a + b, 0);

  return {
    ...reportHeader(
      bc,
      'maintenance',
      'Maintenance History',
      'Every maintenance action recorded in the period, with the parts used, the time spent and the work order it closed.',
      period,
      filters,
    ),
    ...summaryOf([
      ['records', 'Maintenance records', records.length, 'int'],
      [
        'instruments_serviced',
        'Instruments serviced',
        new Set(records.map((r) => r.instrument_id)).size,
        'int',
      ],
      ['total_hours', 'Total time', round(totalMinutes / 60, 1), 'number', 'h'],
      ['mean_duration_minutes', 'Mean duration', round(mean(durations), 0), 'number', 'min'],
      [
        'linked_to_work_orders',
        'Linked to a work order',
        records.filter((r) => r.work_order_id !== null).length,
        'int',
      ],
    ]),
    sections: [
      {
        key: 'by_action_type',
        title: 'By action type',
        columns: [
          { key: 'action_type', label: 'Action type', width: 2 },
          { key: 'records', label: 'Records', kind: 'int' },
          { key: 'instruments', label: 'Instruments', kind: 'int' },
          { key: 'total_hours', label: 'Total time (h)', kind: 'number', decimals: 1 },
          { key: 'mean_minutes', label: 'Mean duration (min)', kind: 'number', decimals: 0 },
        ],
        rows: [...byType.entries()]
          .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
          .map(([action_type, t]) => ({
            action_type,
            records: t.count,
            instruments: t.instruments.size,
            total_hours: round(t.minutes / 60, 1),
            mean_minutes: t.timed ? round(t.minutes / t.timed, 0) : null,
          })),
      },
    ],
    main: {
      key: 'records',
      title: 'Maintenance records',
      columns: [
        { key: 'id', label: 'Rec #', kind: 'int', width: 0.55 },
        { key: 'performed_at', label: 'Performed', kind: 'datetime', width: 1.3 },
        { key: 'tag', label: 'Tag', width: 1 },
        { key: 'process_unit', label: 'Process unit', width: 1.3 },
        { key: 'action_type', label: 'Action', width: 1.1 },
        { key: 'description', label: 'Description', width: 3 },
        { key: 'parts_used', label: 'Parts used', width: 1.8 },
        { key: 'duration_minutes', label: 'Min', kind: 'int', width: 0.5 },
        { key: 'technician', label: 'Technician', width: 1.3 },
        { key: 'work_order_id', label: 'WO #', kind: 'int', width: 0.55 },
      ],
      rows,
    },
    notes: ['Deleted (withdrawn) maintenance records are not listed; they remain in the audit trail.'],
    landscape: true,
  };
}
