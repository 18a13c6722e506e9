// A read-query thread (src/db/read-worker-dialect.ts starts it): its own better-sqlite3 connection
// to the database file, so the API's heavy reads run here instead of on the thread that ingests
// readings. WAL mode lets this connection read while the main one writes; each statement sees the
// last commit. Plain JavaScript on purpose: it runs unchanged from sources (tests, tsx) and from
// dist/ (scripts/build.mjs copies it), with no TypeScript loader in the thread.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const db = new SQLite(workerData.file, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
// Reads only: SQLite itself refuses any write on this connection.
db.pragma('query_only = ON');
db.pragma(`busy_timeout = ${Number(workerData.busyTimeoutMs)}`);

// Prepared statements by SQL text; the API sends the same few hundred shapes over and over.
const STATEMENTS_KEPT = 500;
const statements = new Map();

function prepare(sql) {
  let stmt = statements.get(sql);
  if (stmt) {
    statements.delete(sql);
  } else {
    stmt = db.prepare(sql);
    if (statements.size >= STATEMENTS_KEPT) statements.delete(statements.keys().next().value);
  }
  statements.set(sql, stmt);
  return stmt;
}

parentPort.on('message', (m) => {
  try {
    const stmt = prepare(m.sql);
    if (!stmt.reader)
      throw new Error('the read-query worker runs reads only; write through the main database');
    parentPort.postMessage({ id: m.id, rows: stmt.all(m.parameters) });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort.postMessage({ id: m.id, error: { message: err.message, name: err.name, code: err.code } });
  }
});
