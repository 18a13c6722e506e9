// Instrument health score, 0-100, for the dashboard cards and the health report.
//
// score = round(100 - alerts - drift - anomaly - freshness - calibration), clamped to [0, 100];
// each part is the number of points deducted:
// - alerts (max 40): sum over open (unresolved) alerts of severity points (critical 20, warning 10,
//   advisory 4) x type factor. rule_violation and instrument_fault count fully; drift, anomaly,
//   data_gap and calibration_overdue count half, because their live state is scored by its own part
//   below and would otherwise be counted twice.
// - drift (max 20): 20 x min(1, r)^2 with r = max(S+, S-) / h. Quadratic so the small sums an
//   in-control CUSUM wanders through cost little, while a sum at h costs the full 20.
// - anomaly (max 15): 0 at or below the warning score (0.5), 15 at or above the critical score (0.7),
//   linear between; no score (no model yet) costs nothing.
// - freshness (max 15): 0 while the last reading is at most 2 publish intervals old (the data-gap
//   rule), rising linearly to 15 at 10 intervals; never having had a reading costs 15.
// - calibration (max 20): 0 when due in 7 days or more, up to 5 as the due date approaches, 10 when
//   overdue plus 1 per 3 days overdue (20 at 30 days); no calibration schedule costs nothing.
//   An instrument left out of tolerance (its latest calibration failed as-left) costs the full 20
//   and its score is capped at 45 (the poor band): its readings cannot be trusted, whatever else.
// The maxima add to 110 on purpose: an instrument failing on every front bottoms out at 0.

import type { Severity } from './types.ts';

export const HEALTH_WEIGHTS = {
  alertPoints: { critical: 20, warning: 10, advisory: 4 } as Record<Severity, number>,
  halfWeightAlertTypes: ['drift', 'anomaly', 'data_gap', 'calibration_overdue'] as readonly string[],
  alertsMax: 40,
  driftMax: 20,
  anomalyMax: 15,
  freshnessMax: 15,
  freshnessFreeIntervals: 2,
  freshnessFullIntervals: 10,
  calibrationSoonDays: 7,
  calibrationSoonMax: 5,
  calibrationOverdueBase: 10,
  calibrationOverdueDaysPerPoint: 3,
  calibrationMax: 20,
  outOfToleranceCap: 45,
} as const;

export interface HealthInput {
  /** Injected clock, epoch ms. */
  now: number;
  openAlerts: readonly { severity: Severity; alertType: string }[];
  cusum?: { sPlus: number; sMinus: number; h: number } | null;
  anomalyScore?: number | null;
  anomalyWarningThreshold?: number;
  anomalyCriticalThreshold?: number;
  lastReadingTs?: number | null;
  publishIntervalSeconds: number;
  /** Next calibration due date, epoch ms; null when the instrument has no calibration schedule. */
  calibrationDueAt?: number | null;
  /** The latest calibration in force failed as-left (issue 13). */
  outOfTolerance?: boolean;
}

export interface HealthScore {
  score: number;
  /** Points deducted per part (rounded to 0.1). */
  parts: { alerts: number; drift: number; anomaly: number; freshness: number; calibration: number };
}

const DAY_MS = 86_400_000;
const W = HEALTH_WEIGHTS;

export function healthScore(input: HealthInput): HealthScore {
  const parts = {
    alerts: alertsPart(input.openAlerts),
    drift: driftPart(input.cusum ?? null),
    anomaly: anomalyPart(input),
    freshness: freshnessPart(input),
    calibration: calibrationPart(input),
  };
  const deducted = parts.alerts + parts.drift + parts.anomaly + parts.freshness + parts.calibration;
  const cap = input.outOfTolerance ? W.outOfToleranceCap : 100;
  const score = Math.min(cap, Math.max(0, Math.round(100 - deducted)));
  return {
    score,
    parts: {
      alerts: round1(parts.alerts),
      drift: round1(parts.drift),
      anomaly: round1(parts.anomaly),
      freshness: round1(parts.freshness),
      calibration: round1(parts.calibration),
    },
  };
}

function alertsPart(alerts: HealthInput['openAlerts']): number {
  let total = 0;
  for (const a of alerts) {
    const factor = W.halfWeightAlertTypes.includes(a.alertType) ? 0.5 : 1;
    total += (W.alertPoints[a.severity] ?? 0) * factor;
  }
  return Math.min(W.alertsMax, total);
}

function driftPart(cusum: { sPlus: number; sMinus: number; h: number } | null): number {
  if (!cusum || !(cusum.h > 0)) return 0;
  const r = Math.min(1, Math.max(cusum.sPlus, cusum.sMinus, 0) / cusum.h);
  return W.driftMax * r * r;
}

function anomalyPart(input: HealthInput): number {
  const s = input.anomalyScore;
  if (s === null || s === undefined || !Number.isFinite(s)) return 0;
  const warning = input.anomalyWarningThreshold ?? 0.5;
  const critical = input.anomalyCriticalThreshold ?? 0.7;
  if (s <= warning) return 0;
  if (s >= critical || critical <= warning) return W.anomalyMax;
  return (W.anomalyMax * (s - warning)) / (critical - warning);
}

function freshnessPart(input: HealthInput): number {
  if (input.lastReadingTs === null || input.lastReadingTs === undefined) return W.freshnessMax;
  const interval = Math.max(input.publishIntervalSeconds, 1e-9) * 1000;
  const intervals = (input.now - input.lastReadingTs) / interval;
  if (intervals <= W.freshnessFreeIntervals) return 0;
  const frac = (intervals - W.freshnessFreeIntervals) / (W.freshnessFullIntervals - W.freshnessFreeIntervals);
  return W.freshnessMax * Math.min(1, frac);
}

function calibrationPart(input: HealthInput): number {
  if (input.outOfTolerance) return W.calibrationMax;
  if (input.calibrationDueAt === null || input.calibrationDueAt === undefined) return 0;
  const daysToDue = (input.calibrationDueAt - input.now) / DAY_MS;
  if (daysToDue >= W.calibrationSoonDays) return 0;
  if (daysToDue >= 0)
    return (W.calibrationSoonMax * (W.calibrationSoonDays - daysToDue)) / W.calibrationSoonDays;
  const overdueDays = -daysToDue;
  return Math.min(
    W.calibrationMax,
    W.calibrationOverdueBase + overdueDays / W.calibrationOverdueDaysPerPoint,
  );
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
