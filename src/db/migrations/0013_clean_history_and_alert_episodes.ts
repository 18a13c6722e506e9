import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

const TIERS = ['readings_1m', 'readings_1h', 'readings_1d'];

/**
 * Issue 11:
 * - The downsampled tiers count fault and spike readings apart (`bad_count`): they no longer enter
 *   avg/min/max. A bucket with only bad readings keeps count 0 and avg/min/max 0 (meaningless).
 * - An alert belongs to an instrument or, with instrument_id null, to a `source` (the ingestion
 *   source: one data_gap alert when nothing arrives at all, instead of one per instrument).
 * - Dedup covers the open episode only: a condition that cleared and came back is a new alert row,
 *   so the unique index now leaves out cleared rows. Source alerts get their own unique index.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const t of TIERS) {
    await db.schema
      .alterTable(t)
      .addColumn('bad_count', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
  if (pg) {
    await sql`alter table alert_records alter column instrument_id drop not null`.execute(db);
    await sql`alter table alert_records add column source text`.execute(db);
    await sql`drop index alert_records_open`.execute(db);
  } else {
    await rebuildSqliteAlerts(db);
  }
  await sql`create unique index alert_records_open on alert_records (instrument_id, alert_type, condition_key) where status <> 'resolved' and cleared_at is null`.execute(
    db,
  );
  await sql`create unique index alert_records_source_open on alert_records (source, alert_type, condition_key) where status <> 'resolved' and cleared_at is null and instrument_id is null`.execute(
    db,
  );
  // A row is about an instrument or about a source, never both nor neither.
  if (pg) {
    await sql`alter table alert_records add constraint alert_records_subject check ((instrument_id is null) <> (source is null))`.execute(
      db,
    );
  }
}

/**
 * SQLite cannot drop NOT NULL: the table is rebuilt (the documented 12-step procedure, foreign keys
 * off so work_orders.alert_id keeps pointing at the same ids). Migrations run on one reserved
 * connection outside a transaction on SQLite, so the pragma and the transaction below hold.
 */
async function rebuildSqliteAlerts(db: Db): Promise<void> {
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql`create table alert_records_new (
        id integer primary key autoincrement not null,
        created_at text not null,
        updated_at text not null,
        instrument_id integer references instruments (id),
        alert_type text not null,
        condition_key text not null,
        severity text not null,
        status text not null,
        message text not null,
        details text,
        first_seen text not null,
        last_seen text not null,
        occurrence_count integer default 1 not null,
        cleared_at text,
        suppressed integer default 0 not null,
        acknowledged_by integer references users (id),
        acknowledged_at text,
        resolved_by integer references users (id),
        resolved_at text,
        resolution_notes text,
        source text,
        check ((instrument_id is null) <> (source is null))
      )`.execute(db);
      const cols =
        'id, created_at, updated_at, instrument_id, alert_type, condition_key, severity, status, message, ' +
        'details, first_seen, last_seen, occurrence_count, cleared_at, suppressed, acknowledged_by, ' +
        'acknowledged_at, resolved_by, resolved_at, resolution_notes';
      await sql.raw(`insert into alert_records_new (${cols}) select ${cols} from alert_records`).execute(db);
      await sql`drop table alert_records`.execute(db);
      await sql`alter table alert_records_new rename to alert_records`.execute(db);
      await sql`create index alert_records_status on alert_records (status, last_seen)`.execute(db);
      await sql`create index alert_records_instrument on alert_records (instrument_id, first_seen)`.execute(
        db,
      );
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error('alert_records rebuild broke a foreign key');
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

export async function down(db: Db): Promise<void> {
  await sql`drop index if exists alert_records_source_open`.execute(db);
  for (const t of TIERS) await db.schema.alterTable(t).dropColumn('bad_count').execute();
}
