// Stuck (frozen) sensor: thermocouple burnout, plugged impulse line, a transmitter holding its last value.
//
// The window is anchored at a reading; the band max - min of the good values since the anchor must
// stay within stuckDeadband for stuckWindowMinutes of event time to raise. Any excursion beyond the
// deadband re-anchors at that reading (and clears an open alarm).
// A silence longer than the window between two good readings is not evidence of a frozen signal (the
// data-gap monitor reports silence), so the window restarts there instead of raising on the first
// reading after the gap.

import { formatDuration, tagLabel, withUnit } from './format.ts';
import type { DetectorEvent, MonitorConfig, Reading } from './types.ts';

/** Plain JSON: checkpoint it as is. */
export interface StuckState {
  /** Event time of the reading that starts the current window; null before the first good reading. */
  anchorTs: number | null;
  min: number;
  max: number;
  lastTs: number | null;
  active: boolean;
}

export function initialStuckState(): StuckState {
  return { anchorTs: null, min: 0, max: 0, lastTs: null, active: false };
}

type StuckConfig = Pick<MonitorConfig, 'tag' | 'unit' | 'stuckDeadband' | 'stuckWindowMinutes'>;

export function evaluateStuck(
  state: StuckState,
  cfg: StuckConfig,
  reading: Reading,
): { state: StuckState; events: DetectorEvent[] } {
  if ((reading.quality ?? 'good') !== 'good' || !Number.isFinite(reading.value)) return { state, events: [] };
  const { value, ts } = reading;
  const windowMs = cfg.stuckWindowMinutes * 60_000;
  const deadband = Math.max(0, cfg.stuckDeadband);
  const tag = tagLabel(cfg.tag);
  const anchored = (v: number, active: boolean): StuckState => ({
    anchorTs: ts,
    min: v,
    max: v,
    lastTs: ts,
    active,
  });

  if (state.anchorTs === null) return { state: anchored(value, false), events: [] };

  const min = Math.min(state.min, value);
  const max = Math.max(state.max, value);
  const band = max - min;
  if (band > deadband) {
    const events: DetectorEvent[] = [];
    if (state.active) {
      events.push({
        kind: 'clear',
        alertType: 'instrument_fault',
        condition: 'stuck',
        severity: 'warning',
        message: `${tag} signal moving again: ${withUnit(value, cfg.unit)} (moved ${withUnit(band, cfg.unit)}, deadband ${withUnit(deadband, cfg.unit)})`,
        ts,
        details: { value, band, deadband },
      });
    }
    return { state: anchored(value, false), events };
  }

  const lastTs = Math.max(state.lastTs ?? ts, ts);
  if (state.lastTs !== null && ts - state.lastTs > windowMs) {
    return { state: anchored(value, state.active), events: [] };
  }

  const frozenMs = ts - state.anchorTs;
  if (!state.active && frozenMs >= windowMs) {
    return {
      state: { anchorTs: state.anchorTs, min, max, lastTs, active: true },
      events: [
        {
          kind: 'raise',
          alertType: 'instrument_fault',
          condition: 'stuck',
          severity: 'warning',
          message:
            `${tag} signal frozen at ${withUnit(value, cfg.unit)}: moved only ${withUnit(band, cfg.unit)}` +
            ` (deadband ${withUnit(deadband, cfg.unit)}) in ${formatDuration(frozenMs / 1000)}` +
            ' (stuck sensor: check for burnout, plugged impulse line or loss of power)',
          ts,
          details: {
            value,
            band,
            deadband,
            frozen_since: state.anchorTs,
            frozen_seconds: frozenMs / 1000,
            window_minutes: cfg.stuckWindowMinutes,
          },
        },
      ],
    };
  }
  return { state: { anchorTs: state.anchorTs, min, max, lastTs, active: state.active }, events: [] };
}
