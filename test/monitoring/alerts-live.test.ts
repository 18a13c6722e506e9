import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStandard, points } from '../cmms/cmms-fixtures.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  type AlertBody,
  alertsOf,
  connectPublisher,
  FAST_MONITORING_ENV,
  type Point,
  publish,
  simInstrument,
  simulated,
} from './live-helpers.ts';

// One integration test per alert type the live monitor owns, through the real product: readings go
// over MQTT (published directly, or by the simulator with a fault injected through its admin API),
// through ingestion and the detectors, and the alerts are read back through the HTTP API.

const S = 1000;

describe('live monitoring: alerts from readings over MQTT', () => {
  let t: TestApp;
  let pub: MqttClient;
  beforeAll(async () => {
    t = await startTestApp({ env: FAST_MONITORING_ENV });
    pub = await connectPublisher(t);
  });
  afterAll(async () => {
    await pub?.endAsync();
    await t?.stop();
  });

  const one = async (instrumentId: number, type: string, condition?: string) =>
    waitFor(`${type} ${condition ?? ''} alert`, async () => {
      const list = await alertsOf(t, instrumentId, { alert_type: type, include_suppressed: 'true' });
      return list.find((a) => condition === undefined || a.condition === condition);
    });

  it('rule_violation: a chattering value raises one alert; a new episode after clearing is a second alert; acknowledge and resolve', async () => {
    const inst = await makeInstrument(t, {
      alarm_deadband: 0.2,
      alarm_on_delay_seconds: 0,
      publish_interval_seconds: 1,
    });
    const t0 = Date.now() - 120 * S;
    // 8.05 / 7.95 around the 8 bar high warning: crosses 20 times, never back below 8 - 0.2.
    const chatter: Point[] = Array.from({ length: 40 }, (_, i) => ({
      ts: t0 + i * S,
      value: i % 2 ? 7.95 : 8.05,
    }));
    await publish(t, pub, inst.tag, 'bar', chatter);
    const first = await one(inst.id, 'rule_violation', 'high_warning');
    expect(first).toMatchObject({
      severity: 'warning',
      status: 'raised',
      occurrence_count: 1,
      cleared_at: null,
    });
    expect(first.message).toMatch(/high warning/);
    expect(first.details).toMatchObject({ limit: 8, deadband: 0.2 });
    // The batched write moves last_seen to the newest reading while the condition is present.
    await waitFor('last_seen to follow the readings', async () => {
      const [a] = await alertsOf(t, inst.id, { alert_type: 'rule_violation' });
      return a.last_seen === new Date(t0 + 39 * S).toISOString();
    });
    expect(await alertsOf(t, inst.id, { alert_type: 'rule_violation' })).toHaveLength(1);

    // Back past limit - deadband: the clearing is recorded, the alert stays open.
    await publish(t, pub, inst.tag, 'bar', [{ ts: t0 + 41 * S, value: 7.5 }]);
    await waitFor(
      'cleared_at',
      async () => (await alertsOf(t, inst.id, { alert_type: 'rule_violation' }))[0].cleared_at,
    );

    // The same condition again after it cleared: a new episode is a new alert with its own time;
    // the cleared one stays open (for a person to resolve), untouched.
    await publish(t, pub, inst.tag, 'bar', [{ ts: t0 + 42 * S, value: 8.4 }]);
    const second = await waitFor('a second alert row', async () =>
      (await alertsOf(t, inst.id, { alert_type: 'rule_violation' })).find((a) => a.id !== first.id),
    );
    expect(second).toMatchObject({
      condition: 'high_warning',
      status: 'raised',
      occurrence_count: 1,
      cleared_at: null,
      first_seen: new Date(t0 + 42 * S).toISOString(),
    });
    const old = (await alertsOf(t, inst.id, { alert_type: 'rule_violation' })).find((a) => a.id === first.id);
    expect(old).toMatchObject({ occurrence_count: 1, cleared_at: new Date(t0 + 41 * S).toISOString() });
    // While the new episode lasts, repeats are counted on it, not on a third row.
    await publish(t, pub, inst.tag, 'bar', [{ ts: t0 + 42.5 * S, value: 8.45 }]);
    await waitFor('last_seen of the open episode', async () => {
      const list = await alertsOf(t, inst.id, { alert_type: 'rule_violation' });
      return list.find((a) => a.id === second.id)?.last_seen === new Date(t0 + 42.5 * S).toISOString();
    });
    expect(await alertsOf(t, inst.id, { alert_type: 'rule_violation' })).toHaveLength(2);
    await t.api('POST', `/api/alerts/${second.id}/resolve`, { body: { notes: 'second episode' } });

    // Lifecycle through the API.
    const ack = await t.api('POST', `/api/alerts/${first.id}/acknowledge`, { body: {} });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledged_by: expect.any(Number) });
    expect((await t.api('POST', `/api/alerts/${first.id}/acknowledge`, { body: {} })).body.error.code).toBe(
      'alert_invalid_transition',
    );
    const noNotes = await t.api('POST', `/api/alerts/${first.id}/resolve`, { body: {} });
    expect(noNotes.status).toBe(400);
    expect(JSON.stringify(noNotes.body.error)).toMatch(/notes/);
    const resolved = await t.api('POST', `/api/alerts/${first.id}/resolve`, {
      body: { notes: 'Pump re-seated' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution_notes: 'Pump re-seated' });

    // Resolved while the value is still above the limit: the next reading raises a new alert.
    await publish(t, pub, inst.tag, 'bar', [{ ts: t0 + 43 * S, value: 8.5 }]);
    const fresh = await waitFor('a new alert after resolve', async () =>
      (await alertsOf(t, inst.id, { alert_type: 'rule_violation', status: 'raised' })).find(
        (a) => a.id !== first.id && a.id !== second.id,
      ),
    );
    expect(fresh).toMatchObject({ condition: 'high_warning', occurrence_count: 1 });
  });

  it('rule_violation on-delay: a violation shorter than the delay raises nothing', async () => {
    const inst = await makeInstrument(t, { alarm_on_delay_seconds: 30, publish_interval_seconds: 1 });
    const t0 = Date.now() - 200 * S;
    const brief = Array.from({ length: 20 }, (_, i) => ({ ts: t0 + i * S, value: 8.5 }));
    await publish(t, pub, inst.tag, 'bar', [...brief, { ts: t0 + 20 * S, value: 7 }]);
    const held = Array.from({ length: 40 }, (_, i) => ({ ts: t0 + (60 + i) * S, value: 8.5 }));
    await publish(t, pub, inst.tag, 'bar', held);
    const a = await one(inst.id, 'rule_violation', 'high_warning');
    // Raised 30 s into the second, long violation, not during the first.
    expect(a.first_seen).toBe(new Date(t0 + 90 * S).toISOString());
  });

  it('suppression: after maintenance an alert is recorded with suppressed set, not raised; it becomes real if the condition outlasts the window', async () => {
    const inst = await makeInstrument(t, { alarm_on_delay_seconds: 0, publish_interval_seconds: 1 });
    // Maintenance done an hour ago less 4 s: the 60-minute suppression window ends in 4 s.
    const windowEnd = Date.now() + 4 * S;
    const m = await t.api('POST', '/api/maintenance', {
      body: {
        instrument_id: inst.id,
        action_type: 'corrective',
        description: 'Replaced the transmitter',
        performed_at: new Date(windowEnd - 60 * 60 * S).toISOString(),
      },
    });
    expect(m.status).toBe(201);
    await publish(t, pub, inst.tag, 'bar', [{ ts: Date.now() - 5 * S, value: 9.5 }]);
    const recorded = await one(inst.id, 'rule_violation', 'high_critical');
    expect(recorded).toMatchObject({ suppressed: true, severity: 'critical' });
    // Not in the default list (active, unsuppressed alerts).
    const listed = await t.api('GET', `/api/alerts?instrument_id=${inst.id}`);
    expect(listed.body.total).toBe(0);

    // Still above the limit after the window: the same alert turns into a real one.
    const real = await waitFor('the alert to outlast suppression', async () => {
      await publish(t, pub, inst.tag, 'bar', [{ ts: Date.now(), value: 9.6 }]);
      const active = await t.api('GET', `/api/alerts?instrument_id=${inst.id}&alert_type=rule_violation`);
      return active.body.items.find((a: AlertBody) => a.condition === 'high_critical') as
        | AlertBody
        | undefined;
    });
    expect(real).toMatchObject({ id: recorded.id, suppressed: false });
    expect(Date.parse(real.last_seen)).toBeGreaterThan(windowEnd);
  });

  it('instrument_fault (out of range): the simulator burn-out fault through the admin API', async () => {
    const inst = await makeInstrument(t, { publish_interval_seconds: 1 });
    const started = await t.api('POST', '/api/simulator/start', {
      body: { rate_multiplier: 4, tags: [inst.tag] },
    });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ running: true, instruments: 1, rate_multiplier: 4 });
    try {
      // Validation names the field; an unknown tag is a 404.
      const bad = await t.api('POST', '/api/simulator/faults', {
        body: { tag: inst.tag, kind: 'out_of_range', mA: 12 },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.field).toBe('mA');
      const badKind = await t.api('POST', '/api/simulator/faults', { body: { tag: inst.tag, kind: 'melt' } });
      expect(badKind.status).toBe(400);
      expect(JSON.stringify(badKind.body.error)).toMatch(/kind/);
      const unknown = await t.api('POST', '/api/simulator/faults', {
        body: { tag: 'NO-SUCH-TAG', kind: 'stuck' },
      });
      expect(unknown.status).toBe(404);

      const fault = await t.api('POST', '/api/simulator/faults', {
        body: { tag: inst.tag, kind: 'out_of_range', direction: 'high' },
      });
      expect(fault.status).toBe(201);
      expect((await t.api('GET', '/api/simulator/status')).body.faults).toMatchObject([
        { tag: inst.tag, kind: 'out_of_range' },
      ]);
      const alert = await one(inst.id, 'instrument_fault', 'signal_high');
      expect(alert).toMatchObject({ severity: 'critical', status: 'raised', suppressed: false });
      expect(alert.message).toMatch(/mA/);
      // Burn-out readings are a hardware fault: no process alarm from a 22 mA value.
      expect(await alertsOf(t, inst.id, { alert_type: 'rule_violation' })).toHaveLength(0);
      // Stored with their quality flag.
      await waitFor('fault quality in the live value', async () => {
        const i = await t.api('GET', `/api/instruments/${inst.id}`);
        return i.body.last_reading?.quality === 'fault';
      });

      const cleared = await t.api('DELETE', `/api/simulator/faults?tag=${inst.tag}`);
      expect(cleared.body).toEqual({ cleared: 1 });
      await waitFor('the fault condition to clear', async () => {
        const [a] = await alertsOf(t, inst.id, { alert_type: 'instrument_fault' });
        return a.cleared_at !== null;
      });
    } finally {
      const stopped = await t.api('POST', '/api/simulator/stop');
      expect(stopped.body.running).toBe(false);
    }
  });

  it('data_gap: the simulator dropout fault on one of two instruments; listed in /health while it lasts', async () => {
    const inst = await makeInstrument(t, { publish_interval_seconds: 0.5 });
    // A second instrument keeps publishing: the source is alive, so the silent one is judged alone.
    const other = await makeInstrument(t, { publish_interval_seconds: 0.5 });
    const started = await t.api('POST', '/api/simulator/start', {
      body: { rate_multiplier: 1, tags: [inst.tag, other.tag] },
    });
    expect(started.body).toMatchObject({ running: true, instruments: 2 });
    try {
      await waitFor(
        'first readings',
        async () => (await t.api('GET', `/api/instruments/${inst.id}`)).body.last_reading,
      );
      await t.api('POST', '/api/simulator/faults', { body: { tag: inst.tag, kind: 'dropout' } });
      const gap = await one(inst.id, 'data_gap', 'data_gap');
      expect(gap).toMatchObject({ severity: 'warning', status: 'raised' });
      expect(gap.message).toMatch(/no data/);
      const health = await t.api('GET', '/health');
      const listed = (health.body.data_gaps as { tag: string; last_seen: string }[]).find(
        (g) => g.tag === inst.tag,
      );
      expect(listed?.last_seen).toEqual(expect.any(String));
      const metrics = await t.api('GET', '/metrics');
      expect(metrics.body).toMatch(/cmms_instruments_in_data_gap [1-9]/);
      expect(metrics.body).toMatch(/cmms_detector_events_total\{alert_type="data_gap",kind="raise"\} [1-9]/);

      await t.api('DELETE', `/api/simulator/faults?tag=${inst.tag}&kind=dropout`);
      await waitFor('the gap to clear', async () => {
        const [a] = await alertsOf(t, inst.id, { alert_type: 'data_gap' });
        return a.cleared_at !== null;
      });
      const after = await t.api('GET', '/health');
      expect((after.body.data_gaps as { tag: string }[]).some((g) => g.tag === inst.tag)).toBe(false);
      // One alert for the gap, however many clock ticks saw it; none for the one that kept publishing.
      expect(await alertsOf(t, inst.id, { alert_type: 'data_gap' })).toHaveLength(1);
      expect(await alertsOf(t, other.id, { alert_type: 'data_gap' })).toHaveLength(0);
    } finally {
      await t.api('POST', '/api/simulator/stop');
    }
  });

  it('instrument_fault (stuck): readings from the simulator stuck fault freeze past the window', async () => {
    const inst = await makeInstrument(t, {
      publish_interval_seconds: 1,
      stuck_window_minutes: 1,
      stuck_deadband: 0.001,
    });
    const end = Math.floor(Date.now() / S) * S - 5 * S;
    const readings = simulated(simInstrument(inst), end - 200 * S, end, [
      { spec: { kind: 'stuck' }, startMs: end - 120 * S },
    ]);
    await publish(t, pub, inst.tag, 'bar', readings);
    const alert = await one(inst.id, 'instrument_fault', 'stuck');
    expect(alert).toMatchObject({ severity: 'warning', status: 'raised' });
    expect(alert.message).toMatch(/frozen/);
    expect(alert.details).toMatchObject({ window_minutes: 1 });
    const snap = t.server.ctx.monitor.snapshot(inst.id);
    expect(snap?.stuck.active).toBe(true);
  });

  it('drift: a bias from the simulator raises a CUSUM drift alert; a calibration resets the CUSUM', async () => {
    const inst = await makeInstrument(t, { publish_interval_seconds: 10, cusum_h: 10 });
    const minute = 60 * S;
    const end = Math.floor(Date.now() / minute) * minute - minute;
    const from = end - 20 * minute;
    // 10 windows of warm-up (CUSUM_WARMUP_WINDOWS=10), then a +10 % of span bias.
    const readings = simulated(simInstrument(inst), from, end, [
      { spec: { kind: 'bias', offsetPct: 10 }, startMs: from + 12 * minute },
    ]);
    await publish(t, pub, inst.tag, 'bar', readings);
    const drift: AlertBody = await one(inst.id, 'drift', 'cusum_up');
    expect(drift).toMatchObject({ severity: 'warning', status: 'raised' });
    const d = drift.details as Record<string, number | string>;
    expect(d.direction).toBe('up');
    expect(d.h).toBe(10);
    expect(d.statistic as number).toBeGreaterThan(10);
    // About +1 bar on a 0-10 bar span. The estimate at alarm time is rough, and more so here where
    // past-dated readings race the wall-clock window closing on a loaded machine.
    expect(d.estimated_shift as number).toBeGreaterThan(0.2);
    expect(d.estimated_shift as number).toBeLessThan(1.5);
    expect(d.shift_pct_of_span as number).toBeCloseTo((d.estimated_shift as number) * 10, 6);
    expect(d.drift_rate_per_day as number).toBeGreaterThan(0);
    expect(drift.message).toMatch(/drift up/);
    expect(t.server.ctx.monitor.snapshot(inst.id)?.cusum).toMatchObject({ alarm_up: true, h: 10 });

    const std = await makeStandard(t, new Date());
    const cal = await t.api('POST', '/api/calibrations', {
      body: { instrument_id: inst.id, reference_standard_id: std.id, points: points(0.1, 0.05) },
    });
    expect(cal.status).toBe(201);
    await waitFor('the drift condition to clear on calibration', async () => {
      const [a] = await alertsOf(t, inst.id, { alert_type: 'drift' });
      return a.cleared_at !== null;
    });
    expect(t.server.ctx.monitor.snapshot(inst.id)?.cusum).toMatchObject({
      s_plus: 0,
      s_minus: 0,
      alarm_up: false,
      windows_processed: 0,
    });
  });
});
