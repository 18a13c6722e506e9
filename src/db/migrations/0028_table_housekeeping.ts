import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 16 part 4: PostgreSQL storage and autovacuum settings for the tables whose churn the
 * defaults (vacuum after 20 % dead rows, analyse after 10 % changed) serve badly. SQLite has no
 * per-table settings; nothing to do there. docs/operations.md explains each figure.
 */
const TABLE_SETTINGS: Record<string, Record<string, number>> = {
  // Every instrument's detector state, rewritten each checkpoint period: room on each page so an
  // update is a HOT one (no index entry, dead versions pruned with the page), vacuumed unthrottled.
  detector_checkpoints: {
    fillfactor: 70,
    autovacuum_vacuum_scale_factor: 0,
    autovacuum_vacuum_threshold: 1000,
    autovacuum_vacuum_cost_delay: 0,
  },
  // The newest reading per instrument, rewritten in batches by every process: the same shape.
  instrument_last_seen: {
    fillfactor: 70,
    autovacuum_vacuum_scale_factor: 0,
    autovacuum_vacuum_threshold: 1000,
    autovacuum_vacuum_cost_delay: 0,
  },
  // Insert-only and huge: at 20 % the statistics (and the visibility map index-only scans need)
  // would wait for days of readings. A fixed step of new rows instead.
  raw_readings: {
    autovacuum_vacuum_insert_scale_factor: 0,
    autovacuum_vacuum_insert_threshold: 1_000_000,
    autovacuum_analyze_scale_factor: 0,
    autovacuum_analyze_threshold: 1_000_000,
  },
  // Small but joined by every open-alerts query: stale statistics made that join a 216 ms nested loop.
  alert_records: {
    autovacuum_vacuum_scale_factor: 0.05,
    autovacuum_analyze_scale_factor: 0.02,
    autovacuum_analyze_threshold: 200,
  },
};

/** Insert-triggered vacuum exists from PostgreSQL 13. */
const INSERT_SETTINGS = /^autovacuum_vacuum_insert_/;

export async function up(db: Db): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const version = await sql<{ v: string }>`select current_setting('server_version_num') as v`.execute(db);
  const insertVacuum = Number(version.rows[0].v) >= 130000;
  for (const [table, settings] of Object.entries(TABLE_SETTINGS)) {
    const list = Object.entries(settings)
      .filter(([k]) => insertVacuum || !INSERT_SETTINGS.test(k))
      .map(([k, v]) => sql`${sql.raw(k)} = ${sql.raw(String(v))}`);
    await sql`alter table ${sql.table(table)} set (${sql.join(list)})`.execute(db);
  }
}

export async function down(db: Db): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const [table, settings] of Object.entries(TABLE_SETTINGS)) {
    const keys = Object.keys(settings).map((k) => sql.raw(k));
    await sql`alter table ${sql.table(table)} reset (${sql.join(keys)})`.execute(db);
  }
}
