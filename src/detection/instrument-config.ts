// The instrument record, projected onto what the detectors need. Plant-wide settings fill the
// per-instrument ones left empty (cusum_k / cusum_h / stuck_window_minutes override the defaults).
import type { Config } from '../config.ts';
import type { CusumBaseline } from '../detection/cusum.ts';
import type { MonitorConfig } from '../detection/types.ts';

export interface MonitorDefaults {
  cusumK: number;
  cusumH: number;
  stuckSensorMinutes: number;
}

/** The instrument columns the monitor reads (an `instruments` row, as the InstrumentCache holds it, fits). */
export interface MonitoredInstrument {
  id: number;
  tag: string;
  unit: string;
  status: string;
  range_min: number;
  range_max: number;
  nominal_value: number | null;
  alarm_low_critical: number | null;
  alarm_low_warning: number | null;
  alarm_high_warning: number | null;
  alarm_high_critical: number | null;
  alarm_deadband: number;
  alarm_on_delay_seconds: number;
  publish_interval_seconds: number;
  stuck_deadband: number;
  stuck_window_minutes: number | null;
  signal_low_ma: number;
  signal_high_ma: number;
  max_rate_per_second: number | null;
  cusum_k: number | null;
  cusum_h: number | null;
  baseline_mean: number | null;
  baseline_std: number | null;
}

/** Plant-wide detector defaults from the configuration. */
export function monitorDefaults(config: Pick<Config, 'cusum' | 'stuckSensorMinutes'>): MonitorDefaults {
  return { cusumK: config.cusum.k, cusumH: config.cusum.h, stuckSensorMinutes: config.stuckSensorMinutes };
}

/** The one mapping of an instrument row onto the detectors' settings (the monitor and the ingestion cache). */
export function toMonitorConfig(i: MonitoredInstrument, d: MonitorDefaults): MonitorConfig {
  return {
    tag: i.tag,
    unit: i.unit,
    rangeMin: i.range_min,
    rangeMax: i.range_max,
    nominalValue: i.nominal_value,
    alarmLowCritical: i.alarm_low_critical,
    alarmLowWarning: i.alarm_low_warning,
    alarmHighWarning: i.alarm_high_warning,
    alarmHighCritical: i.alarm_high_critical,
    alarmDeadband: i.alarm_deadband,
    alarmOnDelaySeconds: i.alarm_on_delay_seconds,
    publishIntervalSeconds: i.publish_interval_seconds,
    stuckDeadband: i.stuck_deadband,
    stuckWindowMinutes: i.stuck_window_minutes ?? d.stuckSensorMinutes,
    signalLowMa: i.signal_low_ma,
    signalHighMa: i.signal_high_ma,
    maxRatePerSecond: i.max_rate_per_second,
    cusumK: i.cusum_k ?? d.cusumK,
    cusumH: i.cusum_h ?? d.cusumH,
  };
}

/**
 * The instrument's reference baseline for CUSUM, when one is stored: baseline_std is the standard
 * deviation of WINDOW MEANS (what the CUSUM divides by), not of raw readings.
 */
export function referenceBaseline(
  i: Pick<MonitoredInstrument, 'baseline_mean' | 'baseline_std'>,
): CusumBaseline | null {
  const { baseline_mean: mean, baseline_std: sigma } = i;
  if (mean === null || sigma === null || !Number.isFinite(mean) || !Number.isFinite(sigma) || sigma < 0)
    return null;
  return { mean, sigma };
}

/** Gaps are watched only on instruments in service: one out of service or under maintenance may be silent. */
export const watchesGaps = (i: Pick<MonitoredInstrument, 'status'>): boolean => i.status === 'active';
