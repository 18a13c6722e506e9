import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 14 (alarm management, ISA-18.2):
 * - Shelving: an open alert can be shelved with a reason, one-shot (until its condition clears,
 *   shelved_until null) or timed (until shelved_until). A shelved alert stays recorded but is not
 *   active.
 * - alarm_events: one row per raise, clear, acknowledge, shelve, unshelve, resolve and suppress,
 *   written in the transaction of the alert change; the alarm KPIs are computed from it.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  await db.schema.alterTable('alert_records').addColumn('shelved_at', ts).execute();
  await db.schema.alterTable('alert_records').addColumn('shelved_until', ts).execute();
  await db.schema
    .alterTable('alert_records')
    .addColumn('shelved_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await db.schema.alterTable('alert_records').addColumn('shelve_reason', 'text').execute();

  let t = db.schema.createTable('alarm_events');
  t = pg
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'integer', (c) => c.notNull().references('alert_records.id'))
    .addColumn('instrument_id', 'integer', (c) => c.references('instruments.id'))
    .addColumn('source', 'text')
    .addColumn('alert_type', 'text', (c) => c.notNull())
    .addColumn('condition_key', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('details', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alarm_events_at').on('alarm_events').columns(['at']).execute();
  await db.schema.createIndex('alarm_events_alert').on('alarm_events').columns(['alert_id', 'at']).execute();
  // The journal starts with the alerts already recorded: their raise (or suppressed raise), clear,
  // acknowledge and resolve at the times the alert rows hold, so the KPIs cover earlier history.
  const cols =
    'at, event, alert_id, instrument_id, source, alert_type, condition_key, severity, user_id, details, created_at';
  const pick = (at: string, event: string, user: string, where: string) =>
    sql.raw(
      `insert into alarm_events (${cols}) select ${at}, ${event}, id, instrument_id, source, alert_type, ` +
        `condition_key, severity, ${user}, null, ${at} from alert_records where ${where}`,
    );
  await pick(
    'first_seen',
    "case when suppressed = 1 then 'suppress' else 'raise' end",
    'null',
    '1 = 1',
  ).execute(db);
  await pick('cleared_at', "'clear'", 'null', 'cleared_at is not null').execute(db);
  await pick(
    'acknowledged_at',
    "'acknowledge'",
    'acknowledged_by',
    'acknowledged_at is not null and (resolved_at is null or acknowledged_at < resolved_at)',
  ).execute(db);
  await pick(
    'resolved_at',
    "'resolve'",
    'resolved_by',
    "status = 'resolved' and resolved_at is not null",
  ).execute(db);
  // The periodic shelf expiry looks only at shelved rows.
  await sql`create index alert_records_shelved on alert_records (shelved_until) where shelved_at is not null`.execute(
    db,
  );
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('alarm_events').ifExists().execute();
  await sql`drop index if exists alert_records_shelved`.execute(db);
  for (const c of ['shelve_reason', 'shelved_by', 'shelved_until', 'shelved_at']) {
    await db.schema.alterTable('alert_records').dropColumn(c).execute();
  }
}
