// Issue 12 part 4: a model activated through one process is used by the process that scores that
// instrument. Two processes on one PostgreSQL schema and one DATA_DIR (model files live there; the
// database says which version is active), each alone in its shared group on its own topic, so the
// instrument's readings go only to b while every model change is asked of a. b hears of each
// activation through the event bridge (NOTIFY), loads that version's file and scores with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitForJob, waitUntil } from '../helpers/wait.ts';
import { cleanReadings, MIN, publishReadings, simOf, storeReadings } from '../ml/ml-helpers.ts';
import { type ClusterRun, clusterRun, externalBroker } from './cluster.ts';

const pg = inject('pgRunUrl') !== null;

describe.skipIf(!externalBroker || !pg)('model activation across processes', () => {
  const apps: TestApp[] = [];
  let run: ClusterRun | undefined;
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    await run?.cleanup();
  });

  it('b scores the instrument with the version activated through a, and follows a rollback', {
    timeout: 180_000,
  }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-models-'));
    run = await clusterRun('models', dataDir);
    run.onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    const { dbUrl } = run;
    const envOf = (name: string) => (run as ClusterRun).brokerEnv(name, 'own');
    const a = await startTestApp({ databaseUrl: dbUrl, dataDir, env: envOf('a') });
    apps.push(a);

    // An instrument with an hour of clean history marked as its reference baseline.
    const inst = await makeInstrument(a, { publish_interval_seconds: 5, nominal_value: 5 });
    const baselineEnd = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
    const from = baselineEnd - 60 * MIN;
    await storeReadings(a, inst.id, cleanReadings(simOf(inst), from, baselineEnd));
    const baseline = await a.api('POST', '/api/ml/baselines', {
      body: { tag: inst.tag, start: new Date(from).toISOString(), end: new Date(baselineEnd).toISOString() },
    });
    expect(baseline.status).toBe(201);

    const b = await startTestApp({ databaseUrl: dbUrl, dataDir, env: envOf('b') });
    apps.push(b);
    const statusOnB = async () =>
      (await b.api('GET', `/api/instruments/${inst.id}/status`)).body?.anomaly as {
        model_version: number;
        windows_scored: number;
      } | null;
    expect(await statusOnB()).toBeNull();

    // Readings of the instrument, four minutes at a time after the baseline, go to b only.
    let next = baselineEnd + 5 * MIN;
    const publishToB = async () => {
      const points = cleanReadings(simOf(inst), next, next + 4 * MIN, 11);
      next += 4 * MIN;
      await publishReadings(b, inst.tag, 'bar', points);
    };
    /** b's live scorer holds `version` and has scored windows of b's readings with it. */
    const bScoresWith = async (version: number) => {
      await waitUntil(statusOnB, (s) => s?.model_version === version, {
        what: `b to load model version ${version}`,
        timeoutMs: 30_000,
      });
      await publishToB();
      return waitUntil(statusOnB, (s) => s?.model_version === version && s.windows_scored > 0, {
        what: `b to score readings with model version ${version}`,
        timeoutMs: 30_000,
      });
    };

    const train = async () => {
      const res = await a.api('POST', `/api/ml/train/${inst.tag}`);
      expect(res.status).toBe(202);
      const job = await waitForJob(a, res.body.job_id, { timeoutMs: 90_000 });
      expect(job.status).toBe('succeeded');
      return job.result_summary.version as number;
    };

    // Trained through a (the job runs in whichever process claims it): b uses each new version.
    expect(await train()).toBe(1);
    await bScoresWith(1);
    expect(await train()).toBe(2);
    await bScoresWith(2);

    // Rolled back through a: the activation is a's alone, and b follows it.
    const sentBefore = (await a.api('GET', '/health')).body.event_bridge.sent as number;
    const rollback = await a.api('POST', `/api/ml/models/${inst.tag}/1/activate`);
    expect(rollback.status).toBe(200);
    expect(rollback.body).toMatchObject({ version: 1, is_active: true });
    await bScoresWith(1);
    expect((await a.api('GET', '/health')).body.event_bridge.sent).toBeGreaterThan(sentBefore);

    // And forward again.
    expect((await a.api('POST', `/api/ml/models/${inst.tag}/2/activate`)).status).toBe(200);
    await bScoresWith(2);

    // a scored nothing: the readings reached b alone.
    expect(a.server.ctx.anomaly.snapshot(inst.id)?.windows_scored ?? 0).toBe(0);
    expect((await b.api('GET', '/health')).body.anomaly).toMatchObject({ load_errors: 0 });
  });
});
