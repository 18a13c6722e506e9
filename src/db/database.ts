import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type DatabaseIntrospector, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config.ts';
import { OwnSchemaIntrospector } from './own-schema-introspector.ts';
import { timestampToIso, timestamptzToIso } from './pg-timestamps.ts';
import { ReadWorkerDialect } from './read-worker-dialect.ts';
import type { DB } from './schema.ts';
import { type WriteObserver, watchStorage } from './storage-faults.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Database = Kysely<DB>;

// pg returns int8 and numeric as strings and timestamps as Date objects; pin them so the row
// types are the same on both dialects: numbers, and timestamps as ISO 8601 UTC strings.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
pg.types.setTypeParser(1184, timestamptzToIso);
pg.types.setTypeParser(1114, timestampToIso);
pg.types.setTypeParser(1082, (v) => v);

export interface DatabaseHandle {
  db: Database;
  /**
   * For heavy reads (reports, histories, lists): on a SQLite file with read workers, queries run in
   * worker threads on connections of their own, off the thread that ingests readings (no
   * transactions there, reads only); otherwise the same as `db` (PostgreSQL is asynchronous anyway).
   */
  reads: Database;
  dialect: Dialect;
  /** The PostgreSQL schema the tables live in (null on SQLite). */
  schema: string | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Hears of refused statements and accepted writes (the server's /health uses it). */
  writes?: WriteObserver;
  /** SQLite file: worker threads for `reads` (0 or unset: `reads` is `db`). Started on first use. */
  readWorkers?: number;
}

export function openDatabase(target: DatabaseTarget, opts: OpenOptions = {}): DatabaseHandle {
  if (target.kind === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(path.dirname(target.file), { recursive: true });
    const sqlite = new SQLite(target.file, { timeout: 10_000 });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    const dialect = watchStorage(new SqliteDialect({ database: sqlite }), { sqlite, observer: opts.writes });
    const db = new Kysely<DB>({ dialect });
    const workers = target.file === ':memory:' ? 0 : (opts.readWorkers ?? 0);
    if (workers === 0) return { db, reads: db, dialect: 'sqlite', schema: null, close: () => db.destroy() };
    const reads = new Kysely<DB>({ dialect: new ReadWorkerDialect({ file: target.file, workers }) });
    return {
      db,
      reads,
      dialect: 'sqlite',
      schema: null,
      close: async () => {
        await reads.destroy();
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 10,
    // A schema per test run (or per tenant) is selected with search_path on every connection.
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  const db = new Kysely<DB>({
    dialect: watchStorage(new OwnSchemaPostgresDialect({ pool }), { observer: opts.writes }),
  });
  return { db, reads: db, dialect: 'postgres', schema: target.schema ?? 'public', close: () => db.destroy() };
}

/** PostgreSQL whose introspection (used by the migrator) sees only the connection's own schema. */
class OwnSchemaPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: introspection is untyped
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}
