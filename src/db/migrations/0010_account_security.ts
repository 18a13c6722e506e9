import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Accounts (issue 10, item 11):
 * - users.token_version, carried in every JWT and raised on a password change, reset or
 *   deactivation, so older tokens stop at once (even within the same second).
 * - login_throttle: login attempts per normalised employee number and per client address, in the
 *   database so the limit survives a restart and holds across processes.
 * - employee numbers are unique regardless of case, as the login looks them up.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  await db.schema
    .alterTable('users')
    .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', ts, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_throttle_window').on('login_throttle').column('window_start').execute();
  const dup = await sql<{ n: string }>`
    select lower(employee_number) as n from users group by lower(employee_number) having count(*) > 1
  `.execute(db);
  if (dup.rows.length > 0) {
    throw new Error(
      `employee numbers that differ only in case: ${dup.rows.map((r) => r.n).join(', ')}; ` +
        'rename one of each pair (user records are never deleted) and start again',
    );
  }
  await sql`create unique index users_employee_number_nocase on users (lower(employee_number))`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`drop index if exists users_employee_number_nocase`.execute(db);
  await db.schema.dropTable('login_throttle').ifExists().execute();
  await db.schema.alterTable('users').dropColumn('token_version').execute();
}
