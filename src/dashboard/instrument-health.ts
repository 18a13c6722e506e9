import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { AnomalyView, LastReading, LiveView, MonitorView } from '../context.ts';
import { batchesOf } from '../db/batches.ts';
import type { DB } from '../db/schema.ts';
import type { Severity } from '../detection/types.ts';
import {
  type HealthContext,
  healthForAll,
  type InstrumentHealthScore,
  isoOrNull,
} from '../instruments/health-service.ts';

// Health of every instrument in one pass for the dashboard cards and the health-status report:
// the score comes from the ml module's healthForAll (formula: detection/health-score.ts); this adds
// what a card shows beside it (type, unit, unit name, criticality, badges).

export type RuleBadge = 'ok' | 'warning' | 'critical';
export type DriftBadge = 'ok' | 'drifting';
export type MlBadge = 'ok' | 'anomaly' | 'no_model';
export type QualityBadge = 'good' | 'fault' | 'spike' | 'no_data';

export interface InstrumentHealth {
  id: number;
  tag: string;
  type: string;
  unit: string;
  process_unit_id: number | null;
  process_unit_name: string | null;
  criticality: string;
  status: string;
  last_reading: LastReading | null;
  health_score: number;
  health_parts: { alerts: number; drift: number; anomaly: number; freshness: number; calibration: number };
  badges: { rule: RuleBadge; drift: DriftBadge; ml: MlBadge; quality: QualityBadge };
  open_alerts: number;
  /** Worst severity among the open alerts, null when there are none. */
  worst_severity: Severity | null;
  /** Null for an instrument out of service (no calibration schedule). */
  next_calibration_due: string | null;
  calibration_overdue: boolean;
  /** The latest calibration in force failed as-left: out of tolerance (issue 13). */
  out_of_tolerance: boolean;
}

export interface HealthFilter {
  processUnitId?: number | null;
  instrumentId?: number | null;
  instrumentType?: string | null;
  criticality?: string | null;
}

export interface HealthSources {
  db: Kysely<DB>;
  config: Config;
  live: LiveView;
  /** Live detector state (CUSUM sums vs h); absent outside the server process. */
  monitor?: MonitorView;
  /** Live anomaly scores; absent outside the server process. */
  anomaly?: AnomalyView;
  /** The server's instrument cache: the score pass reads the register from memory (issue 16). */
  register?: HealthContext['register'];
  /** The server's calibration states: no calibration query per pass (issue 16). */
  calibrations?: HealthContext['calibrations'];
}

const RANK: Record<string, number> = { advisory: 0, warning: 1, critical: 2 };
const NONE = { snapshot: () => null, groupSnapshot: () => null, cusumLevel: () => null, score: () => null };

/** Every live instrument matching the filter, scored, with its card details: a fixed handful of queries. */
export async function instrumentHealth(
  src: HealthSources,
  now: Date,
  filter: HealthFilter = {},
): Promise<InstrumentHealth[]> {
  return healthCards(src, await healthScores(src, now, filter));
}

/**
 * The score of every live instrument matching the filter (ordered by tag): the cheap part, a fixed
 * handful of queries plus in-memory live state (and the register, when given), enough to count,
 * filter and order the plant before any card is built.
 */
export function healthScores(src: HealthSources, now: Date, filter: HealthFilter = {}) {
  return healthForAll(
    {
      db: src.db,
      config: src.config,
      live: src.live,
      monitor: src.monitor ?? NONE,
      anomaly: src.anomaly ?? NONE,
      register: src.register,
      calibrations: src.calibrations,
    },
    now,
    {
      processUnitId: filter.processUnitId ?? undefined,
      instrumentId: filter.instrumentId ?? undefined,
      type: filter.instrumentType ?? undefined,
      criticality: filter.criticality ?? undefined,
    },
  );
}

/** The worst severity among open alerts and the rule badge, from the score's inputs. */
export function alertSummary(open: { alert_type: string; severity: Severity }[]) {
  let worst: Severity | null = null;
  let rule: RuleBadge = 'ok';
  for (const a of open) {
    if (worst === null || RANK[a.severity] > RANK[worst]) worst = a.severity;
    if (a.alert_type === 'rule_violation') {
      if (a.severity === 'critical') rule = 'critical';
      else if (rule === 'ok') rule = 'warning';
    }
  }
  return { worst, rule };
}

/**
 * Cards for the given scores, in their order: two queries on their ids only, so a page of 100
 * costs the same whatever the plant size (the dashboard builds only the page it sends).
 */
export async function healthCards(
  src: HealthSources,
  scores: InstrumentHealthScore[],
): Promise<InstrumentHealth[]> {
  if (scores.length === 0) return [];
  // One batch for a page; several only when a whole plant is asked for (bind-parameter limits).
  const chunks = batchesOf(scores.map((s) => s.instrument_id));
  const [details, active] = await Promise.all([
    Promise.all(
      chunks.map((c) =>
        src.db
          .selectFrom('instruments')
          .leftJoin('process_units', 'process_units.id', 'instruments.process_unit_id')
          .select([
            'instruments.id',
            'instruments.type',
            'instruments.unit',
            'instruments.process_unit_id',
            'process_units.name as process_unit_name',
            'instruments.criticality',
          ])
          .where('instruments.id', 'in', c)
          .execute(),
      ),
    ),
    Promise.all(
      chunks.map((c) =>
        src.db
          .selectFrom('ml_model_versions')
          .select('instrument_id')
          .where('is_active', '=', 1)
          .where('instrument_id', 'in', c)
          .groupBy('instrument_id')
          .execute(),
      ),
    ),
  ]);
  const detailOf = new Map(details.flat().map((d) => [d.id, d]));
  const withModel = new Set(active.flat().map((m) => m.instrument_id));

  return scores.flatMap((s) => {
    const d = detailOf.get(s.instrument_id);
    if (!d) return [];
    const open = s.health_inputs.open_alerts;
    const { worst, rule } = alertSummary(open);
    const reading = src.live.lastReading(s.instrument_id);
    const anomalous = open.some((a) => a.alert_type === 'anomaly');
    return [
      {
        id: s.instrument_id,
        tag: s.tag,
        type: d.type,
        unit: d.unit,
        process_unit_id: d.process_unit_id,
        process_unit_name: d.process_unit_name,
        criticality: d.criticality,
        status: s.status,
        last_reading: reading,
        health_score: s.health_score,
        health_parts: s.health_parts,
        badges: {
          rule,
          drift: open.some((a) => a.alert_type === 'drift') ? 'drifting' : 'ok',
          ml: anomalous ? 'anomaly' : withModel.has(s.instrument_id) ? 'ok' : 'no_model',
          quality: reading ? qualityBadge(reading.quality) : 'no_data',
        },
        open_alerts: open.length,
        worst_severity: worst,
        next_calibration_due: isoOrNull(s.health_inputs.next_calibration_due_ms),
        calibration_overdue: s.health_inputs.calibration_overdue,
        out_of_tolerance: s.health_inputs.out_of_tolerance,
      },
    ];
  });
}

function qualityBadge(q: string): QualityBadge {
  return q === 'fault' || q === 'spike' ? q : 'good';
}
