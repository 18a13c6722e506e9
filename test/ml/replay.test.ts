import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyScorer } from '../../src/ml/anomaly-scorer.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor, waitForJob } from '../helpers/wait.ts';
import { cleanReadings, MIN, publishReadings, simOf, storeReadings } from './ml-helpers.ts';

// Issue 11 item 6: a historian export replayed through MQTT faster than real time is judged on event
// time. The scorer's clock (which closes the windows of quiet instruments) runs on each instrument's
// event clock, so the wall clock, an hour ahead of the replayed readings, cuts no window short, and
// the alert carries the replayed time.

const floorMin = (ms: number) => Math.floor(ms / MIN) * MIN;

describe('anomaly scoring of a replay', () => {
  let t: TestApp;
  let inst: Awaited<ReturnType<typeof makeInstrument>>;
  beforeAll(async () => {
    t = await startTestApp();
    inst = await makeInstrument(t, { publish_interval_seconds: 5, nominal_value: 5 });
    const end = floorMin(Date.now()) - 3 * 60 * MIN;
    const from = end - 60 * MIN;
    await storeReadings(t, inst.id, cleanReadings(simOf(inst), from, end));
    const b = await t.api('POST', '/api/ml/baselines', {
      body: { tag: inst.tag, start: new Date(from).toISOString(), end: new Date(end).toISOString() },
    });
    expect(b.status).toBe(201);
    const train = await t.api('POST', `/api/ml/train/${inst.tag}`);
    expect(train.status).toBe(202);
    expect((await waitForJob(t, train.body.job_id)).status).toBe('succeeded');
    await waitFor('the scorer to load the model', async () => t.server.ctx.anomaly.snapshot(inst.id));
  }, 120_000);
  afterAll(() => t?.stop());

  it('judges replayed windows on event time and stamps the alert in event time', async () => {
    const scorer = t.server.ctx.anomaly as AnomalyScorer;
    const T = floorMin(Date.now()) - 60 * MIN; // the export is an hour old
    const steady = [];
    for (let ts = T; ts <= T + 270_000; ts += 5_000)
      steady.push({ ts, value: 5 + 0.01 * Math.sin(ts / 7_000) });
    await publishReadings(t, inst.tag, 'bar', steady);
    // 60 s windows every 15 s: boundaries T + 15 s .. T + 270 s; the first holds 3 readings (skipped).
    await waitFor('the replayed windows', async () => (scorer.snapshot(inst.id)?.windows_scored ?? 0) >= 17);
    expect(scorer.snapshot(inst.id)).toMatchObject({ windows_scored: 17, windows_skipped: 1 });
    // The wall clock is an hour past these windows; their event clock is not: nothing is closed early.
    scorer.tick(Date.now());
    expect(scorer.snapshot(inst.id)).toMatchObject({ windows_scored: 17, windows_skipped: 1 });

    // The loop starts hunting (15 % of span, 20 s period) for 4 minutes of event time.
    const hunting = [];
    for (let ts = T + 275_000; ts < T + 515_000; ts += 5_000)
      hunting.push({ ts, value: 5 + 1.5 * Math.sin((2 * Math.PI * ts) / 20_000) });
    await publishReadings(t, inst.tag, 'bar', hunting);
    const alert = await waitFor('an anomaly alert', async () => {
      const res = await t.api('GET', `/api/alerts?instrument_id=${inst.id}&alert_type=anomaly`);
      return res.body.items[0];
    });
    const raisedAt = Date.parse(alert.first_seen);
    expect(raisedAt).toBeGreaterThan(T + 275_000);
    expect(raisedAt).toBeLessThanOrEqual(T + 515_000);
    expect(raisedAt % 15_000).toBe(0); // a window boundary of the replayed time
    // Every window up to the last replayed reading was judged whole, none cut short.
    expect(scorer.snapshot(inst.id)).toMatchObject({ windows_skipped: 1 });
    expect(scorer.snapshot(inst.id)?.window_end).toBe(new Date(T + 510_000).toISOString());
  });
});
