// Clean process signals for simulated transmitters. A value is
//   nominal + slow process wander (mean-reverting) + slow cycle + AR(1) measurement noise,
// quantised like a transmitter's digital output. Everything is a function of the event time passed
// to next(ts), never the wall clock, so live publishing, history backfill and replays share the code.
import { InvalidInstrumentError } from './errors.ts';
import { SeededRandom } from './seeded-random.ts';

export type InstrumentType = 'pressure' | 'temperature' | 'flow' | 'level';

/** What the simulator needs to know about an instrument (a projection of the instrument record). */
export interface SimInstrument {
  id: number;
  tag: string;
  type: InstrumentType;
  unit: string;
  rangeMin: number;
  rangeMax: number;
  nominalValue: number | null;
  publishIntervalSeconds: number;
  /**
   * Process unit: instruments of one unit share its wandering process state (load, setpoint, cycle),
   * so they are correlated like a real unit's pressure, flow and temperature. Null / absent: alone.
   */
  processUnit?: string | null;
}

/**
 * The shared process state of one unit, normalised: `wander` an Ornstein-Uhlenbeck process with sd 1
 * and time constant 30 min, `cycle` a sine of amplitude 1 and period 6 h. Every member reads it at
 * the same event times; values are cached per ts so the members see the same state.
 */
export interface SharedProcess {
  at(ts: number): { wander: number; cycle: number };
}

/** Share of a unit member's wander variance that is the unit's (the rest is its own, local). */
export const SHARED_WANDER_SHARE = 0.995;

export function createSharedProcess(
  seed: number,
  tauSeconds = 0.5 * HOUR,
  periodSeconds = 6 * HOUR,
): SharedProcess {
  const rng = new SeededRandom(seed);
  const phase = 2 * Math.PI * rng.uniform();
  let wander = rng.normal();
  let lastTs: number | null = null;
  let cached: { ts: number; wander: number; cycle: number } | null = null;
  return {
    at(ts: number) {
      if (cached && cached.ts === ts) return cached;
      const dt = lastTs === null ? 0 : Math.max(0, ts - lastTs);
      lastTs = lastTs === null ? ts : Math.max(lastTs, ts);
      if (dt > 0) {
        const a = Math.exp(-dt / (tauSeconds * 1000));
        wander = a * wander + Math.sqrt(1 - a * a) * rng.normal();
      }
      cached = { ts, wander, cycle: Math.sin((2 * Math.PI * ts) / (periodSeconds * 1000) + phase) };
      return cached;
    },
  };
}

/** Stable 32-bit id of a unit name (for seeding its shared process). */
export function unitSeedId(unit: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < unit.length; i++) h = Math.imul(h ^ unit.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Shape of one instrument type's signal, amplitudes in % of span. */
export interface SignalProfile {
  /** Stationary std of the measurement noise. */
  noisePct: number;
  /** Lag-1 autocorrelation of the noise at the instrument's publish interval. */
  noisePhi: number;
  /** Stationary std of the mean-reverting process wander (load and setpoint changes). */
  wanderPct: number;
  /** Time constant of the wander: how long the process takes to return towards nominal. */
  wanderTauSeconds: number;
  /** Amplitude of a slow cycle (shift pattern, ambient temperature). */
  cyclePct: number;
  cyclePeriodSeconds: number;
}

const HOUR = 3600;

/**
 * Flow is the noisiest (turbulence), temperature the smoothest (thermal mass), level sits between
 * (slow but with surface ripple). Excursions stay a few % of span, well inside alarm limits at
 * ±15–25 % of span: over weeks of simulated time the largest excursion stays around 8–11 % of span.
 */
export const SIGNAL_PROFILES: Readonly<Record<InstrumentType, SignalProfile>> = {
  pressure: {
    noisePct: 0.3,
    noisePhi: 0.8,
    wanderPct: 1.5,
    wanderTauSeconds: 0.5 * HOUR,
    cyclePct: 0.8,
    cyclePeriodSeconds: 4 * HOUR,
  },
  temperature: {
    noisePct: 0.15,
    noisePhi: 0.95,
    wanderPct: 1.5,
    wanderTauSeconds: HOUR,
    cyclePct: 1.5,
    cyclePeriodSeconds: 24 * HOUR,
  },
  flow: {
    noisePct: 0.5,
    noisePhi: 0.6,
    wanderPct: 2,
    wanderTauSeconds: 0.25 * HOUR,
    cyclePct: 1,
    cyclePeriodSeconds: 2 * HOUR,
  },
  level: {
    noisePct: 0.2,
    noisePhi: 0.9,
    wanderPct: 2,
    wanderTauSeconds: 0.75 * HOUR,
    cyclePct: 1.5,
    cyclePeriodSeconds: 6 * HOUR,
  },
};

export interface SignalGenerator {
  readonly instrument: SimInstrument;
  /** The value the process would show at event time ts (epoch ms); call with non-decreasing ts. */
  next(ts: number): number;
}

export const spanOf = (i: Pick<SimInstrument, 'rangeMin' | 'rangeMax'>): number => i.rangeMax - i.rangeMin;

/** The operating point: the nominal value, clamped into the range, or mid-range when none is set. */
export function operatingPoint(i: SimInstrument): number {
  if (i.nominalValue === null || !Number.isFinite(i.nominalValue)) return (i.rangeMin + i.rangeMax) / 2;
  return Math.min(i.rangeMax, Math.max(i.rangeMin, i.nominalValue));
}

/**
 * Resolution of the published value: the decade giving 10,000–100,000 steps over the span, like a
 * transmitter's digital output (0–10 bar -> 0.001 bar, 0–200 °C -> 0.01 °C).
 */
export function resolutionOf(span: number): number {
  return 10 ** Math.floor(Math.log10(span / 10_000));
}

/** Rounds to the instrument's resolution without binary floating-point tails (5.1200000001). */
export function quantise(value: number, span: number): number {
  const step = resolutionOf(span);
  const decimals = Math.max(0, -Math.round(Math.log10(step)));
  return Number((Math.round(value / step) * step).toFixed(decimals));
}

/** Throws InvalidInstrumentError naming the field when the simulator cannot use the definition. */
export function validateInstrument(i: SimInstrument): void {
  const tag = typeof i.tag === 'string' ? i.tag : String(i.tag);
  if (typeof i.tag !== 'string' || i.tag.trim() === '')
    throw new InvalidInstrumentError(tag, 'tag', 'required');
  // The tag becomes an MQTT topic level, where these characters have a meaning.
  if (/[/#+\s]/.test(i.tag))
    throw new InvalidInstrumentError(tag, 'tag', 'must not contain /, #, + or spaces');
  if (!Number.isFinite(i.rangeMin))
    throw new InvalidInstrumentError(tag, 'rangeMin', 'must be a finite number');
  if (!Number.isFinite(i.rangeMax) || i.rangeMax <= i.rangeMin) {
    throw new InvalidInstrumentError(tag, 'rangeMax', 'must be a finite number above rangeMin');
  }
  if (!Number.isFinite(i.publishIntervalSeconds) || i.publishIntervalSeconds <= 0) {
    throw new InvalidInstrumentError(tag, 'publishIntervalSeconds', 'must be a positive number');
  }
  if (!(i.type in SIGNAL_PROFILES)) {
    throw new InvalidInstrumentError(
      tag,
      'type',
      `must be one of ${Object.keys(SIGNAL_PROFILES).join(', ')}`,
    );
  }
}

/**
 * Creates the clean signal of one instrument. The noise and wander are Ornstein–Uhlenbeck
 * processes updated exactly over the elapsed time, so the statistics do not depend on the step:
 * a reading every 5 s live and every 60 s in a backfill describe the same process.
 * `overrides` exists for tests that want one component on its own.
 */
export function createSignal(
  instrument: SimInstrument,
  seed: number,
  overrides: Partial<SignalProfile> = {},
  shared?: SharedProcess,
): SignalGenerator {
  validateInstrument(instrument);
  const profile = { ...SIGNAL_PROFILES[instrument.type], ...overrides };
  const span = spanOf(instrument);
  const centre = operatingPoint(instrument);
  // A nominal close to a range end leaves less room: shrink the variation so the clean signal
  // keeps a margin (about 12 % of span of headroom gives the full amplitude).
  const headroom = Math.min(centre - instrument.rangeMin, instrument.rangeMax - centre) / span;
  const scale = (Math.min(1, Math.max(0.1, headroom / 0.12)) * span) / 100;
  const noiseSd = profile.noisePct * scale;
  const wanderSd = profile.wanderPct * scale;
  const cycleAmp = profile.cyclePct * scale;
  // φ is given per publish interval; the noise correlation time follows from it.
  const noiseTauMs =
    profile.noisePhi > 0 && profile.noisePhi < 1
      ? (-instrument.publishIntervalSeconds * 1000) / Math.log(profile.noisePhi)
      : profile.noisePhi >= 1
        ? Number.POSITIVE_INFINITY
        : 0;
  const wanderTauMs = profile.wanderTauSeconds * 1000;
  const cyclePeriodMs = profile.cyclePeriodSeconds * 1000;
  const margin = 0.01 * span;

  const rng = new SeededRandom(seed);
  const phase = 2 * Math.PI * rng.uniform();
  // Start from the stationary distribution: a backfill begins mid-process, not exactly at nominal.
  let noise = noiseSd * rng.normal();
  // In a unit, the wander is mostly the unit's: the local part keeps the rest of the variance.
  const localWanderSd = shared ? wanderSd * Math.sqrt(1 - SHARED_WANDER_SHARE) : wanderSd;
  const sharedWanderSd = shared ? wanderSd * Math.sqrt(SHARED_WANDER_SHARE) : 0;
  let wander = localWanderSd * rng.normal();
  let lastTs: number | null = null;

  const ou = (x: number, sd: number, tauMs: number, dtMs: number): number => {
    if (dtMs <= 0 || sd === 0) return x;
    const a = tauMs === Number.POSITIVE_INFINITY ? 1 : tauMs <= 0 ? 0 : Math.exp(-dtMs / tauMs);
    return a * x + sd * Math.sqrt(1 - a * a) * rng.normal();
  };

  return {
    instrument,
    next(ts: number): number {
      const dt = lastTs === null ? 0 : Math.max(0, ts - lastTs);
      lastTs = lastTs === null ? ts : Math.max(lastTs, ts);
      noise = ou(noise, noiseSd, noiseTauMs, dt);
      wander = ou(wander, localWanderSd, wanderTauMs, dt);
      let cycle = cyclePeriodMs > 0 ? cycleAmp * Math.sin((2 * Math.PI * ts) / cyclePeriodMs + phase) : 0;
      let common = 0;
      if (shared) {
        const u = shared.at(ts);
        common = sharedWanderSd * u.wander;
        cycle = cycleAmp * u.cycle;
      }
      const raw = centre + wander + common + cycle + noise;
      const clamped = Math.min(instrument.rangeMax - margin, Math.max(instrument.rangeMin + margin, raw));
      return quantise(clamped, span);
    },
  };
}
