// Signal validation: maps a reading back onto the 4-20 mA loop and flags hardware faults and spikes.
// A reading outside the valid loop current (NAMUR NE43 3.8-20.5 mA by default) is an instrument fault,
// not a process condition: it is stored with its quality flag and kept out of CUSUM and the forest.

import { formatNumber, tagLabel, withUnit } from './format.ts';
import type { DetectorEvent, MonitorConfig, Quality, TimedValue } from './types.ts';

/** source_bad: a connector's source (OPC UA status, Sparkplug) said the value is bad. */
export type SignalBound = 'signal_low' | 'signal_high' | 'signal_invalid' | 'source_bad';

export interface ReadingClassification {
  quality: Quality;
  /** Which bound a fault broke; absent for good readings and spikes. */
  bound?: SignalBound;
  /** Loop current equivalent of the value (NaN when the value is not a finite number). */
  milliamps: number;
  /** |dValue/dt| in units per second against `prev`, when it could be computed. */
  ratePerSecond?: number;
}

/** 4 mA = rangeMin, 20 mA = rangeMax, linear in between (and beyond, to expose faults). */
export function toMilliamps(value: number, rangeMin: number, rangeMax: number): number {
  const spanValue = rangeMax - rangeMin;
  if (!(spanValue > 0))
    throw new RangeError(`range must satisfy rangeMax > rangeMin (got ${rangeMin}..${rangeMax})`);
  return 4 + (16 * (value - rangeMin)) / spanValue;
}

type SignalConfig = Pick<
  MonitorConfig,
  'rangeMin' | 'rangeMax' | 'signalLowMa' | 'signalHighMa' | 'maxRatePerSecond'
>;

/**
 * Fault beats spike: a reading outside the loop window is a fault whatever its rate.
 * Spike needs a configured max rate, a previous reading and positive elapsed time
 * (a duplicate timestamp says nothing about rate). `prev` should be the last good reading.
 */
export function classifyReading(
  cfg: SignalConfig,
  value: number,
  ts: number,
  prev?: TimedValue,
): ReadingClassification {
  if (!Number.isFinite(value)) return { quality: 'fault', bound: 'signal_invalid', milliamps: Number.NaN };
  const milliamps = toMilliamps(value, cfg.rangeMin, cfg.rangeMax);
  if (milliamps < cfg.signalLowMa) return { quality: 'fault', bound: 'signal_low', milliamps };
  if (milliamps > cfg.signalHighMa) return { quality: 'fault', bound: 'signal_high', milliamps };
  if (prev && Number.isFinite(prev.value)) {
    const dtSeconds = (ts - prev.ts) / 1000;
    if (dtSeconds > 0) {
      const ratePerSecond = Math.abs(value - prev.value) / dtSeconds;
      if (cfg.maxRatePerSecond !== null && ratePerSecond > cfg.maxRatePerSecond) {
        return { quality: 'spike', milliamps, ratePerSecond };
      }
      return { quality: 'good', milliamps, ratePerSecond };
    }
  }
  return { quality: 'good', milliamps };
}

/** Open signal-fault condition of one instrument (null = loop healthy). Plain JSON, checkpointable. */
export interface SignalFaultState {
  active: SignalBound | null;
}

export function initialSignalFaultState(): SignalFaultState {
  return { active: null };
}

/**
 * One raise per fault episode, one clear when the loop current is back inside the window.
 * Switching straight from low to high (e.g. wiring swapped) clears one condition and raises the other.
 * Spikes are in-range readings, so they end a fault episode like good readings do.
 */
export function evaluateSignalFault(
  state: SignalFaultState,
  cfg: SignalConfig & Pick<MonitorConfig, 'tag' | 'unit'>,
  value: number,
  ts: number,
  classification: ReadingClassification,
): { state: SignalFaultState; events: DetectorEvent[] } {
  const events: DetectorEvent[] = [];
  const now = classification.quality === 'fault' ? (classification.bound ?? 'signal_invalid') : null;
  if (state.active === now) return { state, events };
  const tag = tagLabel(cfg.tag);
  if (state.active !== null) {
    events.push({
      kind: 'clear',
      alertType: 'instrument_fault',
      condition: state.active,
      severity: 'critical',
      message: `${tag} signal back in range: ${withUnit(value, cfg.unit)} (${formatNumber(classification.milliamps)} mA)`,
      ts,
      details: { value, milliamps: classification.milliamps },
    });
  }
  if (now !== null) {
    events.push({
      kind: 'raise',
      alertType: 'instrument_fault',
      condition: now,
      severity: 'critical',
      message: faultMessage(tag, cfg, value, classification.milliamps, now),
      ts,
      details: {
        value,
        milliamps: classification.milliamps,
        signal_low_ma: cfg.signalLowMa,
        signal_high_ma: cfg.signalHighMa,
      },
    });
  }
  return { state: { active: now }, events };
}

function faultMessage(
  tag: string,
  cfg: SignalConfig & Pick<MonitorConfig, 'unit'>,
  value: number,
  mA: number,
  bound: SignalBound,
): string {
  if (bound === 'signal_invalid') return `${tag} signal fault: reading is not a number`;
  if (bound === 'source_bad')
    return `${tag} signal fault: its source reports the value ${withUnit(value, cfg.unit)} as bad quality`;
  const where = bound === 'signal_low' ? `below ${cfg.signalLowMa} mA` : `above ${cfg.signalHighMa} mA`;
  return `${tag} signal fault: ${withUnit(value, cfg.unit)} maps to ${formatNumber(mA)} mA, ${where} (hardware fault, not a process condition)`;
}
