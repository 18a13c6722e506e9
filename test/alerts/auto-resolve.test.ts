import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearAlertCondition, raiseAlert } from '../../src/alerts/alert-service.ts';
import type { AlertType } from '../../src/alerts/types.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// Issue 14 item 3: a cleared and acknowledged alert is resolved automatically after the minutes
// configured for its type, with a note, audited and journalled.
describe('auto-resolve', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-05-04T06:00:00.000Z');
  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { ALERT_AUTO_RESOLVE_MINUTES: 'calibration_overdue:60, data_gap:5' },
    });
  });
  afterAll(() => t?.stop());

  const now = () => clock.now().toISOString();
  async function alert(alertType: AlertType, opts: { ack: boolean; clear: boolean }) {
    const inst = await makeInstrument(t, {
      tag: `LT-${Math.random().toString(36).slice(2, 7).toUpperCase()}`,
    });
    const key = { instrumentId: inst.id, alertType, conditionKey: '2026-05-01' };
    const { alert: a } = await raiseAlert(t.server.ctx.db, {
      ...key,
      severity: 'warning',
      message: `${inst.tag} calibration overdue`,
      at: now(),
    });
    if (opts.ack)
      expect((await t.api('POST', `/api/alerts/${a.id}/acknowledge`, { body: {} })).status).toBe(200);
    if (opts.clear) await clearAlertCondition(t.server.ctx.db, key, now());
    return a.id;
  }
  const get = async (id: number) => (await t.api('GET', `/api/alerts/${id}`)).body;

  it('resolves a cleared, acknowledged overdue alert after the configured time, and only that', async () => {
    const lt403 = await alert('calibration_overdue', { ack: true, clear: true });
    const notAcked = await alert('calibration_overdue', { ack: false, clear: true });
    const notCleared = await alert('calibration_overdue', { ack: true, clear: false });
    const otherType = await alert('rule_violation', { ack: true, clear: true });

    clock.advance(59 * 60_000);
    expect((await t.api('POST', '/api/alerts/scan-now')).body.auto_resolved).toBe(0);
    expect((await get(lt403)).status).toBe('acknowledged');

    clock.advance(60_000);
    const scan = await t.api('POST', '/api/alerts/scan-now');
    expect(scan.body.auto_resolved).toBe(1);
    const done = await get(lt403);
    expect(done).toMatchObject({ status: 'resolved', resolved_by: null, resolved_at: now() });
    expect(done.resolution_notes).toMatch(
      /^Resolved automatically: the condition cleared at .* no recurrence within 60 min/,
    );
    for (const id of [notAcked, notCleared, otherType]) expect((await get(id)).status).not.toBe('resolved');

    const events = (await t.api('GET', `/api/alerts/${lt403}/events`)).body as {
      event: string;
      details: unknown;
    }[];
    expect(events.map((e) => e.event)).toEqual(['raise', 'acknowledge', 'clear', 'resolve']);
    expect(events[3].details).toEqual({ automatic: true, minutes: 60 });
    const trail = (await t.api('GET', `/api/audit?entity_type=alert&entity_id=${lt403}&limit=20`)).body
      .items as {
      action: string;
      user_id: number | null;
    }[];
    expect(trail.find((a) => a.action === 'resolve')).toMatchObject({ user_id: null });

    // Idempotent: a second scan (or a second process) changes nothing.
    expect((await t.api('POST', '/api/alerts/scan-now')).body.auto_resolved).toBe(0);
  });

  it('counts from the later of clear and acknowledge, per alert type', async () => {
    const gap = await alert('data_gap', { ack: false, clear: true });
    clock.advance(10 * 60_000);
    await t.api('POST', `/api/alerts/${gap}/acknowledge`, { body: {} });
    clock.advance(4 * 60_000);
    expect((await t.api('POST', '/api/alerts/scan-now')).body.auto_resolved).toBe(0);
    clock.advance(60_000);
    expect((await t.api('POST', '/api/alerts/scan-now')).body.auto_resolved).toBe(1);
    expect((await get(gap)).status).toBe('resolved');
  });
});
