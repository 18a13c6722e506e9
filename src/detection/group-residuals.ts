// Residual CUSUM for a modelled group of instruments (issue 11): each member's window mean minus its
// expected value from the OTHER members (pca-model.ts expectedFromOthers), in the model's leave-one-out
// residual sigma, feeds that member's own CusumDetector in residual mode. A process change moves all
// members together and stays on the model (residuals ~0); a drifting sensor breaks the correlation and
// only its residual ramps. A member whose residual CUSUM is latched (flagged) is excluded from the
// other members' expected values, so its drift does not leak into its twins' residuals.
// Pure and clock-injected like the other detectors; state is plain JSON.

import { CusumDetector, type CusumDetectorState } from './cusum.ts';
import { expectedFromOthers, looSigma, type PcaModel } from './pca-model.ts';
import type { DetectorEvent, MonitorConfig, Reading } from './types.ts';

/**
 * Window of the group model's means (1 h): long enough that a member's AR noise averages out, short
 * enough that a 1 %/day ramp is a few residual sigma within 12 h (bench/detect.ts measures it).
 */
export const DEFAULT_GROUP_WINDOW_SECONDS = 3600;

/** Aligned window means of several series: rows = windows every member covers with enough readings. */
export function alignedWindowMeans(
  series: readonly (readonly { ts: number; value: number }[])[],
  windowSeconds: number,
  minSamples: readonly number[],
): { rows: number[][]; ends: number[] } {
  const w = windowSeconds * 1000;
  const perMember = series.map((pts) => {
    const m = new Map<number, { n: number; s: number }>();
    for (const p of pts) {
      if (!Number.isFinite(p.value)) continue;
      const b = Math.floor(p.ts / w);
      const a = m.get(b) ?? { n: 0, s: 0 };
      a.n++;
      a.s += p.value;
      m.set(b, a);
    }
    return m;
  });
  const buckets = [...(perMember[0]?.keys() ?? [])].sort((a, b) => a - b);
  const rows: number[][] = [];
  const ends: number[] = [];
  for (const b of buckets) {
    const row: number[] = [];
    for (let j = 0; j < perMember.length; j++) {
      const a = perMember[j].get(b);
      if (!a || a.n < minSamples[j]) break;
      row.push(a.s / a.n);
    }
    if (row.length === perMember.length) {
      rows.push(row);
      ends.push((b + 1) * w);
    }
  }
  return { rows, ends };
}

type MemberConfig = Pick<
  MonitorConfig,
  'tag' | 'unit' | 'rangeMin' | 'rangeMax' | 'publishIntervalSeconds' | 'cusumK' | 'cusumH'
>;

export interface GroupResidualState {
  version: 1;
  windowSeconds: number;
  /** Per member: the open window and closed window means waiting for the other members. */
  open: { bucket: number | null; count: number; sum: number }[];
  pending: Record<string, (number | null)[]>;
  cusum: CusumDetectorState[];
}

export class GroupResidualMonitor {
  private s: GroupResidualState;
  private detectors: CusumDetector[];

  /** `model` columns are the members in `cfgs` order; `windowSeconds` the model's window length. */
  constructor(
    private readonly model: PcaModel,
    private cfgs: MemberConfig[],
    windowSeconds: number,
    state?: GroupResidualState,
  ) {
    if (cfgs.length !== model.variables) throw new RangeError('one config per model variable');
    if (
      state &&
      state.version === 1 &&
      state.windowSeconds === windowSeconds &&
      state.cusum.length === cfgs.length
    ) {
      this.s = structuredClone(state);
      this.detectors = state.cusum.map((c) => CusumDetector.fromJSON(c));
    } else {
      this.detectors = cfgs.map(() => new CusumDetector({ windowSeconds, provisionalMinutes: 0 }));
      this.s = {
        version: 1,
        windowSeconds,
        open: cfgs.map(() => ({ bucket: null, count: 0, sum: 0 })),
        pending: {},
        cusum: [],
      };
    }
  }

  setConfigs(cfgs: MemberConfig[]): void {
    if (cfgs.length === this.cfgs.length) this.cfgs = cfgs;
  }

  /** One good reading of member `index`. Returns the drift events of the windows it completed. */
  update(index: number, reading: Reading): DetectorEvent[][] {
    const out: DetectorEvent[][] = this.cfgs.map(() => []);
    if ((reading.quality ?? 'good') !== 'good' || !Number.isFinite(reading.value)) return out;
    const w = this.s.open[index];
    const bucket = Math.floor(reading.ts / (this.s.windowSeconds * 1000));
    if (w.bucket !== null && bucket < w.bucket) return out;
    if (w.bucket !== null && bucket > w.bucket) {
      this.closeMember(index);
      this.scoreReady(out);
    }
    if (w.bucket === null || bucket !== w.bucket) Object.assign(w, { bucket, count: 0, sum: 0 });
    w.count++;
    w.sum += reading.value;
    return out;
  }

  /** Residual CUSUM snapshot of a member (for the status API). */
  snapshot(index: number) {
    return this.detectors[index].snapshot();
  }

  latched(index: number): boolean {
    const s = this.detectors[index].snapshot();
    return s.alarm_up || s.alarm_down;
  }

  /** New run for one member (after its calibration): clears its latched drift. */
  reset(index: number, ts: number): DetectorEvent[] {
    return this.detectors[index].reset({ ts, tag: this.cfgs[index].tag });
  }

  toJSON(): GroupResidualState {
    return { ...structuredClone(this.s), cusum: this.detectors.map((d) => d.toJSON()) };
  }

  private closeMember(index: number): void {
    const w = this.s.open[index];
    if (w.bucket === null) return;
    const cfg = this.cfgs[index];
    const minSamples = Math.max(
      1,
      Math.floor((0.5 * this.s.windowSeconds) / Math.max(cfg.publishIntervalSeconds, 1e-9)),
    );
    const key = String(w.bucket);
    const row = this.s.pending[key] ?? this.cfgs.map(() => null);
    row[index] = w.count >= minSamples ? w.sum / w.count : Number.NaN;
    this.s.pending[key] = row;
  }

  /** Scores every pending window all members have closed; drops windows older than one scored. */
  private scoreReady(out: DetectorEvent[][]): void {
    const keys = Object.keys(this.s.pending)
      .map(Number)
      .sort((a, b) => a - b);
    for (const b of keys) {
      const row = this.s.pending[String(b)];
      if (row.some((v) => v === null)) continue;
      for (const k of keys) if (k < b) delete this.s.pending[String(k)];
      delete this.s.pending[String(b)];
      const values = row as number[];
      const end = (b + 1) * this.s.windowSeconds * 1000;
      const bad = values.map((v) => !Number.isFinite(v));
      // Largest standardised residual first: a drifting sensor pulls its twins' expected values, so
      // in the window it crosses h a twin may cross too. Judged first, it latches, is excluded, and
      // the twins are re-judged without it (and wait, with fewer than two references left).
      const first = expectedFromOthers(
        this.model,
        values,
        bad.map((x, k) => x || this.latched(k)),
      );
      const order = values
        .map((v, j) => ({ j, z: Math.abs((v - first[j]) / looSigma(this.model, j)) }))
        .filter((o) => !bad[o.j])
        .sort((x, y) => y.z - x.z)
        .map((o) => o.j);
      for (const j of order) {
        const exclude = values.map((_, k) => bad[k] || this.latched(k));
        // Isolation needs two references: with one, a discrepancy shows in both members alike (which
        // of the two moved is unknowable), so a member with fewer than two usable others waits (until
        // the flagged member's calibration resets it). Groups of two cannot isolate at all: both run.
        const others = exclude.filter((x, k) => k !== j && !x).length;
        if (values.length >= 3 && others < 2) continue;
        const expected = expectedFromOthers(this.model, values, exclude);
        const residual = values[j] - expected[j];
        const sigma = looSigma(this.model, j, exclude, true);
        const events = this.detectors[j].updateResidual(this.cfgs[j], end, residual, sigma);
        out[j].push(...events);
        if (values.length >= 3 && events.some((e) => e.kind === 'raise')) {
          // The sums the twins gathered so far partly echo this member's drift: they start afresh.
          for (let k = 0; k < values.length; k++) {
            if (k !== j && !this.latched(k)) this.detectors[k].reset({ ts: end, tag: this.cfgs[k].tag });
          }
        }
      }
    }
  }
}
