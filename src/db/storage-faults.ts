import type SQLite from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';

/** The database refused to store something for a reason of its own (disk, file, mode), not ours. */
export interface StorageFault {
  /** SQLite's extended code (SQLITE_FULL, SQLITE_READONLY...) or PostgreSQL's SQLSTATE name. */
  code: string;
  message: string;
}

// PostgreSQL SQLSTATEs meaning "cannot write now": disk full, out of resources, read-only, I/O.
const PG_CODES: Record<string, string> = {
  '53100': 'disk_full',
  '53000': 'insufficient_resources',
  '53200': 'out_of_memory',
  '25006': 'read_only_sql_transaction',
  '58030': 'io_error',
};
const SQLITE_CODES = /^SQLITE_(FULL|READONLY|IOERR|CORRUPT|NOTADB|CANTOPEN|PERM)/;

/** The storage fault behind an error, or null for any other error (constraint, syntax, ...). */
export function storageFault(err: unknown): StorageFault | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e.code !== 'string') return null;
  const message = typeof e.message === 'string' ? e.message : String(e.code);
  if (SQLITE_CODES.test(e.code)) return { code: e.code, message };
  const pg = PG_CODES[e.code];
  return pg ? { code: `${pg} (${e.code})`, message } : null;
}

/** Told about every statement the database refuses for a storage reason, and every write it takes. */
export interface WriteObserver {
  refused(fault: StorageFault): void;
  accepted(): void;
}

const WRITE = /^\s*(insert|update|delete|replace|merge)\b/i;

/**
 * Wraps a dialect so that (1) on SQLite a rollback after SQLite already ended the transaction
 * itself (it does on SQLITE_FULL, SQLITE_IOERR...) is skipped: otherwise "cannot rollback - no
 * transaction is active" replaces the real error; and (2) the observer sees refused statements and
 * committed writes, so /health can say the database is refusing writes and when that ends.
 */
export function watchStorage(inner: Dialect, opts: { sqlite?: SQLite.Database; observer?: WriteObserver }) {
  const dialect: Dialect = {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver: () => patchDriver(inner.createDriver(), opts),
  };
  return dialect;
}

function patchDriver(driver: Driver, opts: { sqlite?: SQLite.Database; observer?: WriteObserver }): Driver {
  const { sqlite, observer } = opts;
  const rollback = driver.rollbackTransaction.bind(driver);
  driver.rollbackTransaction = async (conn) => {
    if (sqlite && !sqlite.inTransaction) return;
    await rollback(conn);
  };
  if (!observer) return driver;
  const acquire = driver.acquireConnection.bind(driver);
  const patched = new WeakSet<DatabaseConnection>();
  driver.acquireConnection = async () => {
    const conn = await acquire();
    if (!patched.has(conn)) {
      patched.add(conn);
      observeConnection(conn, observer);
    }
    return conn;
  };
  return driver;
}

/** Follows one connection's transactions: a write counts as accepted once its commit succeeds. */
function observeConnection(conn: DatabaseConnection, observer: WriteObserver) {
  const execute = conn.executeQuery.bind(conn);
  let inTransaction = false;
  let wrote = false;
  conn.executeQuery = async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    const text = query.sql.trimStart().slice(0, 20).toLowerCase();
    const isBegin = text.startsWith('begin') || text.startsWith('start transaction');
    const isEnd = text.startsWith('commit') || text.startsWith('rollback');
    try {
      const result = await execute<R>(query);
      if (isBegin) {
        inTransaction = true;
        wrote = false;
      } else if (isEnd) {
        if (text.startsWith('commit') && wrote) observer.accepted();
        inTransaction = false;
        wrote = false;
      } else if (WRITE.test(query.sql)) {
        if (inTransaction) wrote = true;
        else observer.accepted();
      }
      return result;
    } catch (err) {
      const fault = storageFault(err);
      if (fault) observer.refused(fault);
      if (isEnd) inTransaction = false;
      throw err;
    }
  };
}
