// ctx.reads: the API's heavy reads. On a SQLite file they run in worker threads with connections
// of their own (src/db/read-worker-dialect.ts); on PostgreSQL ctx.reads is the pooled ctx.db.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('the read-query database (ctx.reads)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  const sqlite = () => t.server.ctx.dialect === 'sqlite';

  it('is a database of its own on SQLite and the same pool on PostgreSQL', () => {
    const { ctx } = t.server;
    if (sqlite()) expect(ctx.reads).not.toBe(ctx.db);
    else expect(ctx.reads).toBe(ctx.db);
  });

  it('sees a change as soon as the API has committed it', async () => {
    const made = await makeInstrument(t, { description: 'before' });
    // The list reads through ctx.reads; the create committed on the main connection.
    const listed = await t.api('GET', `/api/instruments?q=${made.tag}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { tag: string }) => i.tag)).toEqual([made.tag]);
    for (let k = 0; k < 5; k++) {
      const patched = await t.api('PATCH', `/api/instruments/${made.id}`, {
        body: { description: `after ${k}` },
      });
      expect(patched.status).toBe(200);
      const again = await t.api('GET', `/api/instruments?q=${made.tag}`);
      expect(again.body.items[0].description).toBe(`after ${k}`);
    }
  });

  it('answers many reads at once, each with its own rows', async () => {
    const { ctx } = t.server;
    const made = await makeInstrument(t);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        ctx.reads
          .selectFrom('instruments')
          .select(['id', 'tag'])
          .where('id', '=', made.id)
          .select((eb) => eb.val(k).as('k'))
          .executeTakeFirstOrThrow(),
      ),
    );
    // (PostgreSQL returns the untyped literal as text.)
    expect(answers.map((a) => ({ ...a, k: Number(a.k) }))).toEqual(
      Array.from({ length: 50 }, (_, k) => ({ id: made.id, tag: made.tag, k })),
    );
  });

  it('refuses writes and transactions with a clear error (SQLite)', async () => {
    if (!sqlite()) return;
    const { ctx } = t.server;
    await expect(
      ctx.reads.updateTable('instruments').set({ description: 'x' }).where('id', '=', -1).execute(),
    ).rejects.toThrow(/reads only/);
    await expect(ctx.reads.transaction().execute(async () => 1)).rejects.toThrow(/not transactions/);
    // A bad query fails alone; the worker answers the next one.
    await expect(
      ctx.reads
        .selectFrom('no_such_table' as 'instruments')
        .selectAll()
        .execute(),
    ).rejects.toThrow(/no such table/);
    const n = await ctx.reads
      .selectFrom('instruments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBeGreaterThan(0);
  });
});
