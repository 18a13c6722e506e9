import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations/index.ts';

async function freshUrl(): Promise<string> {
  const run = inject('pgRunUrl');
  if (!run) return `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'cmms-mig-')), 'm.db')}`;
  const schema = `m_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: run });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  const u = new URL(run);
  u.searchParams.set('schema', schema);
  return u.toString();
}

describe('migrations', () => {
  it('are safe when two processes start at once', async () => {
    const url = await freshUrl();
    const a = openDatabase(parseDatabaseUrl(url));
    const b = openDatabase(parseDatabaseUrl(url));
    try {
      await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      const applied = await a.db
        .selectFrom(sql<{ name: string }>`kysely_migration`.as('m'))
        .select('m.name')
        .execute();
      expect(applied.map((r) => r.name).sort()).toEqual(Object.keys(migrations).sort());
      // Running again is a no-op.
      await migrateToLatest(b);
    } finally {
      await a.close();
      await b.close();
    }
  });

  // The PostgreSQL start-up flake: the migrator's introspection listed every schema's tables, and a
  // schema another app dropped in the middle of that made our start fail with `schema "..." does not
  // exist`. Migrating while other schemas come and go must never fail.
  it.runIf(inject('pgRunUrl'))('starts while other schemas are being dropped', async () => {
    const url = await freshUrl();
    const own = openDatabase(parseDatabaseUrl(url));
    const run = inject('pgRunUrl') as string;
    const churn = new pg.Client({ connectionString: run });
    await churn.connect();
    let churning = true;
    const churner = (async () => {
      while (churning) {
        const s = `churn_${randomBytes(4).toString('hex')}`;
        await churn.query(`create schema ${s}`);
        for (let k = 0; k < 5; k++)
          await churn.query(`create table ${s}.t${k} (id serial primary key, v text)`);
        await churn.query(`drop schema ${s} cascade`);
      }
    })();
    try {
      await migrateToLatest(own);
      for (let i = 0; i < 40; i++) await migrateToLatest(own);
      const tables = await own.db.introspection.getTables();
      expect(tables.map((t) => t.schema)).toEqual(tables.map(() => new URL(url).searchParams.get('schema')));
      expect(tables.map((t) => t.name)).toContain('instruments');
    } finally {
      churning = false;
      await churner;
      await churn.end();
      await own.close();
    }
  });
});
