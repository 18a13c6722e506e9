import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DB } from './schema.ts';

/**
 * Refreshes the planner's statistics after the product loads many rows at once (migrations, the
 * demo history, imports). Autovacuum would get there, but only after its thresholds and nap time,
 * and a query planned meanwhile on empty statistics can pick a nested loop over thousands of rows
 * (the open-alerts join took 216 ms that way). PostgreSQL: ANALYZE of the tables named, or of the
 * whole database; SQLite: ANALYZE of the tables named with a sampling limit (fast on a large file),
 * or PRAGMA optimize, which analyses only what needs it.
 */
export async function analyzeTables(db: Kysely<DB>, tables: readonly (keyof DB)[] = []): Promise<void> {
  const names = sql.join(tables.map((t) => sql.table(t)));
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await (tables.length ? sql`analyze ${names}` : sql`analyze`).execute(db);
    return;
  }
  if (tables.length === 0) {
    await sql`pragma optimize`.execute(db);
    return;
  }
  await sql`pragma analysis_limit = 1000`.execute(db);
  for (const t of tables) await sql`analyze ${sql.table(t)}`.execute(db);
}
