// Threshold rules with deadband and on-delay, per instrument.
//
// Each of the four limits is its own condition (part of the alert identity), so a value above the
// critical limit has both high_warning and high_critical open; that is intended.
// - On-delay: the violation must hold on every good reading for alarmOnDelaySeconds of EVENT time
//   before it raises; one reading back inside the limit cancels the pending raise.
// - Deadband: once raised, the condition clears only when the value comes back past limit -/+ deadband,
//   so a value chattering around the limit raises one alert, not one per crossing.
// Readings that are not 'good' (signal faults, spikes) leave the state untouched: they neither
// advance nor cancel a pending raise, and cannot clear an alarm.

import { formatDuration, tagLabel, withUnit } from './format.ts';
import type { DetectorEvent, MonitorConfig, Reading, Severity } from './types.ts';

export type RuleCondition = 'low_critical' | 'low_warning' | 'high_warning' | 'high_critical';

interface RuleDefinition {
  condition: RuleCondition;
  side: 'low' | 'high';
  limitKey: 'alarmLowCritical' | 'alarmLowWarning' | 'alarmHighWarning' | 'alarmHighCritical';
  severity: Severity;
  label: string;
}

export const RULE_DEFINITIONS: readonly RuleDefinition[] = [
  {
    condition: 'low_critical',
    side: 'low',
    limitKey: 'alarmLowCritical',
    severity: 'critical',
    label: 'low critical',
  },
  {
    condition: 'low_warning',
    side: 'low',
    limitKey: 'alarmLowWarning',
    severity: 'warning',
    label: 'low warning',
  },
  {
    condition: 'high_warning',
    side: 'high',
    limitKey: 'alarmHighWarning',
    severity: 'warning',
    label: 'high warning',
  },
  {
    condition: 'high_critical',
    side: 'high',
    limitKey: 'alarmHighCritical',
    severity: 'critical',
    label: 'high critical',
  },
];

export interface RuleConditionState {
  active: boolean;
  /** Event time the current uninterrupted violation started, while waiting out the on-delay. */
  pendingSince: number | null;
}

/** Plain JSON: checkpoint it as is. */
export type RuleState = Record<RuleCondition, RuleConditionState>;

export function initialRuleState(): RuleState {
  return {
    low_critical: { active: false, pendingSince: null },
    low_warning: { active: false, pendingSince: null },
    high_warning: { active: false, pendingSince: null },
    high_critical: { active: false, pendingSince: null },
  };
}

type RuleConfig = Pick<
  MonitorConfig,
  | 'tag'
  | 'unit'
  | 'alarmLowCritical'
  | 'alarmLowWarning'
  | 'alarmHighWarning'
  | 'alarmHighCritical'
  | 'alarmDeadband'
  | 'alarmOnDelaySeconds'
>;

export function evaluateRules(
  state: RuleState,
  cfg: RuleConfig,
  reading: Reading,
): { state: RuleState; events: DetectorEvent[] } {
  if ((reading.quality ?? 'good') !== 'good' || !Number.isFinite(reading.value)) return { state, events: [] };
  const deadband = Math.max(0, cfg.alarmDeadband);
  const delayMs = Math.max(0, cfg.alarmOnDelaySeconds) * 1000;
  const next = { ...state };
  const events: DetectorEvent[] = [];
  const { value, ts } = reading;
  const tag = tagLabel(cfg.tag);

  for (const def of RULE_DEFINITIONS) {
    const cur = state[def.condition];
    const limit = cfg[def.limitKey];
    if (limit === null) {
      // A limit removed while its alarm was open must not leave the alarm open forever.
      if (cur.active) {
        events.push(clearEvent(def, ts, `${tag} ${def.label} cleared: limit removed`, { value }));
      }
      next[def.condition] = { active: false, pendingSince: null };
      continue;
    }
    const violates = def.side === 'high' ? value > limit : value < limit;
    if (cur.active) {
      const clearAt = def.side === 'high' ? limit - deadband : limit + deadband;
      const cleared = def.side === 'high' ? value < clearAt : value > clearAt;
      if (cleared) {
        const dir = def.side === 'high' ? 'below' : 'above';
        const message =
          `${tag} ${def.label} cleared: ${withUnit(value, cfg.unit)} back ${dir} ${withUnit(clearAt, cfg.unit)}` +
          ` (limit ${withUnit(limit, cfg.unit)}, deadband ${withUnit(deadband, cfg.unit)})`;
        events.push(clearEvent(def, ts, message, { value, limit, deadband }));
        next[def.condition] = { active: false, pendingSince: null };
      }
      continue;
    }
    if (!violates) {
      if (cur.pendingSince !== null) next[def.condition] = { active: false, pendingSince: null };
      continue;
    }
    const since = cur.pendingSince ?? ts;
    if (ts - since >= delayMs) {
      const dir = def.side === 'high' ? 'above' : 'below';
      const held = delayMs > 0 ? ` for ${formatDuration((ts - since) / 1000)}` : '';
      events.push({
        kind: 'raise',
        alertType: 'rule_violation',
        condition: def.condition,
        severity: def.severity,
        message: `${tag} ${def.label}: ${withUnit(value, cfg.unit)} ${dir} limit ${withUnit(limit, cfg.unit)}${held}`,
        ts,
        details: { value, limit, deadband, on_delay_seconds: delayMs / 1000, violating_since: since },
      });
      next[def.condition] = { active: true, pendingSince: null };
    } else if (cur.pendingSince === null) {
      next[def.condition] = { active: false, pendingSince: since };
    }
  }
  return { state: next, events };
}

function clearEvent(
  def: RuleDefinition,
  ts: number,
  message: string,
  details: Record<string, unknown>,
): DetectorEvent {
  return {
    kind: 'clear',
    alertType: 'rule_violation',
    condition: def.condition,
    severity: def.severity,
    message,
    ts,
    details,
  };
}
