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
});
