import type { Kysely } from 'kysely';
import { countActiveAlerts } from '../alerts/alert-service.ts';
import type { DB } from '../db/schema.ts';
import type { InstrumentHealthScore } from '../instruments/health-service.ts';
import { ValidationError } from '../shared/errors.ts';
import { type HealthSources, healthCards, healthScores } from './instrument-health.ts';

const OPEN_WORK_ORDER = ['open', 'in_progress'];

export const CARD_SORTS = ['problems', 'health', 'tag'] as const;
export type CardSort = (typeof CARD_SORTS)[number];

export interface SummaryQuery {
  processUnitId?: number;
  /** Cards in the page; the KPIs and `total` always cover everything matching. */
  limit: number;
  offset: number;
  sort: CardSort;
  /** Tag contains this, any case. */
  search?: string;
  /** Only instruments with something wrong: an open alert, calibration overdue or out of tolerance, health below 100. */
  problemsOnly?: boolean;
}

async function assertProcessUnit(db: Kysely<DB>, id: number) {
  const pu = await db.selectFrom('process_units').select('id').where('id', '=', id).executeTakeFirst();
  if (!pu) throw new ValidationError('process_unit_id', `process unit ${id} does not exist`);
}

const SEVERITY: Record<string, number> = { advisory: 1, warning: 2, critical: 3 };

/** Open alerts are sorted worst first by healthForAll: the first one's severity is the worst. */
function worstSeverity(s: InstrumentHealthScore) {
  const first = s.health_inputs.open_alerts[0];
  return first ? SEVERITY[first.severity] : 0;
}

function hasProblem(s: InstrumentHealthScore) {
  const i = s.health_inputs;
  return s.health_score < 100 || i.open_alerts.length > 0 || i.calibration_overdue || i.out_of_tolerance;
}

/**
 * Problems first: the worst open alert (critical, warning, advisory, none), then calibration overdue
 * or out of tolerance, then the lowest health, then tag. Numbers already in memory: no query.
 */
function order(scores: InstrumentHealthScore[], sort: CardSort): InstrumentHealthScore[] {
  if (sort === 'tag') return scores; // healthForAll orders by tag
  const rank = new Map(scores.map((s, i) => [s, i]));
  const byTag = (a: InstrumentHealthScore, b: InstrumentHealthScore) =>
    (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  if (sort === 'health') return [...scores].sort((a, b) => a.health_score - b.health_score || byTag(a, b));
  const calibration = (s: InstrumentHealthScore) =>
    s.health_inputs.calibration_overdue || s.health_inputs.out_of_tolerance ? 1 : 0;
  return [...scores].sort(
    (a, b) =>
      worstSeverity(b) - worstSeverity(a) ||
      calibration(b) - calibration(a) ||
      a.health_score - b.health_score ||
      byTag(a, b),
  );
}

/**
 * The four KPI tiles for the plant (or a process unit) and one page of health cards. The tiles and
 * `total` come from counts and the score pass (a fixed handful of queries whatever the plant size);
 * only the requested page of cards is built and sent, so 2,000 instruments cost one page of JSON.
 */
export async function dashboardSummary(src: HealthSources, now: Date, query: SummaryQuery) {
  const { processUnitId } = query;
  if (processUnitId !== undefined) await assertProcessUnit(src.db, processUnitId);
  let wq = src.db
    .selectFrom('work_orders')
    .innerJoin('instruments', 'instruments.id', 'work_orders.instrument_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('work_orders.status', 'in', OPEN_WORK_ORDER)
    .where('instruments.deleted_at', 'is', null);
  if (processUnitId !== undefined) wq = wq.where('instruments.process_unit_id', '=', processUnitId);

  const [scores, openWorkOrders, plantActiveAlerts] = await Promise.all([
    healthScores(src, now, { processUnitId }),
    wq.executeTakeFirstOrThrow(),
    processUnitId === undefined ? countActiveAlerts(src.db) : Promise.resolve(null),
  ]);

  const needle = query.search?.toLowerCase();
  const matching = scores.filter(
    (s) => (!needle || s.tag.toLowerCase().includes(needle)) && (!query.problemsOnly || hasProblem(s)),
  );
  const page = order(matching, query.sort).slice(query.offset, query.offset + query.limit);
  return {
    generated_at: now.toISOString(),
    process_unit_id: processUnitId ?? null,
    total_instruments: scores.length,
    calibration_overdue: scores.filter((s) => s.health_inputs.calibration_overdue).length,
    // Same rule as countActiveAlerts (open, not suppressed, live instrument), per unit when filtered.
    active_alerts: plantActiveAlerts ?? scores.reduce((n, s) => n + s.health_inputs.open_alerts.length, 0),
    open_work_orders: Number(openWorkOrders.n),
    total: matching.length,
    limit: query.limit,
    offset: query.offset,
    sort: query.sort,
    instruments: await healthCards(src, page),
  };
}
