import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobTools, runInWorker } from '../../src/jobs/index.ts';
import { makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitForJob } from '../helpers/wait.ts';

const SUM_TASK = new URL('./fixtures/sum-task.ts', import.meta.url);
const FAST = { JOBS_POLL_MS: '100' };

describe('background jobs', () => {
  let t: TestApp;
  let tech: { id: number; token: string };
  let otherTech: { id: number; token: string };
  beforeAll(async () => {
    t = await startTestApp({ env: FAST });
    tech = await makeUser(t, 'technician');
    otherTech = await makeUser(t, 'technician');
    const jobs = t.server.ctx.jobs;
    jobs.register('test.export', async (job, tools: JobTools) => {
      tools.progress(0.5);
      const file = tools.resultPath('rows.csv');
      writeFileSync(file, `n\n${String(job.params.n)}\n`);
      return { summary: { rows: job.params.n }, file };
    });
    jobs.register('test.fail', async () => {
      throw new Error('the export has no rows');
    });
    jobs.register('test.worker', async (job, tools) => {
      const out = await runInWorker<{ total: number; isMainThread: boolean }>(SUM_TASK, 'sumTo', job.params, {
        onProgress: tools.progress,
        signal: tools.signal,
      });
      return { summary: out };
    });
  });
  afterAll(() => t?.stop());

  it('runs a job to succeeded with a summary and a downloadable result file', async () => {
    const queued = await t.server.ctx.jobs.enqueue({
      type: 'test.export',
      params: { n: 7 },
      createdBy: tech.id,
    });
    expect(queued.status).toBe('queued');
    const done = await waitForJob(t, queued.id, { token: tech.token });
    expect(done).toMatchObject({
      type: 'test.export',
      status: 'succeeded',
      progress: 1,
      result_summary: { rows: 7 },
      has_result_file: true,
      error: null,
      created_by: tech.id,
    });
    expect(done.started_at).toBeTruthy();
    expect(done.completed_at).toBeTruthy();
    const file = await t.api('GET', `/api/jobs/${queued.id}/result`, { token: tech.token });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('text/csv');
    expect(file.headers.get('content-disposition')).toContain('rows.csv');
    expect(file.body).toBe('n\n7\n');

    const audit = await t.api('GET', `/api/audit?entity_type=background_job&entity_id=${queued.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action).reverse()).toEqual([
      'enqueue',
      'start',
      'succeed',
    ]);
  });

  it('records a failing handler as failed with its message', async () => {
    const queued = await t.server.ctx.jobs.enqueue({ type: 'test.fail', createdBy: tech.id });
    const done = await waitForJob(t, queued.id);
    expect(done.status).toBe('failed');
    expect(done.error).toBe('the export has no rows');
    expect((await t.api('GET', `/api/jobs/${queued.id}/result`)).status).toBe(404);
  });

  it('runs CPU work in a worker thread, not on the server thread', async () => {
    const queued = await t.server.ctx.jobs.enqueue({
      type: 'test.worker',
      params: { n: 2_000_000 },
      createdBy: null,
    });
    const done = await waitForJob(t, queued.id);
    expect(done.status).toBe('succeeded');
    expect(done.result_summary).toMatchObject({ total: (2_000_000 * 1_999_999) / 2, isMainThread: false });

    const failing = await t.server.ctx.jobs.enqueue({
      type: 'test.worker',
      params: { n: 1, fail: true },
      createdBy: null,
    });
    const failed = await waitForJob(t, failing.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('the task was told to fail');
  });

  it('lets technicians see only their own jobs, admins all, with filters and pagination', async () => {
    const mine = await t.server.ctx.jobs.enqueue({
      type: 'test.export',
      params: { n: 1 },
      createdBy: tech.id,
    });
    await waitForJob(t, mine.id);

    const asTech = await t.api('GET', '/api/jobs?limit=100', { token: tech.token });
    expect(asTech.status).toBe(200);
    expect(asTech.body.items.length).toBeGreaterThan(0);
    for (const j of asTech.body.items) expect(j.created_by).toBe(tech.id);

    expect((await t.api('GET', `/api/jobs/${mine.id}`, { token: otherTech.token })).status).toBe(404);
    expect((await t.api('GET', `/api/jobs/${mine.id}/result`, { token: otherTech.token })).status).toBe(404);
    const otherList = await t.api('GET', '/api/jobs', { token: otherTech.token });
    expect(otherList.body.total).toBe(0);

    const all = await t.api('GET', '/api/jobs?limit=2&offset=0');
    expect(all.body).toMatchObject({ limit: 2, offset: 0 });
    expect(all.body.items).toHaveLength(2);
    expect(all.body.total).toBeGreaterThanOrEqual(5);

    const failed = await t.api('GET', '/api/jobs?status=failed');
    expect(failed.body.items.length).toBeGreaterThan(0);
    for (const j of failed.body.items) expect(j.status).toBe('failed');
    const byType = await t.api('GET', '/api/jobs?type=test.fail');
    for (const j of byType.body.items) expect(j.type).toBe('test.fail');
    expect(byType.body.total).toBe(1);

    const bad = await t.api('GET', '/api/jobs?status=done');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('status');
    expect((await t.api('GET', '/api/jobs/999999')).status).toBe(404);
    expect((await t.api('GET', '/api/jobs/abc')).status).toBe(400);
  });
});

describe('background jobs across restarts and processes', () => {
  it('marks a job running when the server stopped as failed, and one orphaned by a dead process at start', async () => {
    const a = await startTestApp({ env: FAST });
    let release: () => void = () => {};
    a.server.ctx.jobs.register('test.hang', (_job, tools) => {
      return new Promise((_resolve, reject) => {
        release = () => reject(new Error('released'));
        tools.signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
    });
    const queued = await a.server.ctx.jobs.enqueue({ type: 'test.hang', createdBy: null });
    await waitForJob(a, queued.id, { done: ['running'] });

    // A job claimed by a process that no longer exists (pid beyond the kernel's range), heartbeat fresh.
    const at = new Date().toISOString();
    const orphan = await a.server.ctx.db
      .insertInto('background_jobs')
      .values({
        job_type: 'test.other',
        status: 'running',
        progress: 0.4,
        created_at: at,
        updated_at: at,
        started_at: at,
        worker_id: `${hostname()}/99999999/deadbeef`,
        heartbeat_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const { databaseUrl, dataDir } = a;
    await a.server.stop();
    release();

    const b = await startTestApp({ env: FAST, databaseUrl, dataDir });
    try {
      const first = await b.api('GET', `/api/jobs/${queued.id}`);
      expect(first.body.status).toBe('failed');
      expect(first.body.error).toMatch(/^interrupted by restart/);
      const second = await b.api('GET', `/api/jobs/${orphan.id}`);
      expect(second.body.status).toBe('failed');
      expect(second.body.error).toMatch(/^interrupted by restart/);
      expect(second.body.completed_at).toBeTruthy();
    } finally {
      await b.stop();
    }
  });

  it('runs each job exactly once when two servers share the database', async () => {
    const a = await startTestApp({ env: FAST });
    const b = await startTestApp({ env: FAST, databaseUrl: a.databaseUrl, dataDir: a.dataDir });
    try {
      const runs = new Map<number, string[]>();
      for (const [name, app] of [
        ['a', a],
        ['b', b],
      ] as const) {
        app.server.ctx.jobs.register('test.count', async (job) => {
          runs.set(job.id, [...(runs.get(job.id) ?? []), name]);
          await new Promise((r) => setTimeout(r, 5));
          return { summary: { by: name } };
        });
      }
      const ids: number[] = [];
      for (let i = 0; i < 30; i++) {
        const app = i % 2 ? a : b;
        ids.push((await app.server.ctx.jobs.enqueue({ type: 'test.count', createdBy: null })).id);
      }
      for (const id of ids) expect((await waitForJob(a, id)).status).toBe('succeeded');
      for (const id of ids) expect(runs.get(id)).toHaveLength(1);
      const by = new Set([...runs.values()].map((r) => r[0]));
      expect(by.size).toBeGreaterThanOrEqual(1);
    } finally {
      await b.server.stop();
      await a.stop();
    }
  });

  it('runInWorker runs a task module in a thread and reports progress', async () => {
    const progress: number[] = [];
    const out = await runInWorker<{ total: number; isMainThread: boolean; threadId: number }>(
      SUM_TASK,
      'sumTo',
      { n: 500_000 },
      { onProgress: (p) => progress.push(p) },
    );
    expect(out.total).toBe((500_000 * 499_999) / 2);
    expect(out.isMainThread).toBe(false);
    expect(out.threadId).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
    const controller = new AbortController();
    // Aborted once the worker is running (its first progress report), not after a guessed time.
    const aborted = runInWorker(
      SUM_TASK,
      'sumTo',
      { n: 5e9 },
      { signal: controller.signal, onProgress: () => controller.abort() },
    );
    await expect(aborted).rejects.toThrow(/aborted/);
  });
});
