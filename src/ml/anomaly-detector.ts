// Live anomaly detection for one instrument: readings -> sliding feature windows -> Isolation Forest
// score -> anomaly episodes. Pure and clock-injected (event time from readings, `now` from tick), so
// the server's scorer, the benches and the tests run the same code.
//
// Windows: `windowSeconds` long, one verdict every `strideSeconds` (epoch-aligned boundaries), the
// same windows as training (windows.ts). A window is anomalous when its score exceeds the model's
// threshold (the (1 - contamination) quantile of the training scores); that is what the status shows.
//
// Raising (score-weighted persistence): each anomalous window adds evidence
//   stride / window x (1 + (score - threshold) / spread),   spread = threshold - median training score
// capped at `alertWindows`, and an alert needs `alertWindows` windows' worth of evidence from
// consecutive anomalous windows. A score just over the threshold therefore needs `alertWindows`
// non-overlapping windows of persistence (the old rule), a score far over it needs one stride.
// Clearing (hysteresis): the score must fall below the clear threshold (half way from the threshold
// down to the median training score) for one window length of consecutive verdicts; scores between
// the two thresholds keep an open episode open and start none.
// Level offsets: an episode whose most deviating feature has been a level feature (mean, min, max,
// deviation, range utilisation) for `levelLatchSeconds` is cleared and no level-driven episode
// starts again until a window is back to normal: a lasting offset is a new operating point or a
// drift, which the CUSUM and the limits judge with their own statistics; the alert must not latch.
// Severity follows the absolute score scale (ANOMALY_CRITICAL / WARNING thresholds, advisory below);
// a worse severity later in the episode raises again (the open alert escalates).
//
// Clock: `tick(now)` closes windows of an instrument that went quiet. It runs on the instrument's
// EVENT clock, the latest reading's timestamp plus the wall time since it arrived, so a historian
// export replayed faster than real time closes windows exactly as live data does (a wall-clock tick
// would cut every replayed window short).

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
  /** Seconds between verdicts (sliding windows); defaults to the window length (no overlap). */
  strideSeconds?: number;
  /** Windows' worth of evidence before an alert (ANOMALY_ALERT_WINDOWS). */
  alertWindows: number;
  warningThreshold: number;
  criticalThreshold: number;
  /** A level-driven episode ends after this many seconds (0 or absent: never). */
  levelLatchSeconds?: number;
  /**
   * Whether level-driven windows (top feature mean, min, max, deviation, range utilisation) count as
   * evidence (ANOMALY_LEVEL_ALERTS, default false): on wandering processes they gave ~3 false alerts
   * per instrument-day on bench:detect; a level is the CUSUM's and the limits' business.
   */
  levelAlerts?: boolean;
}

export interface AnomalySnapshot {
  model_version: number;
  model_threshold: number;
  /** Latest scored window; null before the first one closes. */
  score: number | null;
  window_end: string | null;
  anomalous: boolean;
  severity: Severity | null;
  /** Consecutive anomalous windows. */
  consecutive_anomalous: number;
  /** Score-weighted evidence of the current run, in windows' worth (an alert at alert_windows). */
  evidence: number;
  alert_windows: number;
  clear_threshold: number;
  stride_seconds: number;
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
  private readonly windowMs: number;
  private readonly strideMs: number;
  private readonly spread: number;
  private readonly clearThreshold: number;
  private points: { ts: number; value: number }[] = [];
  /** End of the next window to judge (a stride boundary); null before the first reading. */
  private next: number | null = null;
  private consecutive = 0;
  private evidence = 0;
  private normalRun = 0;
  private episodeSteps = 0;
  private episodeLevelSteps = 0;
  private levelBlocked = false;
  private active = false;
  private activeSeverity: Severity | null = null;
  private last: { assessment: AnomalyAssessment; end: number } | null = null;
  private scored = 0;
  private skipped = 0;
  private lastTs: number | null = null;
  private lastArrival = 0;

  constructor(
    readonly model: IsolationForestModel,
    readonly modelVersion: number,
    private cfg: AnomalyInstrumentConfig,
    private readonly policy: AnomalyPolicy,
    /** Median training score (model file score_p50); without it the spread defaults to 0.05. */
    scoreMedian?: number,
  ) {
    this.windowMs = policy.windowSeconds * 1000;
    this.strideMs = Math.min(this.windowMs, (policy.strideSeconds ?? policy.windowSeconds) * 1000);
    const median = scoreMedian ?? model.threshold - 0.05;
    this.spread = Math.max(0.01, model.threshold - median);
    this.clearThreshold = model.threshold - this.spread / 2;
  }

  setConfig(cfg: AnomalyInstrumentConfig): void {
    this.cfg = cfg;
  }

  /** An anomaly episode is open (raised, not yet cleared). */
  get episodeActive(): boolean {
    return this.active;
  }

  /** Marks an episode as open (an anomaly alert survived a restart), so normal windows clear it. */
  restoreEpisode(severity: Severity): void {
    this.active = true;
    this.activeSeverity = severity;
  }

  /**
   * One reading in event-time order; only good readings count. `arrivedAt` is the wall time it
   * reached the server (defaults to its own timestamp): it anchors the event clock of tick().
   */
  process(
    reading: { ts: number; value: number; quality?: Quality },
    arrivedAt = reading.ts,
  ): DetectorEvent[] {
    if ((reading.quality ?? 'good') !== 'good' || !Number.isFinite(reading.value)) return [];
    if (this.next !== null && reading.ts < this.next - this.strideMs) return []; // late: judged already
    if (this.lastTs === null || reading.ts >= this.lastTs) {
      this.lastTs = reading.ts;
      this.lastArrival = arrivedAt;
    }
    const events = this.closeUpTo(reading.ts);
    if (this.next === null) this.next = (Math.floor(reading.ts / this.strideMs) + 1) * this.strideMs;
    this.points.push({ ts: reading.ts, value: reading.value });
    return events;
  }

  /**
   * Judges the windows of an instrument that went quiet, on its event clock: the last reading's time
   * plus the wall time elapsed since it arrived, past each window's end by a grace for late readings.
   */
  tick(now: number): DetectorEvent[] {
    if (this.next === null || this.lastTs === null) return [];
    const eventNow = this.lastTs + Math.max(0, now - this.lastArrival);
    const grace = Math.max(5_000, 2_000 * this.cfg.publishIntervalSeconds);
    return this.closeUpTo(eventNow - grace + 1);
  }

  get lastScore(): number | null {
    return this.last?.assessment?.score ?? null;
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
      evidence: this.evidence,
      alert_windows: this.policy.alertWindows,
      clear_threshold: this.clearThreshold,
      stride_seconds: this.strideMs / 1000,
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

  /** Judges every window whose end is <= ts (all its readings are in). */
  private closeUpTo(ts: number): DetectorEvent[] {
    const events: DetectorEvent[] = [];
    while (this.next !== null && ts >= this.next) {
      events.push(...this.judge(this.next));
      this.next += this.strideMs;
      // Drop what no later window needs; after a silence, jump to the first boundary past it.
      const keepFrom = this.next - this.windowMs;
      let i = 0;
      while (i < this.points.length && this.points[i].ts < keepFrom) i++;
      if (i > 0) this.points = this.points.slice(i);
      if (this.points.length === 0) {
        this.next = null;
        break;
      }
    }
    return events;
  }

  private judge(end: number): DetectorEvent[] {
    const start = end - this.windowMs;
    const pts = this.points.filter((p) => p.ts >= start && p.ts < end);
    if (pts.length === 0) return [];
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
    const stepShare = this.strideMs / this.windowMs;
    const levelDriven = !PATTERN_FEATURES.has(a.topFeatures[0]?.feature);
    const normal = a.score < this.clearThreshold;
    // Level offsets: the share of the open episode's verdicts whose top feature is a level one.
    if (this.active) {
      this.episodeSteps++;
      if (levelDriven) this.episodeLevelSteps++;
    }
    this.normalRun = normal ? this.normalRun + 1 : 0;
    const calm = this.normalRun * this.strideMs >= this.windowMs;
    if (calm) this.levelBlocked = false;
    const latch = (this.policy.levelLatchSeconds ?? 0) * 1000;
    if (
      this.active &&
      latch > 0 &&
      this.episodeSteps * this.strideMs >= latch &&
      this.episodeLevelSteps * 2 > this.episodeSteps
    ) {
      // A lasting level offset: end the episode, and start no level-driven one until a window length
      // of normal verdicts; a drift or a new operating point is the CUSUM's and the limits' case.
      this.levelBlocked = true;
      this.evidence = 0;
      this.consecutive = 0;
      return [this.clear(a, end, 'level offset persists (left to the CUSUM and the limits)')];
    }
    if (!a.anomalous || a.severity === null) {
      this.consecutive = 0;
      this.evidence = 0;
      if (this.active && calm) {
        return [this.clear(a, end, 'pattern back to normal')];
      }
      return [];
    }
    this.consecutive++;
    if (levelDriven && (this.levelBlocked || !this.policy.levelAlerts)) {
      this.evidence = 0;
      return [];
    }
    const weight = stepShare * (1 + (a.score - a.modelThreshold) / this.spread);
    this.evidence += Math.min(this.policy.alertWindows, weight);
    const escalate =
      this.active && this.activeSeverity !== null && RANK[a.severity] > RANK[this.activeSeverity];
    if ((!this.active && this.evidence >= this.policy.alertWindows - 1e-9) || escalate) {
      this.active = true;
      this.activeSeverity = a.severity;
      return [this.raise(a, end)];
    }
    return [];
  }

  private clear(a: AnomalyAssessment, end: number, why: string): DetectorEvent {
    const severity = this.activeSeverity ?? 'advisory';
    this.active = false;
    this.episodeSteps = 0;
    this.episodeLevelSteps = 0;
    this.activeSeverity = null;
    return {
      kind: 'clear',
      alertType: 'anomaly',
      condition: ANOMALY_CONDITION,
      severity,
      message: `${tagLabel(this.cfg.tag)} ${why}: score ${formatNumber(a.score)} (threshold ${formatNumber(a.modelThreshold)}, clears below ${formatNumber(this.clearThreshold)})`,
      ts: end,
      details: {
        score: a.score,
        model_threshold: a.modelThreshold,
        clear_threshold: this.clearThreshold,
        model_version: this.modelVersion,
      },
    };
  }

  private raise(a: AnomalyAssessment, end: number): DetectorEvent {
    const drivers = a.topFeatures
      .map(
        (f) =>
          `${f.feature} ${formatNumber(f.value)} (${f.z >= 0 ? '+' : ''}${formatNumber(f.z)}σ from baseline)`,
      )
      .join(', ');
    const minutes = ((this.consecutive - 1) * this.strideMs + this.windowMs) / 60_000;
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
        evidence: this.evidence,
        window_seconds: this.policy.windowSeconds,
        stride_seconds: this.strideMs / 1000,
        top_features: a.topFeatures,
        feature_set_version: this.model.featureSetVersion,
      },
    };
  }
}
