import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearAlertCondition, raiseAlert, resolveAlert } from '../../src/alerts/alert-service.ts';
import { AfterCommit } from '../../src/notifications/after-commit.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// Issue 14 item 2: the alarm KPIs on a crafted event log with known figures. The events are made
// by the real alert services at chosen event times (a raise, a clear, a new episode...).
const FROM = '2026-01-01T00:00:00.000Z';
const TO = '2026-01-01T02:00:00.000Z'; // 12 ten-minute periods
const at = (hhmmss: string, day = '2026-01-01') => `${day}T${hhmmss}.000Z`;

describe('alarm KPIs', () => {
  let t: TestApp;
  let unit1: number;
  let unit2: number;
  const clock = new ManualClock('2026-01-01T03:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
    const db = t.server.ctx.db;
    unit1 = (await t.api('POST', '/api/process-units', { body: { name: 'Leach' } })).body.id;
    unit2 = (await t.api('POST', '/api/process-units', { body: { name: 'Tank farm' } })).body.id;
    const a = await makeInstrument(t, { process_unit_id: unit1 });
    const b = await makeInstrument(t, { process_unit_id: unit1 });
    const c = await makeInstrument(t, { process_unit_id: unit2 });
    const d = await makeInstrument(t, { process_unit_id: unit2 });
    const e = await makeInstrument(t);
    const raise = (
      instrumentId: number,
      conditionKey: string,
      severity: 'advisory' | 'warning' | 'critical',
      when: string,
    ) =>
      raiseAlert(db, {
        instrumentId,
        alertType: 'rule_violation',
        conditionKey,
        severity,
        message: 'm',
        at: when,
      });
    const clear = (instrumentId: number, conditionKey: string, when: string) =>
      clearAlertCondition(db, { instrumentId, alertType: 'rule_violation', conditionKey }, when);

    // A chatters: 3 raises of high_warning within 40 s (two clears between).
    await raise(a.id, 'high_warning', 'warning', at('00:00:00'));
    await clear(a.id, 'high_warning', at('00:00:10'));
    await raise(a.id, 'high_warning', 'warning', at('00:00:20'));
    await clear(a.id, 'high_warning', at('00:00:30'));
    await raise(a.id, 'high_warning', 'warning', at('00:00:40'));
    // B floods the 00:10-00:20 period: 10 advisory alarms.
    for (let i = 0; i < 10; i++)
      await raise(b.id, `c${i}`, 'advisory', at(`00:1${Math.floor(i / 2)}:${i % 2 ? '30' : '00'}`));
    // C: 2 critical alarms at 00:50 and 00:55.
    await raise(c.id, 'x', 'critical', at('00:50:00'));
    await raise(c.id, 'y', 'critical', at('00:55:00'));
    // A repeat of an open condition is not a new alarm.
    await raise(c.id, 'y', 'critical', at('00:56:00'));
    // D: out of the period (before and at `to`), and stale: raised 26 h before `to`, never resolved.
    await raise(d.id, 'old', 'warning', at('00:00:00', '2025-12-31'));
    await raise(d.id, 'late', 'warning', TO);
    // E: raised long ago but resolved before `to`: not stale.
    const { alert } = await raise(e.id, 'fixed', 'warning', at('01:00:00', '2025-12-30'));
    const admin = (await t.api('GET', '/api/auth/me')).body;
    await resolveAlert(db, admin.id ?? admin.user?.id, alert.id, 'fixed', at('01:00:00'), new AfterCommit());
  });
  afterAll(() => t?.stop());

  it('computes the figures of the crafted log', async () => {
    const res = await t.api('GET', `/api/alarm-kpis?from=${FROM}&to=${TO}`);
    expect(res.status).toBe(200);
    const k = res.body;
    expect(k).toMatchObject({
      from: FROM,
      to: TO,
      total_alarms: 15,
      periods_10_minutes: 12,
      average_per_10_minutes: 1.25,
      average_per_hour: 7.5,
      flood_periods: 1,
      flood_percent: 8.33,
      peak_10_minutes: { count: 10, start: '2026-01-01T00:10:00.000Z' },
      top10_percent: 100,
    });
    expect(k.rate_series).toEqual([3, 10, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]);
    expect(k.chattering.count).toBe(1);
    expect(k.chattering.alarms[0]).toMatchObject({
      condition: 'high_warning',
      raises: 3,
      max_raises_per_minute: 3,
    });
    expect(k.stale.count).toBe(1);
    expect(k.stale.alarms[0]).toMatchObject({ open_hours: 26, raised_at: at('00:00:00', '2025-12-31') });
    expect(k.bad_actors.map((a: { raises: number; percent: number }) => [a.raises, a.percent])).toEqual([
      [10, 66.67],
      [3, 20],
      [2, 13.33],
    ]);
    expect(k.by_priority).toEqual([
      { severity: 'advisory', count: 10, percent: 66.67, target_percent: 80 },
      { severity: 'warning', count: 3, percent: 20, target_percent: 15 },
      { severity: 'critical', count: 2, percent: 13.33, target_percent: 5 },
    ]);
    expect(k.targets.flood_percent.max).toBe(1);
  });

  it('filters by process unit', async () => {
    const u1 = (await t.api('GET', `/api/alarm-kpis?from=${FROM}&to=${TO}&process_unit_id=${unit1}`)).body;
    expect(u1).toMatchObject({
      total_alarms: 13,
      flood_periods: 1,
      stale: { count: 0 },
      process_unit_id: unit1,
    });
    const u2 = (await t.api('GET', `/api/alarm-kpis?from=${FROM}&to=${TO}&process_unit_id=${unit2}`)).body;
    expect(u2).toMatchObject({
      total_alarms: 2,
      flood_periods: 0,
      chattering: { count: 0 },
      stale: { count: 1 },
    });
  });

  it('defaults to the last 7 days and refuses bad ranges', async () => {
    const def = await t.api('GET', '/api/alarm-kpis');
    expect(def.status).toBe(200);
    expect(def.body.to).toBe(clock.now().toISOString());
    expect(def.body.from).toBe(new Date(clock.now().getTime() - 7 * 86_400_000).toISOString());
    expect(def.body.total_alarms).toBe(18); // the 15, D's two and E's, all within 7 days
    for (const q of [
      `from=${TO}&to=${FROM}`,
      `from=${FROM}&to=${FROM}`,
      'from=2026-02-30',
      'from=yesterday',
      'from=2025-01-01&to=2026-01-01',
      'process_unit_id=abc',
    ]) {
      const res = await t.api('GET', `/api/alarm-kpis?${q}`);
      expect(res.status, q).toBe(400);
    }
    expect((await t.api('GET', '/api/alarm-kpis', { token: null })).status).toBe(401);
  });
});
