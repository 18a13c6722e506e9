// Live anomaly detection for one instrument: readings -> feature windows -> Isolation Forest score ->
// anomaly episodes. Pure and clock-injected (event time from readings, `now` from tick), so the
// server's scorer and the detection bench run the same code.
//
// A window is anomalous when its score exceeds the model's threshold (the (1 - contamination)
// quantile of the training scores); that is what the status shows. By construction a share
// `contamination` of clean windows crosses it, in long runs, because five of the ten features
// (mean, min, max, deviation_from_nominal, range_utilisation) follow the process level, which
// wanders for hours: on the detection bench's clean instruments, alerting on 3 consecutive anomalous
// windows gave ~7 false alerts per instrument-day. So an ALERT needs a PATTERN anomaly: the window is
// anomalous and the feature furthest from the baseline (in z-score) is a shape feature (std,
// rate_of_change, trend_slope, autocorrelation_lag1, coeff_of_variation), for `alertWindows`
// consecutive windows (ANOMALY_ALERT_WINDOWS). A level excursion is the business of the rule
// engine (limits) and the CUSUM (drift, bias), which judge it with their own statistics.
// Severity follows the absolute score scale (ANOMALY_CRITICAL / WARNING thresholds, advisory below);
// a worse severity later in the episode raises again (the open alert escalates); the first window
// that is not anomalous at all clears it.

import { type AnomalyAssessment, assessAnomaly } from '../detection/anomaly.ts';
import { extractFeatures } from '../detection/features.ts';
import { formatNumber, tagLabel } from '../detection/format.ts';
import type { IsolationForestModel } from '../detection/isolation-forest.ts';
import type { DetectorEvent, Quality, Severity } from '../detection/types.ts';
import { type FeatureScale, minPointsPerWindow } from './windows.ts';

export interface AnomalyInstrumentConfig extends FeatureScale {
  tag?: string;
  publishIntervalSeconds: number;
}

export interface AnomalyPolicy {
  windowSeconds: number;
  /** Consecutive anomalous windows before an alert. */
  alertWindows: number;
  warningThreshold: number;
  criticalThreshold: number;
}

export interface AnomalySnapshot {
  model_version: number;
  model_threshold: number;
  /** Latest scored window; null before the first one closes. */
  score: number | null;
  window_end: string | null;
  anomalous: boolean;
  severity: Severity | null;
  /** Consecutive pattern-anomalous windows (what the alert counts). */
  consecutive_anomalous: number;
  alert_windows: number;
  episode_active: boolean;
  top_features: { feature: string; value: number; mean: number; z: number }[];
  windows_scored: number;
  windows_skipped: number;
}

const RANK: Record<Severity, number> = { advisory: 0, warning: 1, critical: 2 };
export const ANOMALY_CONDITION = 'isolation_forest';

/** Features that describe the shape of a window rather than the process level. */
export const PATTERN_FEATURES: ReadonlySet<string> = new Set([
  'std',
  'rate_of_change',
  'trend_slope',
  'autocorrelation_lag1',
  'coeff_of_variation',
]);

export class InstrumentAnomalyDetector {
  private bucket: number | null = null;
  private points: { ts: number; value: number }[] = [];
  private consecutive = 0;
  private active = false;
  private activeSeverity: Severity | null = null;
  private last: { assessment: AnomalyAssessment; end: number } | null = null;
  private scored = 0;
  private skipped = 0;

  constructor(
    readonly model: IsolationForestModel,
    readonly modelVersion: number,
    private cfg: AnomalyInstrumentConfig,
    private readonly policy: AnomalyPolicy,
  ) {}

  setConfig(cfg: AnomalyInstrumentConfig): void {
    this.cfg = cfg;
  }

  /** Marks an episode as open (an anomaly alert survived a restart), so the next normal window clears it. */
  restoreEpisode(severity: Severity): void {
    this.active = true;
    this.activeSeverity = severity;
  }

  /** One reading in event-time order; only good readings count. */
  process(reading: { ts: number; value: number; quality?: Quality }): DetectorEvent[] {
    if ((reading.quality ?? 'good') !== 'good' || !Number.isFinite(reading.value)) return [];
    const bucket = Math.floor(reading.ts / (this.policy.windowSeconds * 1000));
    if (this.bucket !== null && bucket < this.bucket) return []; // late: its window is closed
    let events: DetectorEvent[] = [];
    if (this.bucket !== null && bucket > this.bucket) events = this.closeWindow();
    this.bucket = bucket;
    this.points.push({ ts: reading.ts, value: reading.value });
    return events;
  }

  /** Closes the open window once `now` is past its end plus a grace for late readings. */
  tick(now: number): DetectorEvent[] {
    if (this.bucket === null) return [];
    const end = (this.bucket + 1) * this.policy.windowSeconds * 1000;
    const grace = Math.max(5_000, 2_000 * this.cfg.publishIntervalSeconds);
    return now >= end + grace ? this.closeWindow() : [];
  }

  snapshot(): AnomalySnapshot {
    const a = this.last?.assessment ?? null;
    return {
      model_version: this.modelVersion,
      model_threshold: this.model.threshold,
      score: a?.score ?? null,
      window_end: this.last ? new Date(this.last.end).toISOString() : null,
      anomalous: a?.anomalous ?? false,
      severity: a?.severity ?? null,
      consecutive_anomalous: this.consecutive,
      alert_windows: this.policy.alertWindows,
      episode_active: this.active,
      top_features: (a?.topFeatures ?? []).map((f) => ({
        feature: f.feature,
        value: f.value,
        mean: f.mean,
        z: f.z,
      })),
      windows_scored: this.scored,
      windows_skipped: this.skipped,
    };
  }

  private closeWindow(): DetectorEvent[] {
    const bucket = this.bucket;
    const pts = this.points;
    this.bucket = null;
    this.points = [];
    if (bucket === null) return [];
    const end = (bucket + 1) * this.policy.windowSeconds * 1000;
    if (pts.length < minPointsPerWindow(this.policy.windowSeconds, this.cfg.publishIntervalSeconds)) {
      this.skipped++;
      return [];
    }
    const features = extractFeatures(pts, this.cfg);
    const assessment = assessAnomaly(this.model, features, {
      tag: this.cfg.tag,
      warningThreshold: this.policy.warningThreshold,
      criticalThreshold: this.policy.criticalThreshold,
    });
    this.scored++;
    this.last = { assessment, end };
    return this.episode(assessment, end);
  }

  private episode(a: AnomalyAssessment, end: number): DetectorEvent[] {
    const pattern = a.anomalous && a.severity !== null && PATTERN_FEATURES.has(a.topFeatures[0]?.feature);
    if (!pattern) this.consecutive = 0;
    if (!a.anomalous || a.severity === null) {
      if (!this.active) return [];
      const severity = this.activeSeverity ?? 'advisory';
      this.active = false;
      this.activeSeverity = null;
      return [
        {
          kind: 'clear',
          alertType: 'anomaly',
          condition: ANOMALY_CONDITION,
          severity,
          message: `${tagLabel(this.cfg.tag)} pattern back to normal: score ${formatNumber(a.score)} <= threshold ${formatNumber(a.modelThreshold)}`,
          ts: end,
          details: { score: a.score, model_threshold: a.modelThreshold, model_version: this.modelVersion },
        },
      ];
    }
    if (!pattern) return [];
    this.consecutive++;
    const escalate =
      this.active && this.activeSeverity !== null && RANK[a.severity] > RANK[this.activeSeverity];
    if ((!this.active && this.consecutive >= this.policy.alertWindows) || escalate) {
      this.active = true;
      this.activeSeverity = a.severity;
      return [this.raise(a, end)];
    }
    return [];
  }

  private raise(a: AnomalyAssessment, end: number): DetectorEvent {
    const drivers = a.topFeatures
      .map(
        (f) =>
          `${f.feature} ${formatNumber(f.value)} (${f.z >= 0 ? '+' : ''}${formatNumber(f.z)}σ from baseline)`,
      )
      .join(', ');
    const minutes = (this.consecutive * this.policy.windowSeconds) / 60;
    return {
      kind: 'raise',
      alertType: 'anomaly',
      condition: ANOMALY_CONDITION,
      severity: a.severity ?? 'advisory',
      message:
        `${tagLabel(this.cfg.tag)} unusual pattern for ${formatNumber(minutes)} min ` +
        `(score ${formatNumber(a.score)} > model threshold ${formatNumber(a.modelThreshold)}); ` +
        `most deviating: ${drivers}`,
      ts: end,
      details: {
        score: a.score,
        model_threshold: a.modelThreshold,
        model_version: this.modelVersion,
        consecutive_windows: this.consecutive,
        window_seconds: this.policy.windowSeconds,
        top_features: a.topFeatures,
        feature_set_version: this.model.featureSetVersion,
      },
    };
  }
}
