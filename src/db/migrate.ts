import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { analyzeTables } from './analyze.ts';
import type { DatabaseHandle } from './database.ts';
import { migrations } from './migrations/index.ts';

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies pending migrations. Two processes starting at once are safe: Kysely's migration lock
 * serialises them on PostgreSQL, and on SQLite a busy database (or a lost race creating the
 * lock table) is retried, after which the second process finds nothing left to do.
 */
export async function migrateToLatest(handle: DatabaseHandle, log?: (msg: string) => void) {
  const migrator = new Migrator({
    // biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and untyped by design
    db: handle.db as Kysely<any>,
    provider: new StaticProvider(),
    ...(handle.dialect === 'postgres' && handle.schema ? { migrationTableSchema: handle.schema } : {}),
  });
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) {
      if (r.status === 'Success') log?.(`migration ${r.migrationName} applied`);
      if (r.status === 'Error') log?.(`migration ${r.migrationName} failed`);
    }
    if (!error) {
      // Migrations rewrite and backfill tables: fresh statistics before the first query plans.
      if (results?.some((r) => r.status === 'Success')) await analyzeTables(handle.db);
      return;
    }
    lastError = error;
    if (!isRetryable(error)) break;
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
  }
  throw new MigrationError(
    `migrations failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

function isRetryable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === 'SQLITE_BUSY' ||
    e?.code === 'SQLITE_BUSY_SNAPSHOT' ||
    e?.code === '23505' || // unique violation: two processes created the lock table at once
    e?.code === '42P07' || // relation already exists
    // SQLite has no migration lock: the loser of a race finds the winner's tables and retries,
    // after which it sees the migrations recorded and has nothing left to do.
    /database is locked|already exists/.test(e?.message ?? '')
  );
}
