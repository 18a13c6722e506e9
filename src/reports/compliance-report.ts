import { effectiveIntervalDays } from '../calibration/due-dates.ts';
import { CRITICALITIES } from '../instruments/schemas.ts';
import { type ScheduleResult, walkSchedule } from './calibration-schedule.ts';
import { pct, type ReportData, type Row } from './report-model.ts';
import { type PeriodInput, resolvePeriod, resolveScope, type ScopeInput } from './report-params.ts';
import {
  type BuildContext,
  loadCalibrationDates,
  loadInstruments,
  reportHeader,
  summaryOf,
} from './report-queries.ts';

export type ComplianceQuery = PeriodInput & ScopeInput;

/** The definition printed on the report and in docs/reports.md; the code below implements it. */
export const COMPLIANCE_DEFINITION = [
  'An instrument is due in the period when one of its calibration due dates falls in the period, or a due ' +
    'date before the period was still unmet at its start. Due dates: registration + interval, then each ' +
    'calibration + the interval in force then (the current effective interval for the open one).',
  'It is calibrated on time when every such due date was met by a calibration on or before that date. ' +
    'Compliance % = instruments calibrated on time / instruments due x 100 (n/a when none was due).',
  'Overdue = instruments whose next due date is before the end of the period (the end, or now if earlier). ' +
    'Only calibrations performed by the end count. Out-of-service instruments are listed but excluded; a ' +
    'record superseded by a correction is replaced by the correction.',
];

/**
 * Calibration compliance over the period: compliance %, overdue count, and the same figures by
 * process unit and by criticality, with the per-instrument detail as the main table.
 */
export async function buildComplianceReport(bc: BuildContext, q: ComplianceQuery): Promise<ReportData> {
  const period = resolvePeriod(q, bc.now, 365);
  const scope = await resolveScope(bc.db, q);
  const end = new Date(Math.min(Date.parse(period.to), bc.now.getTime()));
  const from = new Date(period.from);

  const [all, cals] = await Promise.all([
    loadInstruments(bc.db, scope, { includeDeleted: true, createdBefore: end.toISOString() }),
    loadCalibrationDates(bc.db, scope, end.toISOString()),
  ]);
  // Instruments that existed at some time in the period.
  const instruments = all.filter((i) => i.deleted_at === null || Date.parse(i.deleted_at) > from.getTime());

  interface Assessed {
    unit: string;
    criticality: string;
    excluded: boolean;
    due: boolean;
    compliant: boolean;
    sched: ScheduleResult;
  }
  const assessed: Assessed[] = [];
  const rows: Row[] = instruments.map((i) => {
    const sched = walkSchedule(i, cals.get(i.id) ?? [], from, end);
    const excluded = i.status === 'out_of_service';
    let onTime = 0;
    let late = 0;
    let outstanding = 0;
    for (const e of sched.events) {
      if (e.outcome === 'on_time') onTime++;
      else if (e.outcome === 'late') late++;
      else outstanding++;
    }
    const due = !excluded && sched.events.length > 0;
    const compliant = due && onTime === sched.events.length;
    assessed.push({
      unit: i.process_unit_name ?? '(no process unit)',
      criticality: i.criticality,
      excluded,
      due,
      compliant,
      sched,
    });
    return {
      tag: i.tag,
      type: i.type,
      process_unit: i.process_unit_name,
      criticality: i.criticality,
      interval_days: effectiveIntervalDays(i),
      due_dates: sched.events.length,
      on_time: onTime,
      late,
      outstanding,
      last_calibration_at: sched.last_calibration_at,
      next_due_at: sched.next_due_at,
      overdue: excluded ? null : sched.overdue,
      days_overdue: excluded || !sched.overdue ? null : sched.days_overdue,
      compliant: due ? compliant : null,
      remark: excluded
        ? 'Out of service: excluded'
        : i.deleted_at
          ? 'Decommissioned'
          : sched.events.length === 0
            ? 'Not due in period'
            : null,
    };
  });

  const counted = assessed.filter((a) => !a.excluded);
  const due = counted.filter((a) => a.due);
  const compliant = due.filter((a) => a.compliant);
  const events = counted.flatMap((a) => a.sched.events);
  const overdue = counted.filter((a) => a.sched.overdue);

  const breakdown = (keyOf: (a: Assessed) => string, order?: readonly string[]) => {
    const groups = new Map<string, Assessed[]>();
    for (const a of counted) {
      const k = keyOf(a);
      const list = groups.get(k);
      if (list) list.push(a);
      else groups.set(k, [a]);
    }
    const keys = [...groups.keys()].sort((a, b) =>
      order ? order.indexOf(b) - order.indexOf(a) || a.localeCompare(b) : a.localeCompare(b),
    );
    return keys.map((k) => {
      const list = groups.get(k)!;
      const d = list.filter((a) => a.due);
      const c = d.filter((a) => a.compliant);
      return {
        group: k,
        instruments: list.length,
        due: d.length,
        on_time: c.length,
        compliance_pct: pct(c.length, d.length),
        overdue: list.filter((a) => a.sched.overdue).length,
      };
    });
  };
  const groupColumns = (label: string) => [
    { key: 'group', label, width: 2 },
    { key: 'instruments', label: 'Instruments', kind: 'int' as const },
    { key: 'due', label: 'Due in period', kind: 'int' as const },
    { key: 'on_time', label: 'Calibrated on time', kind: 'int' as const },
    { key: 'compliance_pct', label: 'Compliance %', kind: 'percent' as const },
    { key: 'overdue', label: 'Overdue at end', kind: 'int' as const },
  ];

  const byUnit = breakdown((a) => a.unit);
  return {
    ...reportHeader(
      bc,
      'compliance',
      'Calibration Compliance Summary',
      'Whether each instrument due for calibration in the period was calibrated on or before its due date, and what is overdue at the end of the period.',
      period,
      scope.filters,
    ),
    ...summaryOf([
      ['compliance_pct', 'Calibration compliance', pct(compliant.length, due.length), 'percent'],
      ['instruments', 'Instruments in scope', counted.length, 'int'],
      ['instruments_due', 'Due in period', due.length, 'int'],
      ['instruments_on_time', 'Calibrated on time', compliant.length, 'int'],
      ['overdue', 'Overdue at period end', overdue.length, 'int'],
      ['due_dates', 'Due dates in period', events.length, 'int'],
      ['due_dates_late', 'Met late', events.filter((e) => e.outcome === 'late').length, 'int'],
      [
        'due_dates_outstanding',
        'Still outstanding',
        events.filter((e) => e.outcome === 'outstanding').length,
        'int',
      ],
    ]),
    sections: [
      {
        key: 'by_process_unit',
        title: 'Compliance by process unit',
        columns: groupColumns('Process unit'),
        rows: byUnit,
      },
      {
        key: 'by_criticality',
        title: 'Compliance by criticality',
        columns: groupColumns('Criticality'),
        rows: breakdown((a) => a.criticality, CRITICALITIES),
      },
    ],
    main: {
      key: 'instruments',
      title: 'Compliance by instrument',
      columns: [
        { key: 'tag', label: 'Tag', width: 1.1 },
        { key: 'type', label: 'Type', width: 0.9 },
        { key: 'process_unit', label: 'Process unit', width: 1.5 },
        { key: 'criticality', label: 'Criticality', width: 0.8 },
        { key: 'interval_days', label: 'Interval (d)', kind: 'int', width: 0.7 },
        { key: 'due_dates', label: 'Due dates', kind: 'int', width: 0.6 },
        { key: 'on_time', label: 'On time', kind: 'int', width: 0.6 },
        { key: 'late', label: 'Late', kind: 'int', width: 0.5 },
        { key: 'outstanding', label: 'Outstanding', kind: 'int', width: 0.85 },
        { key: 'last_calibration_at', label: 'Last calibration', kind: 'date', width: 1 },
        { key: 'next_due_at', label: 'Next due', kind: 'date', width: 1 },
        { key: 'overdue', label: 'Overdue', kind: 'yesno', width: 0.7 },
        { key: 'days_overdue', label: 'Days over', kind: 'int', width: 0.6 },
        { key: 'compliant', label: 'Compliant', kind: 'yesno', width: 0.75 },
        { key: 'remark', label: 'Remark', width: 1.4 },
      ],
      rows,
    },
    notes: COMPLIANCE_DEFINITION,
    landscape: true,
    charts: [
      {
        key: 'by_process_unit',
        kind: 'bars',
        title: 'Compliance by process unit',
        caption:
          'Share of the instruments due for calibration in the period that were calibrated on or before ' +
          'their due date, per process unit: green when every one was (100 %), red when any was late or is ' +
          'outstanding. A unit with nothing due has no bar.',
        plot: {
          title: 'Calibration compliance, % of instruments due',
          unit: '%',
          max: 100,
          target: 100,
          bars: byUnit.map((r) => ({ label: r.group, value: r.compliance_pct })),
        },
      },
    ],
  };
}
