import { Type } from 'typebox';
import { type InstrumentHealth, instrumentHealth } from '../dashboard/instrument-health.ts';
import { DAY_MS, HOUR_MS, mean, type ReportData, type Row, round } from './report-model.ts';
import {
  filterEntry,
  type PeriodInput,
  resolvePeriod,
  resolveScope,
  type ScopeInput,
  scopeConditions,
} from './report-params.ts';
import { type BuildContext, loadTrends, reportHeader, summaryOf } from './report-queries.ts';

export const HEALTH_BANDS = [
  { band: 'good', label: 'Good', min: 80 },
  { band: 'fair', label: 'Fair', min: 50 },
  { band: 'poor', label: 'Poor', min: 0 },
] as const;
export type HealthBand = (typeof HEALTH_BANDS)[number]['band'];

export const healthQuery = {
  band: Type.Optional(
    Type.Union([Type.Literal('good'), Type.Literal('fair'), Type.Literal('poor')], {
      description: 'only instruments in this health band (good >= 80, fair 50-79, poor < 50)',
    }),
  ),
};

export type HealthQuery = PeriodInput & ScopeInput & { band?: HealthBand };

export function bandOf(score: number) {
  return HEALTH_BANDS.find((b) => score >= b.min) ?? HEALTH_BANDS[HEALTH_BANDS.length - 1];
}

/**
 * Health status: a snapshot of every live instrument at the time of generation (score, badges,
 * last reading, open alerts). The period only sets the "alerts in period" column.
 */
export async function buildHealthStatusReport(bc: BuildContext, q: HealthQuery): Promise<ReportData> {
  const period = resolvePeriod(q, bc.now, 30, false);
  const scope = await resolveScope(bc.db, q);
  const filters = [...scope.filters];
  if (q.band) filters.push(filterEntry('band', 'Health band', q.band));

  const all = await instrumentHealth(
    { db: bc.db, config: bc.config, live: bc.live, monitor: bc.monitor, anomaly: bc.anomaly },
    bc.now,
    {
      processUnitId: scope.processUnitId,
      instrumentId: scope.instrumentId,
      instrumentType: scope.instrumentType,
      criticality: scope.criticality,
    },
  );
  const cards = q.band ? all.filter((c) => bandOf(c.health_score).band === q.band) : all;

  let aq = bc.db
    .selectFrom('alert_records')
    .innerJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
    .select('alert_records.instrument_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('alert_records.first_seen', '>=', period.from)
    .where('alert_records.first_seen', '<=', period.to)
    .where('alert_records.suppressed', '=', 0)
    .groupBy('alert_records.instrument_id');
  for (const c of scopeConditions(scope)) aq = aq.where(c);
  const inPeriod = new Map((await aq.execute()).map((r) => [r.instrument_id, Number(r.n)]));

  const rows: Row[] = cards.map((c) => ({
    tag: c.tag,
    type: c.type,
    process_unit: c.process_unit_name,
    criticality: c.criticality,
    instrument_status: c.status,
    health_score: c.health_score,
    band: bandOf(c.health_score).label,
    last_value: c.last_reading?.value ?? null,
    unit: c.unit,
    last_reading_at: c.last_reading?.timestamp ?? null,
    quality: c.badges.quality.replace('_', ' '),
    rule: c.badges.rule,
    drift: c.badges.drift,
    ml: c.badges.ml.replace('_', ' '),
    open_alerts: c.open_alerts,
    alerts_in_period: inPeriod.get(c.id) ?? 0,
    next_calibration_due: c.next_calibration_due,
    calibration_overdue: c.calibration_overdue,
    deductions: deductions(c),
  }));

  const trendTo = bc.now.getTime();
  const trendFrom = trendTo - TREND_DAYS * DAY_MS;
  const trends = await loadTrends(
    bc.db,
    cards.map((c) => c.id),
    trendFrom,
    trendTo,
    TREND_BUCKET_MS,
  );
  const limits = new Map(
    (cards.length
      ? await bc.db
          .selectFrom('instruments')
          .select(['id', 'alarm_low_warning', 'alarm_high_warning'])
          .where(
            'id',
            'in',
            cards.map((c) => c.id),
          )
          .execute()
      : []
    ).map((r) => [r.id, r]),
  );

  const byUnit = new Map<string, InstrumentHealth[]>();
  for (const c of cards) {
    const k = c.process_unit_name ?? '(no process unit)';
    byUnit.set(k, [...(byUnit.get(k) ?? []), c]);
  }
  const count = (band: HealthBand) => cards.filter((c) => bandOf(c.health_score).band === band).length;

  return {
    ...reportHeader(
      bc,
      'health-status',
      'Instrument Health Status',
      'Health score (0-100) and status of every instrument at the time of generation; "alerts in period" counts alerts first raised in the period.',
      period,
      filters,
    ),
    ...summaryOf([
      ['instruments', 'Instruments', cards.length, 'int'],
      ['mean_health_score', 'Mean health score', round(mean(cards.map((c) => c.health_score)), 1), 'number'],
      ['good', 'Good (>= 80)', count('good'), 'int'],
      ['fair', 'Fair (50-79)', count('fair'), 'int'],
      ['poor', 'Poor (< 50)', count('poor'), 'int'],
      ['with_open_alerts', 'With open alerts', cards.filter((c) => c.open_alerts > 0).length, 'int'],
      [
        'calibration_overdue',
        'Calibration overdue',
        cards.filter((c) => c.calibration_overdue).length,
        'int',
      ],
      ['no_live_data', 'No live data', cards.filter((c) => c.last_reading === null).length, 'int'],
    ]),
    sections: [
      {
        key: 'by_process_unit',
        title: 'By process unit',
        columns: [
          { key: 'process_unit', label: 'Process unit', width: 2 },
          { key: 'instruments', label: 'Instruments', kind: 'int' },
          { key: 'mean_score', label: 'Mean score', kind: 'number', decimals: 1 },
          { key: 'lowest_score', label: 'Lowest score', kind: 'int' },
          { key: 'poor', label: 'Poor', kind: 'int' },
          { key: 'open_alerts', label: 'Open alerts', kind: 'int' },
        ],
        rows: [...byUnit.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([unit, list]) => ({
            process_unit: unit,
            instruments: list.length,
            mean_score: round(mean(list.map((c) => c.health_score)), 1),
            lowest_score: Math.min(...list.map((c) => c.health_score)),
            poor: list.filter((c) => bandOf(c.health_score).band === 'poor').length,
            open_alerts: list.reduce((n, c) => n + c.open_alerts, 0),
          })),
      },
    ],
    main: {
      key: 'instruments',
      title: 'Health by instrument',
      columns: [
        { key: 'tag', label: 'Tag', width: 1 },
        { key: 'type', label: 'Type', pdf: false },
        { key: 'process_unit', label: 'Process unit', width: 1.3 },
        { key: 'criticality', label: 'Criticality', width: 0.85 },
        { key: 'instrument_status', label: 'Status', width: 0.75 },
        { key: 'health_score', label: 'Health', kind: 'int', width: 0.7 },
        { key: 'band', label: 'Band', pdf: false },
        { key: 'last_value', label: 'Last value', kind: 'number', decimals: 3, width: 0.8 },
        { key: 'unit', label: 'Unit', width: 0.5 },
        { key: 'last_reading_at', label: 'Reading time', kind: 'datetime', width: 1.45 },
        { key: 'quality', label: 'Quality', width: 0.65 },
        { key: 'rule', label: 'Rule', width: 0.6 },
        { key: 'drift', label: 'Drift', width: 0.75 },
        { key: 'ml', label: 'ML', width: 0.75 },
        { key: 'open_alerts', label: 'Open alerts', kind: 'int', width: 0.55 },
        { key: 'alerts_in_period', label: 'Alerts in period', kind: 'int', width: 0.6 },
        { key: 'next_calibration_due', label: 'Cal. due', kind: 'date', width: 0.95 },
        { key: 'calibration_overdue', label: 'Cal. overdue', kind: 'yesno', width: 0.75 },
        { key: 'deductions', label: 'Points deducted', width: 1.75 },
      ],
      rows,
    },
    notes: [
      'Health score = 100 minus points deducted for open alerts (max 40), CUSUM drift (max 20), anomaly ' +
        'score (max 15), data freshness (max 15) and calibration state (max 20), clamped to 0-100 ' +
        '(src/detection/health-score.ts documents each part).',
      'Bands: Good >= 80, Fair 50-79, Poor < 50. Rule: worst open limit alarm. Drift: an open CUSUM drift ' +
        'alert. ML: an open anomaly alert, or "no model" when none is active. Quality: of the latest reading.',
    ],
    landscape: true,
    charts: [
      {
        key: 'trends',
        kind: 'trends',
        title: `${TREND_DAYS}-day trend by instrument`,
        caption:
          `Mean of each ${TREND_BUCKET_MS / HOUR_MS} h (line) and its minimum to maximum (band) over the last ` +
          `${TREND_DAYS} days, from the hourly readings; dashed lines are the warning limits.`,
        plots: cards.map((c) => ({
          title: `${c.tag}  health ${c.health_score}`,
          unit: c.unit,
          from: trendFrom,
          to: trendTo,
          points: trends.get(c.id) ?? [],
          low: limits.get(c.id)?.alarm_low_warning ?? null,
          high: limits.get(c.id)?.alarm_high_warning ?? null,
        })),
      },
    ],
  };
}

const TREND_DAYS = 30;
const TREND_BUCKET_MS = 6 * HOUR_MS;

function deductions(c: InstrumentHealth): string | null {
  const labels: [keyof InstrumentHealth['health_parts'], string][] = [
    ['alerts', 'alerts'],
    ['drift', 'drift'],
    ['anomaly', 'anomaly'],
    ['freshness', 'no fresh data'],
    ['calibration', 'calibration'],
  ];
  const parts = labels.filter(([k]) => c.health_parts[k] > 0).map(([k, l]) => `${l} -${c.health_parts[k]}`);
  return parts.length ? parts.join(', ') : null;
}
