// Group anomaly score (issue 11): Hotelling T² of a modelled group's short sliding window means.
// Members publish on their own; readings are put in buckets of the group's sample period (the
// slowest member's publish interval) and a bucket is scored once every member has one. The score
// is T² of the mean of the last `windowSamples` complete buckets, in units of the training limit
// times `limitFactor`: > 1 is out of the model's normal region.
//
// Why T² and not SPE for alerts: on real rig data (SKAB, 400 s baselines) SPE's training limit is
// too tight for the correlations a short baseline sees, and alarms on 20-35 % of normal rows; T²
// catches the process moving away from its trained operating region (a valve closing shifts flow,
// pressure and current together) with a false alarm rate under 10 %. SPE and the per-member
// contributions to T² are reported in the alert's details so the engineer sees which sensors moved.
//
// Alerting: score-weighted persistence (each out-of-limit window adds min(score, 3), raise at
// `persistence`: a score of 3x the limit raises at once, a marginal one needs `persistence`
// windows in a row), cleared with hysteresis (score below `clearRatio` for `persistence` windows).
// A gap of more than one sample period restarts the sliding window rather than mixing old data.
// Pure and clock-free like the other detectors; state is plain JSON.

import { type PcaModel, scorePca } from './pca-model.ts';
import type { DetectorEvent, Reading } from './types.ts';

export const GROUP_ANOMALY_CONDITION = 'group_anomaly';

export interface GroupAnomalyOptions {
  /** Multiple of the training T² quantile that counts as out of limit (default 3 here; the product's GROUP_ANOMALY_LIMIT_FACTOR is 4). */
  limitFactor?: number;
  /** Weighted windows to raise, and consecutive in-limit windows to clear (default 3). */
  persistence?: number;
  /** Score below which a window counts towards clearing (default 0.8). */
  clearRatio?: number;
}

export interface GroupAnomalyState {
  version: 1;
  /** bucket -> per member [sum, count] (null: nothing yet). */
  pending: Record<string, ([number, number] | null)[]>;
  ring: number[][];
  lastBucket: number | null;
  excess: number;
  clearRun: number;
  active: boolean;
  peak: number;
  lastScore: number | null;
  lastScoredAt: number | null;
}

export interface GroupAnomalyScore {
  ts: number;
  score: number;
  t2: number;
  spe: number;
  /** Share of T² per member (sums to 1 over positive contributions). */
  contributions: number[];
}

/**
 * Buckets kept waiting for the other members: a gateway that sends each tag's readings in blocks
 * (50 a message, one tag after the other) leaves the first tag's buckets open until the last tag's
 * block arrives. Older incomplete buckets are dropped.
 */
const MAX_PENDING = 512;

export class GroupAnomalyMonitor {
  private s: GroupAnomalyState;
  private readonly limitFactor: number;
  private readonly persistence: number;
  private readonly clearRatio: number;

  constructor(
    private readonly model: PcaModel,
    private readonly labels: { group: string; members: string[] },
    private readonly windowSamples: number,
    private readonly samplePeriodMs: number,
    opts: GroupAnomalyOptions = {},
    state?: GroupAnomalyState,
  ) {
    if (labels.members.length !== model.variables) throw new RangeError('one label per model variable');
    this.limitFactor = opts.limitFactor ?? 3;
    this.persistence = opts.persistence ?? 3;
    this.clearRatio = opts.clearRatio ?? 0.8;
    this.s =
      state?.version === 1
        ? structuredClone(state)
        : {
            version: 1,
            pending: {},
            ring: [],
            lastBucket: null,
            excess: 0,
            clearRun: 0,
            active: false,
            peak: 0,
            lastScore: null,
            lastScoredAt: null,
          };
  }

  get active(): boolean {
    return this.s.active;
  }

  get lastScore(): { score: number; at: number } | null {
    return this.s.lastScore === null || this.s.lastScoredAt === null
      ? null
      : { score: this.s.lastScore, at: this.s.lastScoredAt };
  }

  /** One reading of member `index`; returns the raise / clear of the group condition it caused. */
  update(index: number, reading: Reading): DetectorEvent[] {
    if ((reading.quality ?? 'good') !== 'good' || !Number.isFinite(reading.value)) return [];
    const bucket = Math.floor(reading.ts / this.samplePeriodMs);
    if (this.s.lastBucket !== null && bucket <= this.s.lastBucket) return [];
    const key = String(bucket);
    const row = this.s.pending[key] ?? this.model.mean.map(() => null);
    const cell = row[index] ?? [0, 0];
    cell[0] += reading.value;
    cell[1] += 1;
    row[index] = cell;
    this.s.pending[key] = row;
    const events: DetectorEvent[] = [];
    const keys = Object.keys(this.s.pending)
      .map(Number)
      .sort((a, b) => a - b);
    for (const b of keys) {
      const r = this.s.pending[String(b)];
      if (r.some((c) => c === null)) continue;
      // Older incomplete buckets will never complete in order: a member missed them.
      for (const k of keys) if (k <= b) delete this.s.pending[String(k)];
      events.push(
        ...this.score(
          b,
          r.map((c) => (c as [number, number])[0] / (c as [number, number])[1]),
        ),
      );
    }
    const left = Object.keys(this.s.pending);
    if (left.length > MAX_PENDING) {
      for (const k of left
        .map(Number)
        .sort((a, b) => a - b)
        .slice(0, left.length - MAX_PENDING))
        delete this.s.pending[String(k)];
    }
    return events;
  }

  /** T² score of a window mean (exported for the status API and tests). */
  scoreWindow(x: number[], ts: number): GroupAnomalyScore {
    const sc = scorePca(this.model, x);
    const { mean, std, loadings, eigenvalues, components: a } = this.model;
    const z = x.map((v, j) => (v - mean[j]) / std[j]);
    const t = eigenvalues.map((_, i) => loadings.reduce((s, row, j) => s + row[i] * z[j], 0));
    // Contribution of variable j to T²: z_j * sum_i p_ji t_i / lambda_i (they sum to T²).
    const raw = z.map((zj, j) => {
      let c = 0;
      for (let i = 0; i < a; i++) c += (loadings[j][i] * t[i]) / eigenvalues[i];
      return Math.max(0, zj * c);
    });
    const total = raw.reduce((s, v) => s + v, 0) || 1;
    const limit = Math.max(this.model.t2Limit, Number.MIN_VALUE) * this.limitFactor;
    return { ts, score: sc.t2 / limit, t2: sc.t2, spe: sc.spe, contributions: raw.map((v) => v / total) };
  }

  toJSON(): GroupAnomalyState {
    return structuredClone(this.s);
  }

  private score(bucket: number, row: number[]): DetectorEvent[] {
    const s = this.s;
    if (s.lastBucket !== null && bucket - s.lastBucket > 1) s.ring = [];
    s.lastBucket = bucket;
    s.ring.push(row);
    if (s.ring.length > this.windowSamples) s.ring.shift();
    if (s.ring.length < this.windowSamples) return [];
    const m = row.length;
    const mean = new Array<number>(m).fill(0);
    for (const r of s.ring) for (let j = 0; j < m; j++) mean[j] += r[j] / s.ring.length;
    const ts = (bucket + 1) * this.samplePeriodMs;
    const sc = this.scoreWindow(mean, ts);
    s.lastScore = sc.score;
    s.lastScoredAt = ts;
    if (!s.active) {
      s.excess = sc.score > 1 ? s.excess + Math.min(sc.score, 3) : 0;
      if (s.excess < this.persistence) return [];
      s.active = true;
      s.excess = 0;
      s.clearRun = 0;
      s.peak = sc.score;
      return [this.event('raise', sc)];
    }
    s.peak = Math.max(s.peak, sc.score);
    s.clearRun = sc.score < this.clearRatio ? s.clearRun + 1 : 0;
    if (s.clearRun < this.persistence) return [];
    s.active = false;
    s.clearRun = 0;
    return [this.event('clear', sc)];
  }

  private event(kind: 'raise' | 'clear', sc: GroupAnomalyScore): DetectorEvent {
    const top = sc.contributions
      .map((c, j) => ({ tag: this.labels.members[j], share: c }))
      .sort((a, b) => b.share - a.share)
      .slice(0, 3)
      .filter((c) => c.share > 0.05);
    const moved = top.map((c) => `${c.tag} ${Math.round(c.share * 100)} %`).join(', ');
    const message =
      kind === 'raise'
        ? `${this.labels.group}: the group left its trained operating region (T² ${sc.score.toFixed(1)}x limit${moved ? `; moved most: ${moved}` : ''})`
        : `${this.labels.group}: back inside its trained operating region (peak ${this.s.peak.toFixed(1)}x limit)`;
    return {
      kind,
      alertType: 'anomaly',
      condition: GROUP_ANOMALY_CONDITION,
      severity: sc.score >= 3 ? 'warning' : 'advisory',
      message,
      ts: sc.ts,
      details: {
        score: round(sc.score),
        t2: round(sc.t2),
        t2_limit: round(this.model.t2Limit * this.limitFactor),
        spe: round(sc.spe),
        spe_limit: round(this.model.speLimit),
        contributions: Object.fromEntries(sc.contributions.map((c, j) => [this.labels.members[j], round(c)])),
      },
    };
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * Training rows of the anomaly model: per member, the mean of each bucket of the sample period
 * (`bucket -> mean`); rows are the sliding means of `windowSamples` consecutive buckets every member
 * has (stride one bucket), as GroupAnomalyMonitor scores them live.
 */
export function slidingGroupRows(
  perMember: readonly ReadonlyMap<number, number>[],
  windowSamples: number,
): number[][] {
  const buckets = [...(perMember[0]?.keys() ?? [])]
    .filter((b) => perMember.every((m) => m.has(b)))
    .sort((a, b) => a - b);
  const out: number[][] = [];
  let ring: number[][] = [];
  let last: number | null = null;
  for (const b of buckets) {
    if (last !== null && b - last > 1) ring = [];
    last = b;
    ring.push(perMember.map((m) => m.get(b) as number));
    if (ring.length > windowSamples) ring.shift();
    if (ring.length < windowSamples) continue;
    out.push(ring[0].map((_, j) => ring.reduce((s, r) => s + r[j], 0) / ring.length));
  }
  return out;
}
