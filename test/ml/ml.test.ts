import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor, waitForJob } from '../helpers/wait.ts';
import {
  cleanReadings,
  expectChainedActivations,
  MIN,
  publishReadings,
  simOf,
  storeReadings,
} from './ml-helpers.ts';

// The ML API end to end: baselines, training in a worker thread through the job queue, versioned
// models with rollback, live scoring of published readings, and the status endpoint.

const now = () => Date.now();
const floorMin = (ms: number) => Math.floor(ms / MIN) * MIN;

describe('reference baselines', () => {
  let t: TestApp;
  let tech: { token: string };
  let inst: Awaited<ReturnType<typeof makeInstrument>>;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
    inst = await makeInstrument(t, { publish_interval_seconds: 5 });
  });
  afterAll(() => t?.stop());

  it('validates the range, the tag and the role', async () => {
    const end = new Date(floorMin(now()) - 10 * MIN).toISOString();
    const start = new Date(floorMin(now()) - 70 * MIN).toISOString();
    const cases: [Record<string, unknown>, number, string | null][] = [
      [{ start, end }, 400, 'tag'],
      [{ tag: inst.tag, start: 'yesterday', end }, 400, 'start'],
      [{ tag: inst.tag, start, end: '2026-13-01T00:00:00Z' }, 400, 'end'],
      [{ tag: inst.tag, start: end, end: start }, 400, 'end'],
      [{ tag: inst.tag, start, end: start }, 400, 'end'],
      [{ tag: inst.tag, start, end: new Date(now() + 3_600_000).toISOString() }, 400, 'end'],
      [{ tag: inst.tag, start, end: new Date(Date.parse(start) + 30_000).toISOString() }, 400, 'end'],
      [{ tag: 'NO-SUCH-TAG', start, end }, 404, null],
    ];
    for (const [body, status, field] of cases) {
      const res = await t.api('POST', '/api/ml/baselines', { body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      if (field) expect(res.body.error.details.field, JSON.stringify(body)).toBe(field);
      else expect(res.body.error.code).toBe('instrument_not_found');
    }
    const asTech = await t.api('POST', '/api/ml/baselines', {
      token: tech.token,
      body: { tag: inst.tag, start, end },
    });
    expect(asTech.status).toBe(403);
  });

  it('creates, lists and soft-deletes baselines, each step audited', async () => {
    const sim = simOf(inst);
    const to = floorMin(now()) - 10 * MIN;
    const from = to - 60 * MIN;
    await storeReadings(t, inst.id, cleanReadings(sim, from, to));
    const created = await t.api('POST', '/api/ml/baselines', {
      body: { tag: inst.tag, start: new Date(from).toISOString(), end: new Date(to).toISOString() },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      instrument_id: inst.id,
      tag: inst.tag,
      start: new Date(from).toISOString(),
      end: new Date(to).toISOString(),
      windows: 60,
      readings: 720,
      created_by: 1,
    });
    // One hour is below the 8 CUSUM windows (6 h each) a reference needs: the CUSUM keeps warming up.
    expect(created.body.cusum_reference).toBeNull();

    const list = await t.api('GET', `/api/ml/baselines?tag=${inst.tag}`, { token: tech.token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(list.body.items[0].id).toBe(created.body.id);
    const other = await t.api('GET', '/api/ml/baselines?tag=NO-SUCH-TAG');
    expect(other.body.total).toBe(0);

    expect(
      (await t.api('DELETE', `/api/ml/baselines/${created.body.id}`, { token: tech.token })).status,
    ).toBe(403);
    expect((await t.api('DELETE', `/api/ml/baselines/${created.body.id}`)).status).toBe(200);
    expect((await t.api('GET', `/api/ml/baselines?tag=${inst.tag}`)).body.total).toBe(0);
    const again = await t.api('DELETE', `/api/ml/baselines/${created.body.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('ml_baseline_not_found');

    const audit = await t.api('GET', `/api/audit?entity_type=ml_baseline&entity_id=${created.body.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action).reverse()).toEqual(['create', 'delete']);
  });

  it('sets the CUSUM reference from baselines covering enough CUSUM windows', async () => {
    const t2 = await startTestApp({ env: { CUSUM_WINDOW_MINUTES: '5' } });
    try {
      const i2 = await makeInstrument(t2, { publish_interval_seconds: 5 });
      // Aligned to the 5 min CUSUM windows, so the hour holds exactly 12 of them.
      const to = Math.floor(now() / (5 * MIN)) * 5 * MIN - 10 * MIN;
      const from = to - 60 * MIN;
      await storeReadings(t2, i2.id, cleanReadings(simOf(i2), from, to));
      const created = await t2.api('POST', '/api/ml/baselines', {
        body: { tag: i2.tag, start: new Date(from).toISOString(), end: new Date(to).toISOString() },
      });
      expect(created.status).toBe(201);
      const ref = created.body.cusum_reference;
      expect(ref.windows).toBe(12);
      expect(ref.mean).toBeGreaterThan(4);
      expect(ref.mean).toBeLessThan(6);
      expect(ref.sigma).toBeGreaterThan(0);
      await waitFor('the monitor to adopt the reference', async () => {
        const s = await t2.api('GET', `/api/instruments/${i2.id}/status`);
        return s.body.cusum?.baseline_source === 'reference' && s.body.cusum.baseline_mean === ref.mean;
      });
      expect((await t2.api('DELETE', `/api/ml/baselines/${created.body.id}`)).status).toBe(200);
      const audit = await t2.api('GET', `/api/audit?entity_type=instrument&entity_id=${i2.id}&action=update`);
      expect(audit.body.items[0].new_value).toMatchObject({ baseline_mean: null, baseline_std: null });
      expect(audit.body.items[1].new_value).toMatchObject({
        baseline_mean: ref.mean,
        baseline_std: ref.sigma,
      });
    } finally {
      await t2.stop();
    }
  });
});

describe('training, versions and rollback', () => {
  let t: TestApp;
  let tech: { token: string };
  let inst: Awaited<ReturnType<typeof makeInstrument>>;
  let baselineEnd: number;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
    inst = await makeInstrument(t, { publish_interval_seconds: 5, nominal_value: 5 });
    baselineEnd = floorMin(now()) - 15 * MIN;
    const from = baselineEnd - 6 * 60 * MIN;
    await storeReadings(t, inst.id, cleanReadings(simOf(inst), from, baselineEnd));
    const res = await t.api('POST', '/api/ml/baselines', {
      body: { tag: inst.tag, start: new Date(from).toISOString(), end: new Date(baselineEnd).toISOString() },
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => t?.stop());

  it('refuses to train without a baseline or with too few windows, with a clear 400', async () => {
    const bare = await makeInstrument(t, { publish_interval_seconds: 5 });
    const none = await t.api('POST', `/api/ml/train/${bare.tag}`);
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('ml_no_baseline');
    expect(none.body.error.message).toContain('POST /api/ml/baselines');

    // The minimum is data (ML_MIN_TRAINING_SECONDS, 300 s), not a count of 60 s windows: 4 minutes
    // at 5 s is 48 readings, 240 s, too little; 400 s (what a short experiment gives) trains.
    const to = floorMin(now()) - 10 * MIN;
    await storeReadings(t, bare.id, cleanReadings(simOf(bare), to - 4 * MIN, to));
    const b = await t.api('POST', '/api/ml/baselines', {
      body: { tag: bare.tag, start: new Date(to - 4 * MIN).toISOString(), end: new Date(to).toISOString() },
    });
    const few = await t.api('POST', `/api/ml/train/${bare.tag}`);
    expect(few.status).toBe(400);
    expect(few.body.error.code).toBe('ml_too_few_windows');
    expect(few.body.error.details).toMatchObject({
      readings: 48,
      seconds: 240,
      required_seconds: 300,
      windows: 13,
      window_seconds: 60,
      stride_seconds: 15,
    });
    expect(few.body.error.message).toMatch(/48 good readings \(240 s of data\).* at least 300 s of data/);
    await t.api('DELETE', `/api/ml/baselines/${b.body.id}`);
    const from400 = to - 400_000;
    await storeReadings(t, bare.id, cleanReadings(simOf(bare), from400, to - 4 * MIN));
    await t.api('POST', '/api/ml/baselines', {
      body: { tag: bare.tag, start: new Date(from400).toISOString(), end: new Date(to).toISOString() },
    });
    const short = await t.api('POST', `/api/ml/train/${bare.tag}`);
    expect(short.status).toBe(202);
    const shortJob = await waitForJob(t, short.body.job_id);
    expect(shortJob).toMatchObject({ status: 'succeeded' });
    // (400 - 60) / 15 + 1 sliding windows of 60 s, one every 15 s.
    expect(shortJob.result_summary.windows_used).toBe(23);

    // A training of the same instrument already running (claimed by this server's runner): 409.
    const at = new Date().toISOString();
    const running = await t.server.ctx.db
      .insertInto('background_jobs')
      .values({
        job_type: 'ml.train',
        status: 'running',
        progress: 0.5,
        params: JSON.stringify({ instrument_id: inst.id, tag: inst.tag }),
        worker_id: t.server.ctx.jobs.workerId,
        heartbeat_at: at,
        started_at: at,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const busy = await t.api('POST', `/api/ml/train/${inst.tag}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({
      code: 'ml_training_in_progress',
      details: { job_id: running.id },
    });
    await t.server.ctx.db
      .updateTable('background_jobs')
      .set({ status: 'failed' })
      .where('id', '=', running.id)
      .execute();

    expect((await t.api('POST', '/api/ml/train/NO-SUCH-TAG')).status).toBe(404);
    expect((await t.api('POST', `/api/ml/train/${inst.tag}`, { token: tech.token })).status).toBe(403);
  }, 90_000); // includes one training in a worker thread

  it('train -> 202 -> job succeeds -> version 1 active; again -> v2; activate v1 rolls back', async () => {
    const res = await t.api('POST', `/api/ml/train/${inst.tag}`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ job_id: expect.any(Number), status: 'queued' });
    // The API keeps answering while the worker thread trains.
    const during = await t.api('GET', '/api/instruments');
    expect(during.status).toBe(200);
    const job = await waitForJob(t, res.body.job_id);
    expect(job).toMatchObject({ type: 'ml.train', status: 'succeeded', progress: 1, error: null });
    expect(job.result_summary).toMatchObject({ tag: inst.tag, version: 1, windows_used: 1437 });

    const v1 = await t.api('GET', `/api/ml/models/${inst.tag}`, { token: tech.token });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ total: 1, active_version: 1 });
    expect(v1.body.items[0]).toMatchObject({
      tag: inst.tag,
      version: 1,
      trained_by: 1,
      windows_used: 1437,
      contamination: 0.05,
      feature_set_version: 3,
      is_active: true,
      model_file: path.join('models', inst.tag, 'v1.json'),
    });
    expect(v1.body.items[0].threshold).toBeGreaterThan(0.3);
    expect(v1.body.items[0].threshold).toBeLessThan(1);
    expect(v1.body.items[0].metrics).toMatchObject({
      trees: 100,
      seed: 42,
      readings_used: 4320,
      window_seconds: 60,
      stride_seconds: 15,
    });
    expect(existsSync(path.join(t.dataDir, 'models', inst.tag, 'v1.json'))).toBe(true);

    const again = await t.api('POST', `/api/ml/train/${inst.tag}`);
    expect(again.status).toBe(202);
    expect((await waitForJob(t, again.body.job_id)).status).toBe('succeeded');
    const v2 = await t.api('GET', `/api/ml/models/${inst.tag}`);
    expect(v2.body.active_version).toBe(2);
    expect(v2.body.items.map((m: any) => [m.version, m.is_active])).toEqual([
      [2, true],
      [1, false],
    ]);
    // Same baseline, same seed: the same forest.
    expect(v2.body.items[0].threshold).toBe(v2.body.items[1].threshold);

    const rollback = await t.api('POST', `/api/ml/models/${inst.tag}/1/activate`);
    expect(rollback.status).toBe(200);
    expect(rollback.body).toMatchObject({ version: 1, is_active: true });
    const after = await t.api('GET', `/api/ml/models/${inst.tag}`);
    expect(after.body.active_version).toBe(1);
    expect(after.body.items.map((m: any) => [m.version, m.is_active])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect((await t.api('POST', `/api/ml/models/${inst.tag}/9/activate`)).status).toBe(404);
    expect((await t.api('POST', `/api/ml/models/${inst.tag}/1/activate`, { token: tech.token })).status).toBe(
      403,
    );

    const audit = await t.api('GET', '/api/audit?entity_type=ml_model');
    const actions = audit.body.items.map((a: any) => a.action);
    // Two trainings of this instrument (the first test trained another one).
    const trains = audit.body.items.filter(
      (a: any) => a.action === 'train' && JSON.stringify(a.new_value).includes(inst.tag),
    );
    expect(trains).toHaveLength(2);
    expect(actions[0]).toBe('activate');
    expect(audit.body.items[0]).toMatchObject({ user_id: 1, old_value: { active_version: 2 } });

    // Concurrent rollbacks queue on the instrument (PostgreSQL deadlocked here without it): each
    // succeeds, one version ends active, and each audit row's old version is the one before it.
    const acts = await Promise.all(
      [2, 1, 2, 1].map((v) => t.api('POST', `/api/ml/models/${inst.tag}/${v}/activate`)),
    );
    expect(acts.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const settled = await t.api('GET', `/api/ml/models/${inst.tag}`);
    expect(settled.body.items.filter((m: any) => m.is_active)).toHaveLength(1);
    const activations = await t.api('GET', '/api/audit?entity_type=ml_model&action=activate&limit=100');
    expectChainedActivations(activations.body.items.filter((a: any) => a.new_value.tag === inst.tag));
    expect((await t.api('POST', `/api/ml/models/${inst.tag}/1/activate`)).status).toBe(200);
  }, 120_000); // two trainings in worker threads, on a shared machine

  it('scores live readings with the active model and raises an anomaly alert naming the features', async () => {
    // 9 minutes of a hunting loop (an oscillation of 15 % of span, 20 s period) after the baseline.
    const start = floorMin(now()) - 9 * MIN;
    const points = [];
    for (let ts = start; ts < floorMin(now()); ts += 5_000) {
      points.push({ ts, value: 5 + 1.5 * Math.sin((2 * Math.PI * (ts - start)) / 20_000) });
    }
    await publishReadings(t, inst.tag, 'bar', points);
    const alert = await waitFor('an anomaly alert', async () => {
      const res = await t.api('GET', `/api/alerts?instrument_id=${inst.id}&alert_type=anomaly`);
      return res.body.items[0];
    });
    expect(alert).toMatchObject({ alert_type: 'anomaly', condition: 'isolation_forest', status: 'raised' });
    expect(alert.message).toMatch(/unusual pattern for [\d.]+ min .* most deviating: /);
    expect(alert.details.model_version).toBe(1);
    expect(alert.details.top_features.length).toBe(3);

    const status = await t.api('GET', `/api/instruments/${inst.id}/status`, { token: tech.token });
    expect(status.status).toBe(200);
    const s = status.body;
    expect(s).toMatchObject({ instrument_id: inst.id, tag: inst.tag, model: { version: 1 } });
    expect(s.live).toMatchObject({ quality: 'good' });
    expect(s.anomaly).toMatchObject({ model_version: 1, anomalous: true, episode_active: true });
    expect(s.anomaly.score).toBeGreaterThan(s.anomaly.model_threshold);
    expect(s.open_alerts.map((a: any) => a.alert_type)).toContain('anomaly');
    expect(s.health_parts.alerts).toBeGreaterThan(0);
    expect(s.health_parts.anomaly).toBeGreaterThan(0);
    expect(s.health_score).toBeLessThan(100);
  });
});
