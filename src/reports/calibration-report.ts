import { Type } from 'typebox';
import { effectiveIntervalDays } from '../calibration/due-dates.ts';
import type { ErrorPlot } from '../shared/pdf-charts.ts';
import { signaturesFor } from '../signatures/signature-service.ts';
import { walkSchedule } from './calibration-schedule.ts';
import { DAY_MS, pct, type ReportData, type Row } from './report-model.ts';
import {
  filterEntry,
  type PeriodInput,
  resolvePeriod,
  resolveScope,
  type ScopeInput,
  scopeConditions,
} from './report-params.ts';
import {
  type BuildContext,
  loadCalibrationsInForce,
  loadInstruments,
  reportHeader,
  summaryOf,
} from './report-queries.ts';

export const calibrationQuery = {
  result: Type.Optional(
    Type.Union([Type.Literal('passed'), Type.Literal('failed')], {
      description: 'only calibrations whose overall result passed or failed',
    }),
  ),
};

export type CalibrationQuery = PeriodInput & ScopeInput & { result?: 'passed' | 'failed' };

const DUE_SOON_DAYS = 30;

/**
 * Calibration status (one row per live instrument, as of the end of the period) and history (one row
 * per test point of every calibration performed in the period, with as-found/as-left, error % of
 * span and pass/fail).
 */
export async function buildCalibrationReport(bc: BuildContext, q: CalibrationQuery): Promise<ReportData> {
  const period = resolvePeriod(q, bc.now, 90);
  const scope = await resolveScope(bc.db, q);
  const filters = [...scope.filters];
  if (q.result) filters.push(filterEntry('result', 'Result', q.result));
  const end = new Date(Math.min(Date.parse(period.to), bc.now.getTime()));

  const [instruments, cals] = await Promise.all([
    loadInstruments(bc.db, scope),
    loadCalibrationsInForce(bc.db, scope),
  ]);

  let hq = bc.db
    .selectFrom('calibration_records as cr')
    .innerJoin('instruments', 'instruments.id', 'cr.instrument_id')
    .leftJoin('users', 'users.id', 'cr.technician_id')
    .leftJoin('reference_standards as rs', 'rs.id', 'cr.reference_standard_id')
    .leftJoin('calibration_points as cp', 'cp.calibration_id', 'cr.id')
    .leftJoin('calibration_procedures as proc', 'proc.id', 'cr.procedure_id')
    .select([
      'cr.id',
      'cr.performed_at',
      'cr.tolerance_pct',
      'cr.passed',
      'cr.as_found_passed',
      'cr.as_left_passed',
      'cr.corrects_id',
      'cr.notes',
      'instruments.tag',
      'instruments.unit',
      'users.full_name as technician',
      'rs.identifier as standard',
      'cp.seq',
      'cp.reference_value',
      'cp.as_found',
      'cp.as_left',
      'cp.as_found_error_pct',
      'cp.as_left_error_pct',
      'cp.as_found_passed as point_af_passed',
      'cp.as_left_passed as point_al_passed',
      // Issue 13: direction, TUR, hysteresis, repeatability, procedure, reduced check.
      'cp.direction',
      'cp.tur',
      'cr.hysteresis_as_found_pct',
      'cr.repeatability_as_found_pct',
      'cr.min_tur',
      'cr.reduced_check',
      'proc.name as procedure',
    ])
    // The latest correction of a record, to say beside it that it is superseded.
    .select((eb) =>
      eb
        .selectFrom('calibration_records as c2')
        .whereRef('c2.corrects_id', '=', 'cr.id')
        .select((e) => e.fn.max('c2.id').as('m'))
        .as('superseded_by'),
    )
    .where('cr.performed_at', '>=', period.from)
    .where('cr.performed_at', '<=', period.to);
  for (const c of scopeConditions(scope)) hq = hq.where(c);
  if (q.result) hq = hq.where('cr.passed', '=', q.result === 'passed' ? 1 : 0);
  const points = await hq.orderBy('cr.performed_at').orderBy('cr.id').orderBy('cp.seq').execute();

  const history: Row[] = points.map((p) => ({
    calibration_id: p.id,
    tag: p.tag,
    performed_at: p.performed_at,
    technician: p.technician,
    reference_standard: p.standard,
    tolerance_pct: p.tolerance_pct,
    unit: p.unit,
    point: p.seq === null ? null : p.seq + 1,
    reference_value: p.reference_value,
    as_found: p.as_found,
    as_found_error_pct: p.as_found_error_pct,
    as_found_passed: p.point_af_passed === null ? null : p.point_af_passed === 1,
    as_left: p.as_left,
    as_left_error_pct: p.as_left_error_pct,
    as_left_passed: p.point_al_passed === null ? null : p.point_al_passed === 1,
    direction: p.direction ?? null,
    tur: p.tur ?? null,
    hysteresis_pct: p.hysteresis_as_found_pct ?? null,
    repeatability_pct: p.repeatability_as_found_pct ?? null,
    min_tur: p.min_tur ?? null,
    procedure: p.procedure ?? null,
    result: p.passed === 1,
    remarks: remarks(
      p.corrects_id,
      p.superseded_by ?? null,
      p.as_found_passed === 1,
      p.min_tur,
      p.reduced_check === 1,
    ),
  }));

  const status: Row[] = instruments.map((i) => {
    const sched = walkSchedule(i, cals.get(i.id) ?? [], new Date(period.from), end);
    const list = cals.get(i.id) ?? [];
    const lastInPeriodEnd = [...list].reverse().find((c) => Date.parse(c.performed_at) <= end.getTime());
    const daysToDue = Math.floor((Date.parse(sched.next_due_at) - end.getTime()) / DAY_MS);
    const state =
      i.status === 'out_of_service'
        ? 'Out of service'
        : lastInPeriodEnd && lastInPeriodEnd.as_left_passed === 0
          ? 'OUT OF TOLERANCE'
          : sched.overdue
            ? 'OVERDUE'
            : daysToDue <= DUE_SOON_DAYS
              ? 'Due soon'
              : 'In date';
    return {
      tag: i.tag,
      type: i.type,
      process_unit: i.process_unit_name,
      criticality: i.criticality,
      interval_days: effectiveIntervalDays(i),
      last_calibration_at: sched.last_calibration_at,
      last_result: lastInPeriodEnd ? lastInPeriodEnd.passed === 1 : null,
      next_due_at: sched.next_due_at,
      days_to_due: daysToDue,
      status: state,
    };
  });

  const records = new Map<number, { passed: boolean; afPassed: boolean }>();
  for (const p of points) records.set(p.id, { passed: p.passed === 1, afPassed: p.as_found_passed === 1 });
  const recs = [...records.values()];
  // Issue 13: the electronic signatures of the calibrations in the period, printed with them.
  const tagOf = new Map(points.map((p) => [p.id, p.tag]));
  const signatures: Row[] = (await signaturesFor(bc.db, 'calibration_record', [...records.keys()])).map(
    (sg) => ({
      calibration_id: sg.entity_id,
      tag: tagOf.get(sg.entity_id) ?? null,
      meaning: sg.meaning,
      signer: sg.signer_name,
      signed_at: sg.signed_at,
      signature_hash: sg.signature_hash,
    }),
  );
  const passed = recs.filter((r) => r.passed).length;
  const afPassed = recs.filter((r) => r.afPassed).length;
  const active = status.filter((s) => s.status !== 'Out of service');

  return {
    ...reportHeader(
      bc,
      'calibration',
      'Calibration Status and History',
      'Calibration status of each instrument at the end of the period, and every calibration performed ' +
        'in the period with its as-found / as-left test points (errors in % of span).',
      period,
      filters,
    ),
    ...summaryOf([
      ['instruments', 'Instruments', status.length, 'int'],
      ['calibrations', 'Calibrations in period', recs.length, 'int'],
      ['passed', 'Passed', passed, 'int'],
      ['failed', 'Failed', recs.length - passed, 'int'],
      ['as_found_out_of_tolerance', 'As-found out of tolerance', recs.length - afPassed, 'int'],
      ['as_found_pass_rate_pct', 'As-found pass rate', pct(afPassed, recs.length), 'percent'],
      ['overdue', 'Overdue at period end', active.filter((s) => s.status === 'OVERDUE').length, 'int'],
      [
        'out_of_tolerance',
        'Out of tolerance at period end',
        active.filter((s) => s.status === 'OUT OF TOLERANCE').length,
        'int',
      ],
      [
        'due_soon',
        `Due within ${DUE_SOON_DAYS} days`,
        active.filter((s) => s.status === 'Due soon').length,
        'int',
      ],
    ]),
    sections: [
      {
        key: 'status',
        title: 'Calibration status by instrument',
        columns: [
          { key: 'tag', label: 'Tag', width: 1.2 },
          { key: 'type', label: 'Type' },
          { key: 'process_unit', label: 'Process unit', width: 1.6 },
          { key: 'criticality', label: 'Criticality', width: 0.9 },
          { key: 'interval_days', label: 'Interval (d)', kind: 'int', width: 0.8 },
          { key: 'last_calibration_at', label: 'Last calibration', kind: 'date', width: 1.1 },
          { key: 'last_result', label: 'Last result', kind: 'passfail', width: 0.8 },
          { key: 'next_due_at', label: 'Next due', kind: 'date', width: 1.1 },
          { key: 'days_to_due', label: 'Days to due', kind: 'int', width: 0.8 },
          { key: 'status', label: 'Status', width: 1 },
        ],
        rows: status,
      },
      {
        key: 'signatures',
        title: 'Electronic signatures (SHA-256 of the signed record)',
        columns: [
          { key: 'calibration_id', label: 'Cal #', kind: 'int', width: 0.6 },
          { key: 'tag', label: 'Tag', width: 1.1 },
          { key: 'meaning', label: 'Meaning', width: 0.9 },
          { key: 'signer', label: 'Signed by', width: 1.5 },
          { key: 'signed_at', label: 'Signed at', kind: 'datetime', width: 1.4 },
          { key: 'signature_hash', label: 'Signature hash', width: 4 },
        ],
        rows: signatures,
      },
    ],
    main: {
      key: 'history',
      title: 'Calibration history: as-found / as-left per test point',
      groupBy: 'calibration_id',
      columns: [
        { key: 'calibration_id', label: 'Cal #', kind: 'int', width: 0.6, group: true },
        { key: 'tag', label: 'Tag', width: 1.1, group: true },
        { key: 'performed_at', label: 'Performed', kind: 'datetime', width: 1.45, group: true },
        { key: 'technician', label: 'Technician', width: 1.4, group: true },
        { key: 'reference_standard', label: 'Ref. standard', width: 1.15, group: true },
        { key: 'tolerance_pct', label: 'Tol. ±%', kind: 'number', decimals: 2, width: 0.65, group: true },
        { key: 'unit', label: 'Unit', width: 0.6, group: true },
        { key: 'procedure', label: 'Procedure', pdf: false },
        { key: 'point', label: 'Pt', kind: 'int', width: 0.4 },
        { key: 'direction', label: 'Dir', width: 0.45 },
        { key: 'reference_value', label: 'Reference', kind: 'number', decimals: 4, width: 0.95 },
        { key: 'as_found', label: 'As found', kind: 'number', decimals: 4, width: 0.95 },
        { key: 'as_found_error_pct', label: 'AF err %', kind: 'number', decimals: 3, width: 0.8 },
        { key: 'as_found_passed', label: 'AF', kind: 'passfail', width: 0.6 },
        { key: 'as_left', label: 'As left', kind: 'number', decimals: 4, width: 0.95 },
        { key: 'as_left_error_pct', label: 'AL err %', kind: 'number', decimals: 3, width: 0.8 },
        { key: 'as_left_passed', label: 'AL', kind: 'passfail', width: 0.6 },
        { key: 'tur', label: 'TUR', kind: 'number', decimals: 1, width: 0.5 },
        { key: 'hysteresis_pct', label: 'Hyst. %', kind: 'number', decimals: 3, width: 0.6, group: true },
        { key: 'repeatability_pct', label: 'Repeatability %', kind: 'number', decimals: 3, pdf: false },
        { key: 'min_tur', label: 'Lowest TUR', kind: 'number', decimals: 2, pdf: false },
        { key: 'result', label: 'Result', kind: 'passfail', width: 0.7, group: true },
        { key: 'remarks', label: 'Remarks', width: 1.4, group: true },
      ],
      rows: history,
    },
    notes: [
      'Errors are in % of span: (reading - reference) / (range max - range min) x 100. A point passes when ' +
        '|error| <= the tolerance (the instrument accuracy class at the time of calibration).',
      'Result: PASS when every as-found and as-left point is within tolerance. AF = as found, AL = as left.',
      'Under a calibration procedure the tolerance is its rule (% of span, of reading, of URV or units, with ' +
        'guard band); Tol. is then the tightest acceptance limit in % of span. Dir: up/downscale. TUR = the ' +
        "point's tolerance / the reference standard's expanded uncertainty (4:1 or more expected). Hyst. = the " +
        'largest as-found difference between upscale and downscale at one point, % of span.',
      'Next due = last calibration in force + effective interval (the predicted interval when an admin has ' +
        'switched the instrument to it); never calibrated: registration date + interval. A record superseded ' +
        'by a correction is listed with its remark but no longer counts for due dates.',
      `Status: OVERDUE when the next due date is before the end of the period; Due soon within ${DUE_SOON_DAYS} days.`,
    ],
    landscape: true,
    charts: [
      {
        key: 'errors',
        kind: 'calibration_errors',
        title: 'As-found and as-left error per test point',
        caption:
          'One plot per calibration in the period: error in % of span at each test point (labelled with its ' +
          'reference value), as found (circles) and as left (squares), against the tolerance band. A point ' +
          'outside the band is red.',
        plots: errorPlots(history),
      },
    ],
  };
}

/** The chart cells of the calibration history: one per record, its points in test order. */
function errorPlots(history: Row[]): ErrorPlot[] {
  const plots: ErrorPlot[] = [];
  let current: ErrorPlot | null = null;
  let currentId: unknown = null;
  for (const r of history) {
    if (r.point === null) continue;
    if (!current || r.calibration_id !== currentId) {
      currentId = r.calibration_id;
      const day = typeof r.performed_at === 'string' ? r.performed_at.slice(0, 10) : '';
      current = {
        title: `#${r.calibration_id} ${r.tag} ${day} ${r.result ? 'PASS' : 'FAIL'}`,
        tolerance_pct: typeof r.tolerance_pct === 'number' ? r.tolerance_pct : null,
        points: [],
      };
      plots.push(current);
    }
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    const ref = num(r.reference_value);
    current.points.push({
      label: ref === null ? String(r.point) : String(Number(ref.toPrecision(4))),
      found: num(r.as_found_error_pct),
      left: num(r.as_left_error_pct),
    });
  }
  return plots;
}

function remarks(
  correctsId: number | null,
  supersededBy: number | null,
  afPassed: boolean,
  minTur: number | null = null,
  reduced = false,
): string | null {
  const parts: string[] = [];
  if (!afPassed) parts.push('As-found out of tolerance');
  if (minTur !== null && minTur < 4) parts.push(`TUR ${minTur}:1 below 4:1`);
  if (reduced) parts.push('Reduced check');
  if (correctsId !== null) parts.push(`Corrects #${correctsId}`);
  if (supersededBy !== null) parts.push(`Superseded by #${supersededBy}`);
  return parts.length ? parts.join('; ') : null;
}
