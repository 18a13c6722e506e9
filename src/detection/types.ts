// Shared types of the pure detector library. Nothing here touches a clock, a database or the network:
// event time always comes from the reading (`ts`, epoch ms) or from an injected `now`.

export type Quality = 'good' | 'fault' | 'spike';

export type Severity = 'advisory' | 'warning' | 'critical';

/** Alert types a detector can raise (calibration_overdue is raised by the calibration scan, not here). */
export type DetectorAlertType = 'rule_violation' | 'drift' | 'anomaly' | 'instrument_fault' | 'data_gap';

/** The per-instrument settings the detectors need (a projection of the instrument record). */
export interface MonitorConfig {
  /** Optional labels used only to make messages readable ("PT-101 high critical: 9.82 bar ..."). */
  tag?: string;
  unit?: string;
  /** Lower / upper range value: 4 mA and 20 mA respectively. */
  rangeMin: number;
  rangeMax: number;
  nominalValue: number | null;
  alarmLowCritical: number | null;
  alarmLowWarning: number | null;
  alarmHighWarning: number | null;
  alarmHighCritical: number | null;
  /** Engineering units; to clear, a value must come back past limit -/+ deadband. */
  alarmDeadband: number;
  /** A limit violation must hold continuously this long (event time) before it raises. */
  alarmOnDelaySeconds: number;
  publishIntervalSeconds: number;
  /** Engineering units; a signal whose max - min stays within this is "not moving". */
  stuckDeadband: number;
  stuckWindowMinutes: number;
  /** Valid loop current window (NAMUR NE43 default 3.8-20.5 mA). */
  signalLowMa: number;
  signalHighMa: number;
  /** Engineering units per second; null disables the rate-of-change (spike) check. */
  maxRatePerSecond: number | null;
  /** CUSUM slack and decision interval, in sigma units of the baseline. */
  cusumK: number;
  cusumH: number;
}

/** One raise or clear of a detector condition; the alert aggregator turns these into alert rows. */
export interface DetectorEvent {
  kind: 'raise' | 'clear';
  alertType: DetectorAlertType;
  /** Source condition, part of the alert identity: 'high_critical', 'stuck', 'signal_low', 'cusum_up', ... */
  condition: string;
  severity: Severity;
  message: string;
  /** Event time (epoch ms) of the reading or clock tick that caused it. */
  ts: number;
  details?: Record<string, unknown>;
}

export interface Reading {
  ts: number;
  value: number;
  /** Omitted means 'good'. */
  quality?: Quality;
}

export interface TimedValue {
  ts: number;
  value: number;
}

export const DEFAULT_SIGNAL_LOW_MA = 3.8;
export const DEFAULT_SIGNAL_HIGH_MA = 20.5;

type RequiredKeys = 'rangeMin' | 'rangeMax';

/**
 * Fills the optional settings with the spec's defaults (k = 0.5, h = 5, stuck 15 min, NE43 bounds).
 * Handy for tests and for instruments whose record leaves a setting empty.
 */
export function monitorConfig(
  partial: Pick<MonitorConfig, RequiredKeys> & Partial<Omit<MonitorConfig, RequiredKeys>>,
): MonitorConfig {
  return {
    nominalValue: null,
    alarmLowCritical: null,
    alarmLowWarning: null,
    alarmHighWarning: null,
    alarmHighCritical: null,
    alarmDeadband: 0,
    alarmOnDelaySeconds: 0,
    publishIntervalSeconds: 1,
    stuckDeadband: 0,
    stuckWindowMinutes: 15,
    signalLowMa: DEFAULT_SIGNAL_LOW_MA,
    signalHighMa: DEFAULT_SIGNAL_HIGH_MA,
    maxRatePerSecond: null,
    cusumK: 0.5,
    cusumH: 5,
    ...partial,
  };
}

export function span(cfg: Pick<MonitorConfig, 'rangeMin' | 'rangeMax'>): number {
  return cfg.rangeMax - cfg.rangeMin;
}
