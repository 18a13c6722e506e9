// A Kysely dialect whose queries run in worker threads, each with its own read-only connection to
// the SQLite file (src/db/read-worker.mjs). better-sqlite3 is synchronous: on the main connection a
// 100 ms report query is 100 ms in which the event loop acknowledges no reading. Through this
// dialect the main thread only posts the SQL and receives the rows.
//
// Reads only: every statement sees the last commit (WAL), there are no transactions, and a write
// is refused by SQLite (`query_only`) and by the worker. Several workers run queries side by side;
// each query goes to the worker with the fewest waiting.

import { Worker } from 'node:worker_threads';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

export interface ReadWorkerOptions {
  /** The SQLite database file (the main connection has created it and set WAL mode). */
  file: string;
  /** Worker threads (at least 1). */
  workers: number;
  busyTimeoutMs?: number;
}

/** A read sent to the read-query worker failed there (SQLite's message, and its code when it has one). */
export class ReadWorkerError extends Error {
  override name = 'ReadWorkerError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

type Answer = { id: number; rows: unknown[] } | { id: number; error: { message: string; code?: string } };

interface Pending {
  resolve(rows: unknown[]): void;
  reject(e: Error): void;
}

const ENTRY = new URL('./read-worker.mjs', import.meta.url);

/** One worker thread and the queries waiting for it. Started on its first query. */
class ReadThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: ReadWorkerOptions) {}

  get waiting(): number {
    return this.pending.size;
  }

  run(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new ReadWorkerError('the database is closed'));
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise<unknown[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An idle worker does not hold the process open; one with a query in flight does.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, sql, parameters });
    });
  }

  private spawn(): Worker {
    const worker = new Worker(ENTRY, {
      workerData: { file: this.opts.file, busyTimeoutMs: this.opts.busyTimeoutMs ?? 10_000 },
      // The parent's flags (vitest's, --import tsx) are not for this plain-JavaScript thread.
      execArgv: [],
    });
    worker.unref();
    worker.on('message', (m: Answer) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in m) p.reject(new ReadWorkerError(m.error.message, m.error.code));
      else p.resolve(m.rows);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      // The next query starts a new thread; the ones in flight fail.
      this.worker = null;
      this.failAll(new ReadWorkerError(why));
    };
    worker.on('error', (e) => lost(`the read-query worker failed: ${e.message}`));
    worker.on('exit', (code) => lost(`the read-query worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.closed = true;
    this.failAll(new ReadWorkerError('the database is closed'));
    if (worker) await worker.terminate();
  }
}

class ReadWorkerConnection implements DatabaseConnection {
  constructor(private readonly pick: () => ReadThread) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const rows = await this.pick().run(compiled.sql, compiled.parameters);
    return { rows: rows as R[] };
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiled);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

const NO_TRANSACTIONS =
  'the read-query database runs single reads, not transactions: use the main database (ctx.db) to write';

class ReadWorkerDriver implements Driver {
  private readonly threads: ReadThread[];
  private readonly connection: ReadWorkerConnection;

  constructor(opts: ReadWorkerOptions) {
    this.threads = Array.from({ length: Math.max(1, opts.workers) }, () => new ReadThread(opts));
    this.connection = new ReadWorkerConnection(() => {
      let best = this.threads[0];
      for (const t of this.threads) if (t.waiting < best.waiting) best = t;
      return best;
    });
  }

  async init(): Promise<void> {}

  // One connection object for every caller: no lock, since each query is a message on its own.
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }

  async beginTransaction(): Promise<void> {
    throw new Error(NO_TRANSACTIONS);
  }

  async commitTransaction(): Promise<void> {
    throw new Error(NO_TRANSACTIONS);
  }

  async rollbackTransaction(): Promise<void> {}

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}

export class ReadWorkerDialect implements Dialect {
  constructor(private readonly opts: ReadWorkerOptions) {}

  createDriver(): Driver {
    return new ReadWorkerDriver(this.opts);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: introspection is untyped
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
