// From an Isolation Forest score to an alert.
//
// Anomalous means s > model.threshold (the model's contamination quantile, learned from the reference
// baseline). Severity then follows the spec's absolute score thresholds: critical at
// s >= ANOMALY_CRITICAL_THRESHOLD (0.7), warning at s >= ANOMALY_WARNING_THRESHOLD (0.5), else advisory
// (anomalous for this instrument but not by the absolute scale). A score above the severity thresholds
// but below the model's threshold is normal for that instrument and raises nothing.

import { formatNumber, tagLabel } from './format.ts';
import {
  explain,
  type FeatureDeviation,
  type IsolationForestModel,
  scoreSample,
} from './isolation-forest.ts';
import type { DetectorEvent, Severity } from './types.ts';

export const DEFAULT_ANOMALY_WARNING_THRESHOLD = 0.5;
export const DEFAULT_ANOMALY_CRITICAL_THRESHOLD = 0.7;

export interface AnomalyThresholds {
  warningThreshold?: number;
  criticalThreshold?: number;
}

export interface AnomalyAssessment {
  score: number;
  anomalous: boolean;
  /** null when not anomalous. */
  severity: Severity | null;
  modelThreshold: number;
  topFeatures: FeatureDeviation[];
  message: string;
}

export function scoreSeverity(
  score: number,
  modelThreshold: number,
  thresholds: AnomalyThresholds = {},
): { anomalous: boolean; severity: Severity | null } {
  const warning = thresholds.warningThreshold ?? DEFAULT_ANOMALY_WARNING_THRESHOLD;
  const critical = thresholds.criticalThreshold ?? DEFAULT_ANOMALY_CRITICAL_THRESHOLD;
  if (!(score > modelThreshold)) return { anomalous: false, severity: null };
  const severity: Severity = score >= critical ? 'critical' : score >= warning ? 'warning' : 'advisory';
  return { anomalous: true, severity };
}

export function assessAnomaly(
  model: IsolationForestModel,
  features: readonly number[],
  options: AnomalyThresholds & { tag?: string } = {},
): AnomalyAssessment {
  const score = scoreSample(model, features);
  const { anomalous, severity } = scoreSeverity(score, model.threshold, options);
  const topFeatures = explain(model, features, 3);
  const drivers = topFeatures
    .map((f) => `${f.feature} ${f.z >= 0 ? '+' : ''}${formatNumber(f.z)}σ`)
    .join(', ');
  const head = anomalous ? `anomalous pattern (${severity})` : 'normal pattern';
  const message =
    `${tagLabel(options.tag)} ${head}: score ${formatNumber(score)} vs model threshold ` +
    `${formatNumber(model.threshold)}; most unusual: ${drivers}`;
  return { score, anomalous, severity, modelThreshold: model.threshold, topFeatures, message };
}

/** Open anomaly episode of one instrument. Plain JSON. */
export interface AnomalyState {
  active: boolean;
  severity: Severity | null;
}

export function initialAnomalyState(): AnomalyState {
  return { active: false, severity: null };
}

const RANK: Record<Severity, number> = { advisory: 0, warning: 1, critical: 2 };

/**
 * One raise per anomalous episode (consecutive anomalous windows), a clear at the first normal window.
 * A worse severity within the episode is raised again so the open alert is escalated (the aggregator
 * updates the open alert for a repeat of the same condition); a milder one is not.
 */
export function evaluateAnomaly(
  state: AnomalyState,
  model: IsolationForestModel,
  features: readonly number[],
  windowEndTs: number,
  options: AnomalyThresholds & { tag?: string } = {},
): { state: AnomalyState; events: DetectorEvent[]; assessment: AnomalyAssessment } {
  const assessment = assessAnomaly(model, features, options);
  const details = {
    score: assessment.score,
    model_threshold: model.threshold,
    top_features: assessment.topFeatures,
    feature_set_version: model.featureSetVersion,
  };
  if (assessment.anomalous && assessment.severity) {
    const escalate =
      state.active && state.severity !== null && RANK[assessment.severity] > RANK[state.severity];
    if (!state.active || escalate) {
      return {
        state: { active: true, severity: assessment.severity },
        events: [
          {
            kind: 'raise',
            alertType: 'anomaly',
            condition: 'isolation_forest',
            severity: assessment.severity,
            message: assessment.message,
            ts: windowEndTs,
            details,
          },
        ],
        assessment,
      };
    }
    return { state, events: [], assessment };
  }
  if (state.active) {
    return {
      state: initialAnomalyState(),
      events: [
        {
          kind: 'clear',
          alertType: 'anomaly',
          condition: 'isolation_forest',
          severity: state.severity ?? 'advisory',
          message: assessment.message,
          ts: windowEndTs,
          details,
        },
      ],
      assessment,
    };
  }
  return { state, events: [], assessment };
}
