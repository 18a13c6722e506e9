import { describe, expect, it } from 'vitest';
import { walkSchedule } from '../../src/reports/calibration-schedule.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const d = (n: number) => new Date(T0 + n * DAY);
const iso = (n: number) => d(n).toISOString();
const ms = (n: number) => d(n).getTime();
const inst = (extra: Partial<Parameters<typeof walkSchedule>[0]> = {}) => ({
  id: 1,
  created_at: iso(0),
  deleted_at: null,
  calibration_interval_days: 100,
  use_predicted_interval: 0,
  predicted_interval_days: null,
  ...extra,
});
const cal = (n: number) => ({ performed_at: iso(n), next_due_at: iso(n + 100) });

describe('walkSchedule (the due dates behind compliance)', () => {
  it('counts a due date before the period that was still unmet at its start, as late', () => {
    // Due day 100, calibrated day 130; period from day 120: overdue for part of the period.
    const r = walkSchedule(inst(), [cal(130)], d(120), d(200));
    expect(r.events).toEqual([{ due_ms: ms(100), outcome: 'late', calibrated_ms: ms(130) }]);
    expect(r.overdue).toBe(false);
  });

  it('ignores a due date met before the period started', () => {
    const r = walkSchedule(inst(), [cal(90)], d(120), d(180));
    expect(r.events).toEqual([]);
    expect(r.next_due_at).toBe(iso(190));
  });

  it('judges as of the end of the period: a calibration after it does not count', () => {
    const r = walkSchedule(inst(), [cal(150)], d(50), d(140));
    expect(r.events).toEqual([{ due_ms: ms(100), outcome: 'outstanding', calibrated_ms: null }]);
    expect(r).toMatchObject({ overdue: true, days_overdue: 40, last_calibration_at: null });
  });

  it('uses the due date recorded with a calibration (the interval in force then)', () => {
    const r = walkSchedule(
      inst(),
      [{ performed_at: iso(90), next_due_at: iso(150) }, cal(160)],
      d(0),
      d(250),
    );
    expect(r.events.map((e) => [e.due_ms, e.outcome])).toEqual([
      [ms(100), 'on_time'],
      [ms(150), 'late'],
    ]);
  });

  it('follows the predicted interval once the instrument is switched to it', () => {
    const r = walkSchedule(
      inst({ use_predicted_interval: 1, predicted_interval_days: 40 }),
      [cal(10)],
      d(0),
      d(60),
    );
    expect(r.next_due_at).toBe(iso(50));
    expect(r.overdue).toBe(true);
  });

  it('drops due dates after a decommissioned instrument was deleted', () => {
    const r = walkSchedule(inst({ deleted_at: iso(80) }), [], d(0), d(200));
    expect(r.events).toEqual([]);
    expect(r.overdue).toBe(false);
  });
});
