// The model of a model group (issue 11), trained from the members' baseline readings:
// - drift: PCA on aligned window means (drift_window_seconds, default 1 h) for the residual CUSUM
//   (detection/group-residuals.ts): each member's reading minus its expected value from the others;
// - anomaly: PCA on short sliding window means (anomaly_window_samples buckets of the slowest
//   member's publish interval) for the group's T² score (detection/group-anomaly.ts).
// Either part is left out, with a note saying why, when the baseline holds too few rows for it.
// Pure: the service fetches the aggregates, this turns them into a JSON-serialisable model.

import { slidingGroupRows } from '../detection/group-anomaly.ts';
import { type PcaModel, trainPcaModel } from '../detection/pca-model.ts';

export const GROUP_MODEL_VERSION = 1;
/** Fewest window rows for each part (and never fewer than members + 2). */
export const MIN_DRIFT_ROWS = 12;
export const MIN_ANOMALY_ROWS = 30;

export interface GroupModel {
  version: typeof GROUP_MODEL_VERSION;
  kind: 'group-pca';
  /** Bucket of the anomaly model's samples: the slowest member's publish interval. */
  samplePeriodSeconds: number;
  drift: { windowSeconds: number; rows: number; pca: PcaModel } | null;
  anomaly: { windowSamples: number; rows: number; pca: PcaModel } | null;
  notes: string[];
}

export interface GroupTrainingData {
  tags: readonly string[];
  samplePeriodSeconds: number;
  driftWindowSeconds: number;
  anomalyWindowSamples: number;
  /** Per member: window mean per drift window (bucket -> { n, avg }), baseline readings only. */
  driftWindows: readonly ReadonlyMap<number, { n: number; avg: number }>[];
  /** Fewest good readings a drift window of each member needs (half its expected count). */
  driftMinSamples: readonly number[];
  /** Per member: mean per sample bucket, baseline readings only. */
  samples: readonly ReadonlyMap<number, number>[];
}

export function trainGroupModel(d: GroupTrainingData): GroupModel {
  const m = d.tags.length;
  const notes: string[] = [];
  const driftRows: number[][] = [];
  const first = d.driftWindows[0];
  for (const b of [...(first?.keys() ?? [])].sort((x, y) => x - y)) {
    const row: number[] = [];
    for (let j = 0; j < m; j++) {
      const w = d.driftWindows[j].get(b);
      if (!w || w.n < d.driftMinSamples[j]) break;
      row.push(w.avg);
    }
    if (row.length === m) driftRows.push(row);
  }
  const needDrift = Math.max(MIN_DRIFT_ROWS, m + 2);
  let drift: GroupModel['drift'] = null;
  if (driftRows.length >= needDrift) {
    drift = { windowSeconds: d.driftWindowSeconds, rows: driftRows.length, pca: trainPcaModel(driftRows) };
  } else {
    notes.push(
      `drift model not trained: ${driftRows.length} complete ${d.driftWindowSeconds / 60}-minute windows in the common baseline, ${needDrift} needed`,
    );
  }
  const anomalyRows = slidingGroupRows(d.samples, d.anomalyWindowSamples);
  const needAnomaly = Math.max(MIN_ANOMALY_ROWS, m + 2);
  let anomaly: GroupModel['anomaly'] = null;
  if (anomalyRows.length >= needAnomaly) {
    anomaly = {
      windowSamples: d.anomalyWindowSamples,
      rows: anomalyRows.length,
      pca: trainPcaModel(anomalyRows),
    };
  } else {
    notes.push(
      `anomaly model not trained: ${anomalyRows.length} sliding windows in the common baseline, ${needAnomaly} needed`,
    );
  }
  return {
    version: GROUP_MODEL_VERSION,
    kind: 'group-pca',
    samplePeriodSeconds: d.samplePeriodSeconds,
    drift,
    anomaly,
    notes,
  };
}

/** Figures of a trained model for the API and the audit log. */
export function groupModelMetrics(model: GroupModel) {
  const part = (p: { rows: number; pca: PcaModel } | null) =>
    p && {
      rows: p.rows,
      components: p.pca.components,
      explained_variance: Math.round(p.pca.explainedVariance * 1000) / 1000,
    };
  return { drift: part(model.drift), anomaly: part(model.anomaly), notes: model.notes };
}

/** Intersection of several members' sorted [start, end) ranges: where every member has a baseline. */
export function commonRanges(
  perMember: readonly (readonly (readonly [number, number])[])[],
): [number, number][] {
  if (perMember.length === 0) return [];
  let acc: [number, number][] = perMember[0].map(([s, e]) => [s, e]);
  for (const ranges of perMember.slice(1)) {
    const next: [number, number][] = [];
    for (const [a0, a1] of acc) {
      for (const [b0, b1] of ranges) {
        const s = Math.max(a0, b0);
        const e = Math.min(a1, b1);
        if (s < e) next.push([s, e]);
      }
    }
    acc = next.sort((x, y) => x[0] - y[0]);
  }
  return acc;
}
