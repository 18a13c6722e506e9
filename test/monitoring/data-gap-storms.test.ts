import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorService } from '../../src/monitoring/monitor-service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';
import { type AlertBody, alertsOf, connectPublisher, FAST_MONITORING_ENV } from './live-helpers.ts';

// Issue 11 item 4 and the data-gap half of item 6, through the real product: readings over the real
// broker, the wall clock injected (ManualClock) so that "nothing arrived for a minute" is exact, the
// gap clock driven by MonitorService.clockTick() (what its timer calls), alerts read over HTTP.

const S = 1000;
const SOURCE_SECONDS = 30;
const GRACE_SECONDS = 120;

interface Inst {
  id: number;
  tag: string;
}

async function publishAt(
  t: TestApp,
  pub: MqttClient,
  readings: { inst: Inst; ts: number; value?: number }[],
) {
  // One gateway message with several tags, in event-time order.
  const body = readings.map((r) => ({
    tag: r.inst.tag,
    timestamp: new Date(r.ts).toISOString(),
    value: r.value ?? 5,
    unit: 'bar',
  }));
  await pub.publishAsync(`${t.mqtt.topicPrefix}/gateway`, JSON.stringify(body), { qos: 1 });
}

/** Waits until the monitor has seen every instrument's reading up to `ts`. */
async function seen(t: TestApp, insts: Inst[], ts: number) {
  const mon = t.server.ctx.monitor as MonitorService;
  await waitFor('the readings to reach the detectors', async () =>
    insts.every((i) => {
      const last = mon.snapshot(i.id)?.last_reading?.timestamp;
      return last !== undefined && Date.parse(last) >= ts;
    }),
  );
}

async function sourceAlerts(t: TestApp): Promise<(AlertBody & { source: string | null })[]> {
  const res = await t.api('GET', '/api/alerts?alert_type=data_gap&status=all&limit=100');
  return res.body.items.filter((a: { source: string | null }) => a.source === 'ingestion');
}

async function gapAlertsOf(t: TestApp, insts: Inst[]) {
  return (await Promise.all(insts.map((i) => alertsOf(t, i.id, { alert_type: 'data_gap' })))).flat();
}

describe('data gaps without storms (wall clock injected)', () => {
  let t: TestApp;
  let pub: MqttClient;
  let clock: ManualClock;
  let mon: MonitorService;
  const tick = async () => {
    mon.clockTick();
    await mon.drain();
  };

  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestApp({
      clock,
      env: {
        ...FAST_MONITORING_ENV,
        DATA_GAP_CHECK_SECONDS: '3600', // the test drives the clock itself
        DATA_GAP_SOURCE_SECONDS: String(SOURCE_SECONDS),
        DATA_GAP_GRACE_SECONDS: String(GRACE_SECONDS),
      },
    });
    pub = await connectPublisher(t);
    mon = t.server.ctx.monitor as MonitorService;
  });
  afterAll(async () => {
    await pub?.endAsync();
    await t?.stop();
  });

  it('publishing stops: ONE data_gap alert for the ingestion source, none per instrument; cleared when data flows; a new outage is a second row', async () => {
    const insts = await Promise.all([1, 2, 3].map(() => makeInstrument(t, { publish_interval_seconds: 1 })));
    for (let s = 0; s < 5; s++) {
      clock.advance(S);
      await publishAt(
        t,
        pub,
        insts.map((inst) => ({ inst, ts: clock.now().getTime() })),
      );
    }
    const lastTs = clock.now().getTime();
    await seen(t, insts, lastTs);
    await tick();
    expect(await sourceAlerts(t)).toHaveLength(0);

    // Broker quiet: the newest reading stops moving, so no instrument is judged on its own.
    clock.advance(SOURCE_SECONDS * S + 1);
    await tick();
    clock.advance(10 * 60 * S);
    await tick();
    const [source, ...more] = await sourceAlerts(t);
    expect(more).toHaveLength(0);
    expect(source).toMatchObject({
      instrument_id: null,
      tag: null,
      condition: 'data_gap',
      status: 'raised',
      occurrence_count: 1,
      cleared_at: null,
      first_seen: new Date(lastTs + SOURCE_SECONDS * S + 1).toISOString(),
    });
    expect(source.message).toMatch(/no reading from any instrument/);
    expect(await gapAlertsOf(t, insts)).toHaveLength(0);
    // A source alert is about the system: no work order can be raised from it.
    const wo = await t.api('POST', '/api/work-orders/from-alert', { body: { alert_id: source.id } });
    expect(wo.status).toBe(422);

    // Data flows again: the source alert clears at that reading; the instruments are not in a gap.
    clock.advance(S);
    const resumeTs = clock.now().getTime();
    await publishAt(
      t,
      pub,
      insts.map((inst) => ({ inst, ts: resumeTs })),
    );
    await seen(t, insts, resumeTs);
    await tick();
    await waitFor('the source alert to clear', async () => (await sourceAlerts(t))[0]?.cleared_at);
    expect((await sourceAlerts(t))[0].cleared_at).toBe(new Date(resumeTs).toISOString());
    expect(await gapAlertsOf(t, insts)).toHaveLength(0);

    // A second outage: a new alert occurrence with its own time, the first one untouched.
    clock.advance(SOURCE_SECONDS * S + 1);
    await tick();
    const both = await sourceAlerts(t);
    expect(both).toHaveLength(2);
    const second = both.find((a) => a.id !== source.id);
    expect(second).toMatchObject({
      first_seen: new Date(resumeTs + SOURCE_SECONDS * S + 1).toISOString(),
      cleared_at: null,
      occurrence_count: 1,
    });
    expect(both.find((a) => a.id === source.id)?.occurrence_count).toBe(1);
    expect(await gapAlertsOf(t, insts)).toHaveLength(0);
    // /health details need a token (issue 10 item 12).
    const health = await t.api('GET', '/health');
    expect(health.body.monitoring).toMatchObject({ source_gap: true });
  });

  it('only some instruments go quiet: per-instrument data gaps as before, no source alert', async () => {
    const before = (await sourceAlerts(t)).length;
    const [quiet, alive] = await Promise.all(
      [1, 2].map(() => makeInstrument(t, { publish_interval_seconds: 1 })),
    );
    let ts = 0;
    for (let s = 0; s < 3; s++) {
      clock.advance(S);
      ts = clock.now().getTime();
      await publishAt(t, pub, [
        { inst: quiet, ts },
        { inst: alive, ts },
      ]);
    }
    const quietLast = ts;
    for (let s = 0; s < 5; s++) {
      clock.advance(S);
      ts = clock.now().getTime();
      await publishAt(t, pub, [{ inst: alive, ts }]);
    }
    await seen(t, [alive], ts);
    await tick();
    const gap = await waitFor(
      'the quiet instrument in a gap',
      async () => (await alertsOf(t, quiet.id, { alert_type: 'data_gap' }))[0],
    );
    expect(gap.details).toMatchObject({ last_seen: new Date(quietLast).toISOString() });
    expect(gap.first_seen).toBe(new Date(ts).toISOString()); // judged at the newest reading's time
    expect(await alertsOf(t, alive.id, { alert_type: 'data_gap' })).toHaveLength(0);
    // The earlier outage's alert cleared with this data; nothing new for the source.
    const sources = await sourceAlerts(t);
    expect(sources).toHaveLength(before);
    expect(sources.every((a) => a.cleared_at !== null)).toBe(true);
  });

  it('an instrument that never published is flagged after its grace period, not before', async () => {
    const never = await makeInstrument(t, { publish_interval_seconds: 1 });
    const keepAlive = await makeInstrument(t, { publish_interval_seconds: 60 });
    // keepAlive reports every 20 s (under the source threshold): the source stays alive.
    for (let s = 1; s <= 7; s++) {
      clock.advance(20 * S);
      const ts = clock.now().getTime();
      await publishAt(t, pub, [{ inst: keepAlive, ts }]);
      await seen(t, [keepAlive], ts);
      await tick();
      if (s * 20 < GRACE_SECONDS)
        expect(await alertsOf(t, never.id, { alert_type: 'data_gap' })).toHaveLength(0);
    }
    const [a] = await waitFor('the never-published alert', async () => {
      const list = await alertsOf(t, never.id, { alert_type: 'data_gap' });
      return list.length > 0 ? list : null;
    });
    expect(a.message).toMatch(/never published/);
    expect(a.details).toMatchObject({ never_published: true, last_seen: null });
    const since = Date.parse(a.details?.watched_since);
    expect(Date.parse(a.first_seen) - since).toBeGreaterThan(GRACE_SECONDS * S);
    expect(await alertsOf(t, keepAlive.id, { alert_type: 'data_gap' })).toHaveLength(0);
  });

  it('the subscriber stops: one source alert that says so', async () => {
    const before = (await sourceAlerts(t)).length;
    await t.server.ctx.ingestion?.stop();
    clock.advance(SOURCE_SECONDS * S + 1);
    await tick();
    const list = await sourceAlerts(t);
    expect(list).toHaveLength(before + 1);
    const open = list.find((a) => a.cleared_at === null);
    expect(open?.message).toMatch(/disconnected/);
    expect(open?.details).toMatchObject({ subscriber_connected: false });
  });
});

describe('a historian export replayed through MQTT faster than real time', () => {
  let t: TestApp;
  let pub: MqttClient;

  beforeAll(async () => {
    // The wall clock stands still: everything the gap clock knows comes from the readings' times.
    t = await startTestApp({
      clock: new ManualClock(Date.now()),
      env: {
        ...FAST_MONITORING_ENV,
        DATA_GAP_CHECK_SECONDS: '5',
        DATA_GAP_SOURCE_SECONDS: String(SOURCE_SECONDS),
        DATA_GAP_GRACE_SECONDS: String(GRACE_SECONDS),
      },
    });
    pub = await connectPublisher(t);
  });
  afterAll(async () => {
    await pub?.endAsync();
    await t?.stop();
  });

  it('raises the gaps that are in the data, stamped in event time, and no false ones', async () => {
    const [r1, r2] = await Promise.all([1, 2].map(() => makeInstrument(t, { publish_interval_seconds: 1 })));
    const h0 = Math.floor((Date.now() - 86_400_000) / 60_000) * 60_000; // yesterday
    // 10 minutes at 1 s; r2 silent 300..320 s; the whole export silent 420..480 s.
    const rows: { inst: Inst; ts: number }[] = [];
    for (let s = 0; s < 600; s++) {
      if (s > 420 && s < 480) continue;
      rows.push({ inst: r1, ts: h0 + s * S });
      if (s <= 300 || s >= 320) rows.push({ inst: r2, ts: h0 + s * S });
    }
    for (let i = 0; i < rows.length; i += 40) await publishAt(t, pub, rows.slice(i, i + 40));
    await seen(t, [r1, r2], h0 + 599 * S);
    const mon = t.server.ctx.monitor as MonitorService;
    await mon.drain();

    const r2Gaps = await waitFor('r2 gap', async () => {
      const list = await alertsOf(t, r2.id, { alert_type: 'data_gap' });
      return list.length > 0 && list.every((a) => a.cleared_at) ? list : null;
    });
    expect(r2Gaps).toHaveLength(1);
    const raisedAt = Date.parse(r2Gaps[0].first_seen);
    // Live, the clock would see it at its first tick (every 5 s) after 2 s of silence.
    expect(raisedAt).toBeGreaterThan(h0 + 302 * S);
    expect(raisedAt).toBeLessThanOrEqual(h0 + 308 * S);
    expect(r2Gaps[0].cleared_at).toBe(new Date(h0 + 320 * S).toISOString());
    expect(await alertsOf(t, r1.id, { alert_type: 'data_gap' })).toHaveLength(0);

    // The silence of the whole export: one source alert, raised and cleared in event time.
    const res = await t.api('GET', '/api/alerts?alert_type=data_gap&status=all&limit=100');
    const source = res.body.items.filter((a: { source: string | null }) => a.source === 'ingestion');
    expect(source).toHaveLength(1);
    expect(source[0]).toMatchObject({
      first_seen: new Date(h0 + 420 * S + SOURCE_SECONDS * S).toISOString(),
      cleared_at: new Date(h0 + 480 * S).toISOString(),
    });
  });
});

describe('first start of the demo on its seeded history', () => {
  let t: TestApp;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    // Default grace and source threshold; no simulator, so nothing publishes at all.
    t = await startTestApp({
      clock,
      env: { SEED_DEMO: 'true', SIMULATOR_ENABLED: 'false', DATA_GAP_CHECK_SECONDS: '3600' },
    });
    // Seeding the demo replays 30 days through the detectors: more than the default hook time on a
    // loaded machine.
  }, 180_000);
  afterAll(() => t?.stop());

  const gapAlerts = async () =>
    (await t.api('GET', '/api/alerts?alert_type=data_gap&status=all&limit=100')).body.items as {
      instrument_id: number | null;
      source: string | null;
      message: string;
    }[];

  it('stays quiet through the grace period, then raises one source alert, not one per instrument', async () => {
    const mon = t.server.ctx.monitor as MonitorService;
    const instruments = (await t.api('GET', '/api/instruments?limit=100')).body.items as unknown[];
    expect(instruments.length).toBeGreaterThan(3);
    // Far past 2x every demo instrument's interval (2-5 s) since the seeded history ended.
    clock.advance(60 * S);
    mon.clockTick();
    await mon.drain();
    expect(await gapAlerts()).toEqual([]);
    // Past the grace period (DATA_GAP_GRACE_SECONDS, 300 s): still nothing has arrived at all.
    clock.advance(300 * S);
    mon.clockTick();
    await mon.drain();
    const alerts = await gapAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ instrument_id: null, source: 'ingestion' });
    expect(alerts[0].message).toMatch(/since start-up/);
  });
});
