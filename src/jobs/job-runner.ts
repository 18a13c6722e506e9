import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { parseJson } from '../shared/db-values.ts';
import { claimJob, type EnqueueInput, enqueueJob, type PublicJob } from './job-service.ts';

/** A claimed job as its handler sees it. */
export interface JobInfo {
  id: number;
  type: string;
  params: Record<string, unknown>;
  createdBy: number | null;
  createdAt: string;
}

export interface JobTools {
  /** Fraction done, 0-1; written to the row at most a few times a second. */
  progress(p: number): void;
  /** Logger bound to the job id and type. */
  log: Logger;
  /** Aborted when the server stops; pass it to runInWorker so the thread ends too. */
  signal: AbortSignal;
  /** Absolute path for a downloadable output, DATA_DIR/jobs/<id>/<fileName> (folder created). */
  resultPath(fileName: string): string;
}

/** What a handler returns: a JSON summary and, optionally, the file GET /api/jobs/{id}/result serves. */
export interface JobResult {
  summary?: Record<string, unknown>;
  file?: string | null;
}

export type JobHandler = (job: JobInfo, tools: JobTools) => Promise<JobResult | undefined>;

export interface JobRunnerOptions {
  db: Kysely<DB>;
  clock: Clock;
  log: Logger;
  dataDir: string;
  /** Jobs this process runs at once. */
  concurrency: number;
  pollMs: number;
  /** A running job whose runner has not been seen for this long is orphaned. */
  staleSeconds: number;
}

export const INTERRUPTED = 'interrupted by restart';

// Runner instances alive in this process: a job claimed by this pid under an instance id not in
// the set belongs to a runner that has stopped (a restart within one process, as tests do).
const liveInstances = new Set<string>();

/**
 * Claims queued jobs of the types it has handlers for and runs them, several processes safely:
 * a claim is a conditional UPDATE (status = 'queued') that only one process can win; a heartbeat
 * marks the jobs it still runs; at start and then periodically it fails jobs whose runner is gone.
 */
export class JobRunner {
  readonly workerId: string;
  private readonly instance = randomUUID().slice(0, 8);
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private pollAgain = false;
  private started = false;
  private stopping = false;
  private counts = { succeeded: 0, failed: 0, recovered: 0 };

  constructor(private readonly o: JobRunnerOptions) {
    this.workerId = `${hostname()}/${process.pid}/${this.instance}`;
  }

  /** Registers the handler for a job type; jobs of types without a handler stay queued for others. */
  register(type: string, handler: JobHandler): void {
    if (this.handlers.has(type)) throw new Error(`job type ${type} already has a handler`);
    this.handlers.set(type, handler);
    this.wake();
  }

  /** Queues a job (audited) and wakes this runner at once. */
  async enqueue(input: Omit<EnqueueInput, 'at'>): Promise<PublicJob> {
    const job = await enqueueJob(this.o.db, { ...input, at: this.o.clock.now().toISOString() });
    this.wake();
    return job;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    liveInstances.add(this.instance);
    await this.recoverOrphans();
    const beat = Math.max(1000, (this.o.staleSeconds * 1000) / 4);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), beat);
    this.heartbeatTimer.unref();
    this.schedule(0);
  }

  /** Polls now instead of at the next interval (after an enqueue in this process). */
  wake(): void {
    if (this.started && !this.stopping) this.schedule(0);
  }

  /**
   * Stops claiming, aborts running jobs (their worker threads end) and records them as failed, so no
   * job is left 'running' by a process that is gone.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const r of this.running.values()) r.controller.abort();
    const settled = Promise.all([...this.running.values()].map((r) => r.done));
    // A handler that ignores the abort signal is not waited for forever.
    await Promise.race([settled, new Promise((r) => setTimeout(r, 10_000).unref())]);
    await this.failOwnRunning(`${INTERRUPTED}: the server stopped while the job was running`);
    liveInstances.delete(this.instance);
  }

  health() {
    return {
      status: this.started && !this.stopping ? 'ok' : 'stopped',
      worker_id: this.workerId,
      running: this.running.size,
      concurrency: this.o.concurrency,
      handlers: [...this.handlers.keys()].sort(),
      ...this.counts,
    };
  }

  private schedule(ms: number) {
    if (this.stopping) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.timer = null;
    if (this.stopping) return;
    this.polling = true;
    try {
      while (!this.stopping && this.running.size < this.o.concurrency) {
        const job = await this.claimNext();
        if (!job) break;
        this.launch(job);
      }
    } catch (e) {
      this.o.log.error({ err: e }, 'job runner: poll failed');
    } finally {
      this.polling = false;
    }
    const again = this.pollAgain;
    this.pollAgain = false;
    this.schedule(again ? 0 : this.o.pollMs);
  }

  private async claimNext(): Promise<JobInfo | null> {
    const types = [...this.handlers.keys()];
    if (types.length === 0) return null;
    const candidates = await this.o.db
      .selectFrom('background_jobs')
      .select(['id', 'job_type', 'params', 'created_by', 'created_at'])
      .where('status', '=', 'queued')
      .where('job_type', 'in', types)
      .orderBy('id')
      .limit(5)
      .execute();
    for (const c of candidates) {
      const at = this.o.clock.now().toISOString();
      // Only one process's UPDATE finds the row still queued; the others change nothing.
      if (await claimJob(this.o.db, c.id, this.workerId, at)) {
        return {
          id: c.id,
          type: c.job_type,
          params: parseJson<Record<string, unknown>>(c.params) ?? {},
          createdBy: c.created_by,
          createdAt: c.created_at,
        };
      }
    }
    return null;
  }

  private launch(job: JobInfo) {
    const controller = new AbortController();
    const done = this.run(job, controller).finally(() => {
      this.running.delete(job.id);
      this.wake();
    });
    this.running.set(job.id, { controller, done });
  }

  private async run(job: JobInfo, controller: AbortController): Promise<void> {
    const handler = this.handlers.get(job.type)!;
    const log = this.o.log.child({ job_id: job.id, job_type: job.type });
    const progress = this.progressWriter(job.id);
    const tools: JobTools = {
      progress: progress.set,
      log,
      signal: controller.signal,
      resultPath: (fileName) => {
        const dir = path.join(this.o.dataDir, 'jobs', String(job.id));
        mkdirSync(dir, { recursive: true });
        return path.join(dir, path.basename(fileName));
      },
    };
    log.info('job started');
    try {
      const result = (await handler(job, tools)) ?? {};
      await progress.flush();
      const file = result.file ? this.relativeToDataDir(result.file) : null;
      await this.finish(job.id, 'succeeded', { summary: result.summary ?? null, file, error: null });
      this.counts.succeeded++;
      log.info('job succeeded');
    } catch (e) {
      await progress.flush();
      const message = this.stopping
        ? `${INTERRUPTED}: the server stopped while the job was running`
        : e instanceof Error
          ? e.message
          : String(e);
      await this.finish(job.id, 'failed', { summary: null, file: null, error: message });
      this.counts.failed++;
      log.warn({ err: e }, 'job failed');
    }
  }

  private relativeToDataDir(file: string): string {
    const rel = path.relative(this.o.dataDir, path.resolve(file));
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new Error(`result file ${file} is outside DATA_DIR`);
    }
    return rel;
  }

  private async finish(
    id: number,
    status: 'succeeded' | 'failed',
    out: { summary: Record<string, unknown> | null; file: string | null; error: string | null },
  ) {
    const at = this.o.clock.now().toISOString();
    try {
      await this.o.db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('background_jobs')
          .set({
            status,
            ...(status === 'succeeded' ? { progress: 1 } : {}),
            result_summary: out.summary ? JSON.stringify(out.summary) : null,
            result_file: out.file,
            error: out.error,
            completed_at: at,
            updated_at: at,
          })
          .where('id', '=', id)
          .where('status', '=', 'running')
          .where('worker_id', '=', this.workerId)
          .executeTakeFirst();
        // Another process already declared it orphaned: its verdict stands.
        if (Number(res.numUpdatedRows) !== 1) return;
        await recordAudit(trx, {
          userId: null,
          action: status === 'succeeded' ? 'succeed' : 'fail',
          entityType: 'background_job',
          entityId: id,
          oldValue: { status: 'running' },
          newValue: { status, ...(out.summary ? { result_summary: out.summary } : {}), error: out.error },
          at,
        });
      });
    } catch (e) {
      this.o.log.error({ err: e, job_id: id }, 'job runner: could not record the outcome');
    }
  }

  /** Throttled progress: the latest value reaches the row, never more than ~4 writes a second. */
  private progressWriter(id: number) {
    let latest = 0;
    let written = 0;
    let timer: NodeJS.Timeout | null = null;
    let chain: Promise<void> = Promise.resolve();
    const write = () => {
      timer = null;
      if (latest === written) return;
      const value = latest;
      written = value;
      chain = chain
        .then(async () => {
          await this.o.db
            .updateTable('background_jobs')
            .set({ progress: value })
            .where('id', '=', id)
            .where('status', '=', 'running')
            .execute();
        })
        .catch((e) => this.o.log.warn({ err: e, job_id: id }, 'job runner: progress write failed'));
    };
    return {
      set: (p: number) => {
        if (!Number.isFinite(p)) return;
        latest = Math.min(0.999, Math.max(latest, p, 0));
        if (!timer) {
          timer = setTimeout(write, 250);
          timer.unref();
        }
      },
      flush: async () => {
        if (timer) clearTimeout(timer);
        timer = null;
        await chain;
      },
    };
  }

  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    try {
      if (this.running.size > 0) {
        await this.o.db
          .updateTable('background_jobs')
          .set({ heartbeat_at: new Date().toISOString() })
          .where('worker_id', '=', this.workerId)
          .where('status', '=', 'running')
          .execute();
      }
      await this.recoverOrphans();
    } catch (e) {
      this.o.log.warn({ err: e }, 'job runner: heartbeat failed');
    }
  }

  /**
   * Fails running jobs whose runner is gone: its heartbeat is older than staleSeconds (any host), or
   * it ran on this host under a process that no longer exists, or in this process under a runner
   * instance that has stopped. Liveness is wall-clock time, not the injected event clock.
   */
  async recoverOrphans(): Promise<number> {
    const rows = await this.o.db
      .selectFrom('background_jobs')
      .select(['id', 'worker_id', 'heartbeat_at'])
      .where('status', '=', 'running')
      .execute();
    const staleBefore = Date.now() - this.o.staleSeconds * 1000;
    let recovered = 0;
    for (const r of rows) {
      if (r.worker_id === this.workerId) continue;
      const stale = r.heartbeat_at === null || Date.parse(r.heartbeat_at) < staleBefore;
      if (!stale && !this.isDeadLocalRunner(r.worker_id)) continue;
      const at = this.o.clock.now().toISOString();
      const error = `${INTERRUPTED}: the process running it (${r.worker_id ?? 'unknown'}) stopped`;
      await this.o.db.transaction().execute(async (trx) => {
        let q = trx
          .updateTable('background_jobs')
          .set({ status: 'failed', error, completed_at: at, updated_at: at })
          .where('id', '=', r.id)
          .where('status', '=', 'running');
        q = r.worker_id === null ? q.where('worker_id', 'is', null) : q.where('worker_id', '=', r.worker_id);
        const res = await q.executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return;
        recovered++;
        await recordAudit(trx, {
          userId: null,
          action: 'fail',
          entityType: 'background_job',
          entityId: r.id,
          oldValue: { status: 'running', worker_id: r.worker_id },
          newValue: { status: 'failed', error },
          at,
        });
      });
    }
    if (recovered > 0) {
      this.counts.recovered += recovered;
      this.o.log.warn({ recovered }, 'job runner: marked jobs of a stopped process as failed');
    }
    return recovered;
  }

  private isDeadLocalRunner(workerId: string | null): boolean {
    if (!workerId) return true;
    const [host, pidText, instance] = workerId.split('/');
    if (host !== hostname()) return false;
    const pid = Number(pidText);
    if (pid === process.pid) return !liveInstances.has(instance);
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  private async failOwnRunning(error: string): Promise<void> {
    const at = this.o.clock.now().toISOString();
    try {
      const rows = await this.o.db
        .selectFrom('background_jobs')
        .select('id')
        .where('worker_id', '=', this.workerId)
        .where('status', '=', 'running')
        .execute();
      for (const r of rows) {
        await this.o.db.transaction().execute(async (trx) => {
          const res = await trx
            .updateTable('background_jobs')
            .set({ status: 'failed', error, completed_at: at, updated_at: at })
            .where('id', '=', r.id)
            .where('status', '=', 'running')
            .where('worker_id', '=', this.workerId)
            .executeTakeFirst();
          // Another process's sweep may have failed it first: its audit row stands alone.
          if (Number(res.numUpdatedRows) !== 1) return;
          await recordAudit(trx, {
            userId: null,
            action: 'fail',
            entityType: 'background_job',
            entityId: r.id,
            oldValue: { status: 'running' },
            newValue: { status: 'failed', error },
            at,
          });
        });
      }
    } catch (e) {
      this.o.log.error({ err: e }, 'job runner: could not record interrupted jobs');
    }
  }
}
