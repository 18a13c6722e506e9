/**
 * Background jobs: a small database-backed queue with status tracking, for work too slow for a
 * request (model training, large report exports). The public surface is this file.
 *
 * Register a handler once at start (main.ts wiring), with the app context in its closure:
 *
 *   ctx.jobs.register('report.export', async (job, { progress, log, signal, resultPath }) => {
 *     const file = resultPath('calibration.pdf');        // DATA_DIR/jobs/<id>/calibration.pdf
 *     ...                                                // call progress(0.5) as it goes
 *     return { summary: { rows: 1234 }, file };          // summary -> result_summary (JSON)
 *   });
 *
 * Queue one from a route (answer 202 with the id; clients poll GET /api/jobs/{id}):
 *
 *   const job = await ctx.jobs.enqueue({ type: 'report.export', params: {...}, createdBy: user.id });
 *   reply.status(202).send({ job_id: job.id, status: job.status });
 *
 * or, inside a transaction with the change that asked for it, `enqueueJob(trx, { ..., at })` and
 * `ctx.jobs.wake()` after commit. Both write the audit row in the same transaction.
 *
 * CPU-heavy work belongs in a worker thread so the HTTP server never blocks:
 *
 *   const out = await runInWorker<Out>(new URL('./my-task.ts', import.meta.url), 'myTask', input,
 *     { onProgress: progress, signal });
 *   // my-task.ts: export async function myTask(input, { progress }) { ...; return out; }
 *   // Compiled (dist/), the thread loads my-task.js beside the caller instead (worker-thread.ts).
 *
 * Status is queued -> running -> succeeded | failed. A handler that throws fails the job with its
 * message in `error`. Any process claims only job types it has a handler for; the claim is a
 * conditional UPDATE, so two processes never run the same job, and only the winner audits it ('start'). Jobs left 'running' by a process that
 * died are marked failed ("interrupted by restart: ...") when a runner starts and by a periodic sweep;
 * a graceful stop fails its own running jobs the same way.
 *
 * HTTP: GET /api/jobs (status, type, limit, offset; technicians see their own jobs, admins all),
 * GET /api/jobs/{id}, GET /api/jobs/{id}/result (the file, when the job produced one).
 */
export {
  INTERRUPTED,
  type JobHandler,
  type JobInfo,
  type JobResult,
  JobRunner,
  type JobTools,
} from './job-runner.ts';
export {
  claimJob,
  type EnqueueInput,
  enqueueJob,
  getJob,
  JOB_STATUSES,
  type JobStatus,
  listJobs,
  type PublicJob,
} from './job-service.ts';
export { jobRoutes } from './routes.ts';
export { JobAccepted, JobSchema, JobStatusSchema } from './schemas.ts';
export { runInWorker, WorkerTaskError, type WorkerTools } from './worker-thread.ts';
