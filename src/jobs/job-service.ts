import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { parseJson } from '../shared/db-values.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Job types are dotted lower-case words ('ml.train', 'report.export'), so filters and logs read well. */
const JOB_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export interface EnqueueInput {
  type: string;
  params?: Record<string, unknown>;
  createdBy: number | null;
  /** Event time (ISO); defaults to now. */
  at?: string;
}

const selectJob = (db: Kysely<DB>) =>
  db
    .selectFrom('background_jobs')
    .leftJoin('users', 'users.id', 'background_jobs.created_by')
    .selectAll('background_jobs')
    .select('users.full_name as created_by_name');

type JobJoined = NonNullable<Awaited<ReturnType<ReturnType<typeof selectJob>['executeTakeFirst']>>>;

export function toPublicJob(r: JobJoined) {
  return {
    id: r.id,
    type: r.job_type,
    status: r.status as JobStatus,
    progress: r.progress,
    params: parseJson<Record<string, unknown>>(r.params),
    result_summary: parseJson<Record<string, unknown>>(r.result_summary),
    /** Whether GET /api/jobs/{id}/result has a file to download (the server path stays private). */
    has_result_file: r.result_file !== null,
    error: r.error,
    created_by: r.created_by,
    created_by_name: r.created_by_name,
    created_at: r.created_at,
    started_at: r.started_at,
    completed_at: r.completed_at,
    updated_at: r.updated_at,
  };
}
export type PublicJob = ReturnType<typeof toPublicJob>;

/**
 * Queues a job and audits it, in one transaction (pass a transaction to queue it together with the
 * change that asked for it). A runner picks it up on its next poll; JobRunner.enqueue also wakes the
 * local runner at once.
 */
export async function enqueueJob(db: Kysely<DB>, input: EnqueueInput): Promise<PublicJob> {
  if (!JOB_TYPE.test(input.type)) {
    throw new ValidationError('type', `job type "${input.type}" must be dotted lower-case words`);
  }
  const at = input.at ?? new Date().toISOString();
  const write = async (trx: Kysely<DB>) => {
    const { id } = await trx
      .insertInto('background_jobs')
      .values({
        job_type: input.type,
        status: 'queued',
        progress: 0,
        params: input.params ? JSON.stringify(input.params) : null,
        created_by: input.createdBy,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      userId: input.createdBy,
      action: 'enqueue',
      entityType: 'background_job',
      entityId: id,
      newValue: { type: input.type, params: input.params ?? null },
      at,
    });
    return getJob(trx, id);
  };
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}

export async function getJob(db: Kysely<DB>, id: number): Promise<PublicJob> {
  const r = await selectJob(db).where('background_jobs.id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError('job', id);
  return toPublicJob(r);
}

/** A job as its creator (or an admin) may see it: someone else's job is "not found", not "forbidden". */
export async function getJobFor(db: Kysely<DB>, id: number, viewer: { id: number; role: string }) {
  const job = await getJob(db, id);
  if (viewer.role !== 'admin' && job.created_by !== viewer.id) throw new NotFoundError('job', id);
  return job;
}

export interface JobQuery {
  status?: JobStatus;
  type?: string;
  /** Only jobs created by this user (technicians always get their own). */
  createdBy?: number;
  limit: number;
  offset: number;
}

export async function listJobs(db: Kysely<DB>, q: JobQuery) {
  let query = selectJob(db);
  if (q.status) query = query.where('background_jobs.status', '=', q.status);
  if (q.type) query = query.where('background_jobs.job_type', '=', q.type);
  if (q.createdBy !== undefined) query = query.where('background_jobs.created_by', '=', q.createdBy);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query.orderBy('background_jobs.id', 'desc').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toPublicJob), total: Number(n), limit: q.limit, offset: q.offset };
}

/** The stored result file of a job (absolute path), or null when it has none. */
export async function jobResultFile(db: Kysely<DB>, id: number): Promise<string | null> {
  const r = await db
    .selectFrom('background_jobs')
    .select('result_file')
    .where('id', '=', id)
    .executeTakeFirst();
  return r?.result_file ?? null;
}

/**
 * queued -> running for one worker. The UPDATE is conditional on the job still being queued, so of
 * any number of runners (in this process or others) exactly one wins, and only the winner writes
 * the audit row, in the same transaction. Returns whether this worker won.
 */
export async function claimJob(db: Kysely<DB>, id: number, workerId: string, at: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('background_jobs')
      .set({
        status: 'running',
        worker_id: workerId,
        started_at: at,
        // Liveness is wall-clock time, not the injected event clock.
        heartbeat_at: new Date().toISOString(),
        progress: 0,
        updated_at: at,
      })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await recordAudit(trx, {
      userId: null,
      action: 'start',
      entityType: 'background_job',
      entityId: id,
      oldValue: { status: 'queued' },
      newValue: { status: 'running', worker_id: workerId },
      at,
    });
    return true;
  });
}
