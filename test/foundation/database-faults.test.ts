// Issue 10, item 13: a database that refuses writes (disk full, read-only file).
//
// How the refusal is made real, per dialect:
// - SQLite, read-only: `PRAGMA query_only = 1` on the app's own connection. SQLite then refuses
//   every write with SQLITE_READONLY, exactly as for a read-only file (as root, chmod would not
//   stop us, and the test must not need mount privileges).
// - SQLite, disk full: `PRAGMA max_page_count = <current page count>` on the app's connection.
//   The pager refuses to grow the file and SQLite answers SQLITE_FULL, as on a full disk, with
//   the same automatic rollback that used to turn into "cannot rollback - no transaction is active".
// - PostgreSQL: a statement trigger on every table of the test's schema raising SQLSTATE 53100
//   (disk_full), since a full disk or a read-only session cannot be made for one schema of a
//   shared server. The error reaches the app from the server like the real one.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { connectPublisher, reading } from '../helpers/mqtt.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const lines: { level: number; msg: string; text: string }[] = [];
const logDestination = {
  write(line: string) {
    const j = JSON.parse(line);
    lines.push({ level: j.level, msg: j.msg, text: line });
  },
};

describe('when the database refuses writes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' }, logDestination });
  });
  afterAll(() => t?.stop());

  const db = () => t.server.ctx.db;
  const pg = () => t.server.ctx.dialect === 'postgres';

  async function refuseWrites(how: 'read-only' | 'full') {
    if (!pg()) {
      if (how === 'read-only') await sql`pragma query_only = 1`.execute(db());
      else {
        const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db());
        await sql.raw(`pragma max_page_count = ${rows[0].page_count}`).execute(db());
      }
      return;
    }
    await sql`create function refuse_writes() returns trigger language plpgsql as $$
      begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`.execute(
      db(),
    );
    const { rows } = await sql<{ table_name: string }>`select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely%'`.execute(
      db(),
    );
    for (const { table_name } of rows) {
      await sql
        .raw(`create trigger refuse_writes before insert or update or delete on "${table_name}"
          for each statement execute function refuse_writes()`)
        .execute(db());
    }
  }

  async function allowWrites() {
    if (pg()) await sql`drop function refuse_writes() cascade`.execute(db());
    else {
      await sql`pragma query_only = 0`.execute(db());
      await sql`pragma max_page_count = 4294967294`.execute(db());
    }
  }

  const health = async () => (await t.api('GET', '/health')).body;
  const stored = async (instrumentId: number) =>
    Number(
      (
        await db()
          .selectFrom('raw_readings')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('instrument_id', '=', instrumentId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('reports degraded with the first real error, lets people log in, names the error once, and keeps acked readings', async () => {
    const instrument = await makeInstrument(t);
    const before = await t.api('POST', '/api/auth/login', { token: null, body: ADMIN });
    const lastLogin = before.body.user.last_login_at;
    const from = lines.length;
    await refuseWrites('read-only');

    // Readings arrive while nothing can be stored: they wait, unacknowledged.
    const publisher = await connectPublisher(t);
    const base = Date.now() - 60_000;
    const published = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        publisher.publishAsync(
          `${t.mqtt.topicPrefix}/${instrument.tag}`,
          JSON.stringify(reading(instrument.tag, base + i * 1000, 5 + i / 10)),
          { qos: 1 },
        ),
      ),
    );
    const degraded = await waitUntil(health, (h) => h.status === 'degraded', { what: 'degraded' });
    const code = pg() ? 'disk_full (53100)' : 'SQLITE_READONLY';
    expect(degraded.database).toMatchObject({ status: 'degraded', writes: { status: 'refused', code } });
    expect((await t.api('GET', '/health', { token: null })).body).toEqual({ status: 'degraded' });

    // Logging in still works; only last_login_at (and its audit row) cannot be written.
    const during = await t.api('POST', '/api/auth/login', { token: null, body: ADMIN });
    expect(during.status).toBe(200);
    expect(during.body.user.last_login_at).toBe(lastLogin);
    expect((await t.api('GET', '/api/auth/me', { token: during.body.access_token })).status).toBe(200);
    // Any other change answers 503 with the reason, not a 500.
    const change = await t.api('POST', '/api/process-units', { body: { name: 'Refused unit' } });
    expect(change.status).toBe(503);
    expect(change.body.error.code).toBe('database_refuses_writes');
    expect(await stored(instrument.id)).toBe(0);

    await allowWrites();
    await published; // every reading acknowledged once stored
    await publisher.endAsync();
    await waitUntil(
      () => stored(instrument.id),
      (n) => n === 20,
      { what: '20 readings stored' },
    );
    await waitUntil(health, (h) => h.status === 'ok', { what: 'ok again' });

    const episode = lines.slice(from);
    const loud = episode.filter((l) => l.level >= 40 && l.text.includes(pg() ? '53100' : 'SQLITE_READONLY'));
    expect(
      loud.map((l) => l.msg),
      JSON.stringify(loud),
    ).toHaveLength(1);
    expect(loud[0].msg).toMatch(/^the database refuses writes/);
    expect(episode.some((l) => l.msg.startsWith('the database takes writes again'))).toBe(true);
    expect(episode.some((l) => /cannot rollback/.test(l.text))).toBe(false);
  });

  it.skipIf(!!process.env.TEST_DATABASE_URL)(
    'names SQLITE_FULL on a full database, not "cannot rollback", and stores the readings once there is room',
    async () => {
      const instrument = await makeInstrument(t);
      const from = lines.length;
      await refuseWrites('full');
      const publisher = await connectPublisher(t);
      const base = Date.now() - 3_600_000;
      // One gateway message of 2,000 readings: more rows than the file's free pages can take.
      const batch = Array.from({ length: 2000 }, (_, i) => reading(instrument.tag, base + i * 1000, i % 10));
      const published = publisher.publishAsync(`${t.mqtt.topicPrefix}/gateway`, JSON.stringify(batch), {
        qos: 1,
      });
      const degraded = await waitUntil(health, (h) => h.status === 'degraded', { what: 'degraded' });
      expect(degraded.database.writes).toMatchObject({ code: 'SQLITE_FULL' });
      expect(await stored(instrument.id)).toBe(0);

      // Single-row writes in a transaction: here SQLite rolls the whole transaction back itself.
      // Before the fix Kysely's own ROLLBACK then failed and its error replaced SQLITE_FULL (a 500
      // reading "cannot rollback - no transaction is active").
      let answer: { status: number; body: any } = { status: 201, body: null };
      for (let i = 0; i < 200 && answer.status === 201; i++) {
        answer = await t.api('POST', '/api/process-units', {
          body: { name: `Full unit ${i}`, description: 'x'.repeat(2000) },
        });
      }
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'database_refuses_writes' });
      expect(answer.body.error.message).toContain('SQLITE_FULL');

      await allowWrites();
      await published;
      await publisher.endAsync();
      await waitUntil(
        () => stored(instrument.id),
        (n) => n === 2000,
        { what: '2000 readings stored' },
      );
      await waitUntil(health, (h) => h.status === 'ok', { what: 'ok again' });
      const episode = lines.slice(from);
      expect(episode.filter((l) => l.level >= 40 && l.text.includes('SQLITE_FULL'))).toHaveLength(1);
      expect(episode.some((l) => /cannot rollback/.test(l.text))).toBe(false);
    },
  );
});
