import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';
import { alertsOf, connectPublisher, FAST_MONITORING_ENV, publish } from '../monitoring/live-helpers.ts';

// Issue 14 item 1, live: readings over MQTT on an instrument out of service raise a suppressed
// alarm (journalled 'suppress'); once it returns to service the condition, still present, becomes
// an active alarm (journalled 'raise') through the aggregator's batched repeats.
describe('out of service, live over MQTT', () => {
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

  it('suppresses alarms while out of service and raises them when it returns', async () => {
    const inst = await makeInstrument(t, { alarm_on_delay_seconds: 0, publish_interval_seconds: 1 });
    const out = await t.api('POST', `/api/instruments/${inst.id}/out-of-service`, {
      body: { reason: 'isolated' },
    });
    expect(out.status).toBe(200);
    const t0 = Date.parse(out.body.open[0].started_at) + 1000;
    await publish(
      t,
      pub,
      inst.tag,
      'bar',
      [0, 1, 2].map((i) => ({ ts: t0 + i * 1000, value: 9.5 })),
    );
    const suppressed = await waitFor('suppressed high_critical', async () =>
      (await alertsOf(t, inst.id, { include_suppressed: 'true' })).find(
        (a) => a.condition === 'high_critical',
      ),
    );
    expect(suppressed.suppressed).toBe(true);
    expect((await alertsOf(t, inst.id, { status: 'active' })).length).toBe(0);

    const back = await t.api('POST', `/api/instruments/${inst.id}/return-to-service`, { body: {} });
    expect(back.status).toBe(200);
    const t1 = Date.parse(back.body.history[0].ended_at) + 1000;
    await publish(
      t,
      pub,
      inst.tag,
      'bar',
      [0, 1, 2].map((i) => ({ ts: t1 + i * 1000, value: 9.6 })),
    );
    const active = await waitFor('the alarm active after return to service', async () =>
      (await alertsOf(t, inst.id, { status: 'active' })).find((a) => a.id === suppressed.id),
    );
    expect(active.suppressed).toBe(false);
    const events = (await t.api('GET', `/api/alerts/${suppressed.id}/events`)).body.map(
      (e: { event: string }) => e.event,
    );
    expect(events).toEqual(['suppress', 'raise']);
  });
});
