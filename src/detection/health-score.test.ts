import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HealthInput, healthScore } from './health-score.ts';
import type { Severity } from './types.ts';

const DAY = 86_400_000;
const now = 1_700_000_000_000;
const healthy: HealthInput = {
  now,
  openAlerts: [],
  cusum: { sPlus: 0, sMinus: 0, h: 5 },
  anomalyScore: 0.42,
  lastReadingTs: now - 1000,
  publishIntervalSeconds: 1,
  calibrationDueAt: now + 90 * DAY,
};

describe('healthScore', () => {
  it('is 100 with nothing wrong', () => {
    expect(healthScore(healthy)).toEqual({
      score: 100,
      parts: { alerts: 0, drift: 0, anomaly: 0, freshness: 0, calibration: 0 },
    });
  });

  it('alerts: 20 / 10 / 4 by severity, half for types scored elsewhere, capped at 40', () => {
    const alerts = (list: [Severity, string][]) =>
      healthScore({ ...healthy, openAlerts: list.map(([severity, alertType]) => ({ severity, alertType })) })
        .parts.alerts;
    expect(alerts([['critical', 'rule_violation']])).toBe(20);
    expect(alerts([['warning', 'instrument_fault']])).toBe(10);
    expect(alerts([['advisory', 'rule_violation']])).toBe(4);
    expect(alerts([['critical', 'drift']])).toBe(10);
    expect(alerts([['warning', 'data_gap']])).toBe(5);
    expect(alerts([['critical', 'calibration_overdue']])).toBe(10);
    expect(
      alerts([
        ['warning', 'anomaly'],
        ['advisory', 'rule_violation'],
      ]),
    ).toBe(9);
    expect(
      alerts([
        ['critical', 'rule_violation'],
        ['critical', 'instrument_fault'],
        ['critical', 'rule_violation'],
      ]),
    ).toBe(40);
  });

  it('drift: 20 x min(1, max(S+, S-)/h)^2', () => {
    const drift = (sPlus: number, sMinus: number) =>
      healthScore({ ...healthy, cusum: { sPlus, sMinus, h: 5 } }).parts.drift;
    expect(drift(0, 0)).toBe(0);
    expect(drift(2.5, 0)).toBe(5);
    expect(drift(0, 2.5)).toBe(5);
    expect(drift(5, 1)).toBe(20);
    expect(drift(50, 0)).toBe(20);
    expect(healthScore({ ...healthy, cusum: null }).parts.drift).toBe(0);
  });

  it('anomaly: 0 up to the warning score, 15 from the critical score, linear between', () => {
    const anomaly = (anomalyScore: number | null) => healthScore({ ...healthy, anomalyScore }).parts.anomaly;
    expect(anomaly(null)).toBe(0);
    expect(anomaly(0.5)).toBe(0);
    expect(anomaly(0.6)).toBe(7.5);
    expect(anomaly(0.7)).toBe(15);
    expect(anomaly(0.95)).toBe(15);
    expect(
      healthScore({
        ...healthy,
        anomalyScore: 0.7,
        anomalyWarningThreshold: 0.6,
        anomalyCriticalThreshold: 0.8,
      }).parts.anomaly,
    ).toBe(7.5);
  });

  it('freshness: free up to 2 intervals, 15 at 10 intervals, 15 if never seen', () => {
    const fresh = (ageSeconds: number | null) =>
      healthScore({
        ...healthy,
        publishIntervalSeconds: 10,
        lastReadingTs: ageSeconds === null ? null : now - ageSeconds * 1000,
      }).parts.freshness;
    expect(fresh(20)).toBe(0);
    expect(fresh(60)).toBe(7.5);
    expect(fresh(100)).toBe(15);
    expect(fresh(10_000)).toBe(15);
    expect(fresh(null)).toBe(15);
  });

  it('calibration: up to 5 in the last week, 10 + 1 per 3 days overdue, capped at 20', () => {
    const cal = (daysToDue: number | null) =>
      healthScore({ ...healthy, calibrationDueAt: daysToDue === null ? null : now + daysToDue * DAY }).parts
        .calibration;
    expect(cal(null)).toBe(0);
    expect(cal(30)).toBe(0);
    expect(cal(7)).toBe(0);
    expect(cal(3.5)).toBe(2.5);
    expect(cal(0)).toBe(5);
    expect(cal(-3)).toBe(11);
    expect(cal(-30)).toBe(20);
    expect(cal(-300)).toBe(20);
  });

  it('score = 100 - sum of parts, clamped at 0', () => {
    const r = healthScore({
      ...healthy,
      openAlerts: [{ severity: 'warning', alertType: 'rule_violation' }],
      cusum: { sPlus: 2.5, sMinus: 0, h: 5 },
      anomalyScore: 0.6,
    });
    expect(r.parts).toEqual({ alerts: 10, drift: 5, anomaly: 7.5, freshness: 0, calibration: 0 });
    expect(r.score).toBe(78); // round(100 - 22.5) = 78 (Math.round(77.5) = 78)
    const worst = healthScore({
      now,
      openAlerts: Array(5).fill({ severity: 'critical', alertType: 'instrument_fault' }),
      cusum: { sPlus: 99, sMinus: 0, h: 5 },
      anomalyScore: 0.99,
      lastReadingTs: null,
      publishIntervalSeconds: 1,
      calibrationDueAt: now - 365 * DAY,
    });
    expect(worst.score).toBe(0);
  });

  it('property: more trouble never raises the score, and the score stays in [0, 100]', () => {
    const severity = fc.constantFrom<Severity>('advisory', 'warning', 'critical');
    const alertType = fc.constantFrom('rule_violation', 'instrument_fault', 'drift', 'anomaly', 'data_gap');
    const input = fc.record({
      alerts: fc.array(fc.record({ severity, alertType }), { maxLength: 6 }),
      s: fc.double({ min: 0, max: 20, noNaN: true }),
      score: fc.double({ min: 0, max: 1, noNaN: true }),
      age: fc.double({ min: 0, max: 1e6, noNaN: true }),
      due: fc.double({ min: -400, max: 400, noNaN: true }),
    });
    fc.assert(
      fc.property(input, fc.record({ severity, alertType }), (x, extra) => {
        const make = (alerts: typeof x.alerts): HealthInput => ({
          now,
          openAlerts: alerts,
          cusum: { sPlus: x.s, sMinus: 0, h: 5 },
          anomalyScore: x.score,
          lastReadingTs: now - x.age,
          publishIntervalSeconds: 5,
          calibrationDueAt: now + x.due * DAY,
        });
        const a = healthScore(make(x.alerts));
        const b = healthScore(make([...x.alerts, extra]));
        expect(b.score).toBeLessThanOrEqual(a.score);
        expect(a.score).toBeGreaterThanOrEqual(0);
        expect(a.score).toBeLessThanOrEqual(100);
        const older = healthScore({ ...make(x.alerts), lastReadingTs: now - x.age - 60_000 });
        expect(older.score).toBeLessThanOrEqual(a.score);
      }),
    );
  });
});
