// Applies injected faults on top of an instrument's clean signal. Faults are evaluated at the
// reading's event time, like the signal itself, so a backfill can contain a fault that "started"
// on day 3 and the live simulator can apply one injected a second ago with the same code.
import type { FaultKind, FaultSpec } from './fault-spec.ts';
import { operatingPoint, quantise, type SimInstrument, spanOf } from './signals.ts';

const DAY_MS = 86_400_000;

/** Default burn-out currents (NAMUR NE43 failure signalling: ≤ 3.6 mA low, ≥ 21 mA high). */
export const BURNOUT_LOW_MA = 3.5;
export const BURNOUT_HIGH_MA = 22;

const DEFAULT_SPIKE_PCT = 30;
const DEFAULT_OSCILLATION_PCT = 5;

export interface ActiveFault {
  readonly spec: FaultSpec;
  /** Event time the fault begins (epoch ms). */
  readonly startedAt: number;
  /** Event time it clears itself, or null until cleared by hand. */
  readonly endsAt: number | null;
}

interface FaultState extends ActiveFault {
  frozenValue?: number;
  nextSpikeAt?: number;
  spent?: boolean;
}

/** Engineering value for a loop current: 4 mA is rangeMin, 20 mA is rangeMax. */
export function valueAtMilliamps(instrument: SimInstrument, mA: number): number {
  return instrument.rangeMin + ((mA - 4) / 16) * spanOf(instrument);
}

/** Loop current for an engineering value (inverse of valueAtMilliamps). */
export function milliampsAt(instrument: SimInstrument, value: number): number {
  return 4 + (16 * (value - instrument.rangeMin)) / spanOf(instrument);
}

/** The faults of one instrument, and how they change its readings. */
export class InstrumentFaults {
  private faults: FaultState[] = [];
  /** Last value this instrument showed: what a stuck fault freezes at. */
  private lastOutput: number | undefined;

  constructor(readonly instrument: SimInstrument) {}

  /**
   * Adds a fault starting at event time `startedAt`. A new fault replaces an active one of the same
   * kind, so injecting "drift 5 %/day" twice changes the rate instead of stacking two drifts.
   */
  add(spec: FaultSpec, startedAt: number): ActiveFault {
    this.faults = this.faults.filter((f) => f.spec.kind !== spec.kind);
    const endsAt = spec.durationSeconds === undefined ? null : startedAt + spec.durationSeconds * 1000;
    const state: FaultState = { spec, startedAt, endsAt };
    this.faults.push(state);
    this.faults.sort((a, b) => a.startedAt - b.startedAt);
    return { spec, startedAt, endsAt };
  }

  /** Removes all faults, or only those of one kind; returns how many were removed. */
  clear(kind?: FaultKind): number {
    const before = this.faults.length;
    this.faults = kind === undefined ? [] : this.faults.filter((f) => f.spec.kind !== kind);
    return before - this.faults.length;
  }

  /** Faults not yet expired at event time `now` (including ones scheduled to start later). */
  list(now: number): ActiveFault[] {
    this.prune(now);
    return this.faults.map(({ spec, startedAt, endsAt }) => ({ spec, startedAt, endsAt }));
  }

  /** The reading shown at event time ts for a clean process value; null means no reading (dropout). */
  apply(clean: number, ts: number): number | null {
    if (this.faults.length === 0) {
      // The common case on the hot path: no allocation, no work.
      this.lastOutput = clean;
      return clean;
    }
    this.prune(ts);
    const active = this.faults.filter((f) => f.startedAt <= ts);
    if (active.length === 0) {
      this.lastOutput = clean;
      return clean;
    }
    if (active.some((f) => f.spec.kind === 'dropout')) return null;

    const span = spanOf(this.instrument);
    let value = clean;
    let stuck: FaultState | undefined;
    let burnout: FaultState | undefined;
    for (const f of active) {
      const s = f.spec;
      switch (s.kind) {
        case 'drift': {
          const perDay = s.ratePerDay ?? ((s.ratePctPerDay ?? 0) / 100) * span;
          value += (perDay * (ts - f.startedAt)) / DAY_MS;
          break;
        }
        case 'bias':
          value += s.offset ?? ((s.offsetPct ?? 0) / 100) * span;
          break;
        case 'oscillation': {
          const amplitude = s.amplitude ?? ((s.amplitudePct ?? DEFAULT_OSCILLATION_PCT) / 100) * span;
          value += amplitude * Math.sin((2 * Math.PI * (ts - f.startedAt)) / (s.periodSeconds * 1000));
          break;
        }
        case 'spike':
          value += this.spikeAt(f, s, ts);
          break;
        case 'stuck':
          stuck = f;
          break;
        case 'out_of_range':
          burnout = f;
          break;
      }
    }
    if (stuck && stuck.spec.kind === 'stuck') {
      // Freeze at what the instrument showed just before, so the trace goes flat where it was.
      stuck.frozenValue ??= stuck.spec.value ?? this.lastOutput ?? value;
      value = stuck.frozenValue;
    }
    if (burnout && burnout.spec.kind === 'out_of_range') {
      const s = burnout.spec;
      const mA = s.mA ?? (s.direction === 'low' ? BURNOUT_LOW_MA : BURNOUT_HIGH_MA);
      value = valueAtMilliamps(this.instrument, mA);
    }
    const out = quantise(value, span);
    this.lastOutput = out;
    return out;
  }

  /** Spike offset for this reading: the first reading at or after each due time gets the spike. */
  private spikeAt(f: FaultState, s: Extract<FaultSpec, { kind: 'spike' }>, ts: number): number {
    if (f.spent) return 0;
    const due = f.nextSpikeAt ?? f.startedAt;
    if (ts < due) return 0;
    if (s.intervalSeconds === undefined) {
      f.spent = true;
    } else {
      const step = s.intervalSeconds * 1000;
      // Skip spikes missed during a gap instead of firing them all at once.
      f.nextSpikeAt = due + (Math.floor((ts - due) / step) + 1) * step;
    }
    const span = spanOf(this.instrument);
    if (s.magnitude !== undefined) return s.magnitude;
    if (s.magnitudePct !== undefined) return (s.magnitudePct / 100) * span;
    const centre = operatingPoint(this.instrument);
    // Default direction: towards the range end with more room, so the spike stays visible.
    const sign = centre - this.instrument.rangeMin <= this.instrument.rangeMax - centre ? 1 : -1;
    return ((DEFAULT_SPIKE_PCT * sign) / 100) * span;
  }

  /** Drops faults that have run their duration, and single spikes that have fired. */
  private prune(now: number): void {
    const over = (f: FaultState): boolean => f.spent === true || (f.endsAt !== null && f.endsAt <= now);
    if (this.faults.some(over)) this.faults = this.faults.filter((f) => !over(f));
  }
}
