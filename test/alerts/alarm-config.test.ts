import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

// Issue 14's settings: defaults, and one readable line for a bad value.
const load = (env: Record<string, string>) =>
  loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cmms-config-')), ...env }, { dotenvFile: null });

describe('alarm management settings', () => {
  it('has defaults: 24 h shelves, no out of service during work, no auto-resolve, scan every minute', () => {
    expect(load({}).alarms).toEqual({
      shelveMaxHours: 24,
      outOfServiceDuringWork: false,
      autoResolveMinutes: {},
      scanSeconds: 60,
    });
  });

  it('reads per-type auto-resolve minutes', () => {
    const c = load({
      ALERT_AUTO_RESOLVE_MINUTES: 'calibration_overdue:60, data_gap=5',
      ALERT_OUT_OF_SERVICE_DURING_WORK: 'yes',
    });
    expect(c.alarms.autoResolveMinutes).toEqual({ calibration_overdue: 60, data_gap: 5 });
    expect(c.alarms.outOfServiceDuringWork).toBe(true);
  });

  it('refuses bad values naming the variable', () => {
    for (const [env, re] of [
      [
        { ALERT_AUTO_RESOLVE_MINUTES: 'overdue:60' },
        /^ALERT_AUTO_RESOLVE_MINUTES must list alert_type:minutes/,
      ],
      [{ ALERT_AUTO_RESOLVE_MINUTES: 'data_gap:-1' }, /^ALERT_AUTO_RESOLVE_MINUTES/],
      [{ ALERT_AUTO_RESOLVE_MINUTES: 'data_gap' }, /^ALERT_AUTO_RESOLVE_MINUTES/],
      [{ ALERT_SHELVE_MAX_HOURS: '0' }, /^ALERT_SHELVE_MAX_HOURS must be a number >= 0.1/],
      [
        { ALERT_OUT_OF_SERVICE_DURING_WORK: 'maybe' },
        /^ALERT_OUT_OF_SERVICE_DURING_WORK must be true or false/,
      ],
    ] as const) {
      expect(() => load(env as Record<string, string>)).toThrow(ConfigError);
      expect(() => load(env as Record<string, string>)).toThrow(re);
    }
  });
});
