import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Kysely, type Migration, Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { freshDatabaseUrl, startTestApp, type TestApp } from '../helpers/test-app.ts';

// Migration 0018 starts the alarm journal with the alerts already recorded, so the KPIs cover them.
describe('alarm event log backfill (migration 0018)', () => {
  let t: TestApp | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-test-'));
  afterAll(async () => {
    await t?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('journals the raise, clear, acknowledge and resolve of alerts recorded before it', async () => {
    const fresh = await freshDatabaseUrl(dataDir);
    const handle = openDatabase(parseDatabaseUrl(fresh.url));
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0018'));
      const migrator = new Migrator({
        db: handle.db as Kysely<any>,
        provider: { getMigrations: async () => before as Record<string, Migration> },
        ...(handle.dialect === 'postgres' && handle.schema ? { migrationTableSchema: handle.schema } : {}),
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
      const row = (over: Record<string, unknown>) => ({
        instrument_id: null,
        source: 'ingestion',
        alert_type: 'data_gap',
        severity: 'warning',
        message: 'no data',
        first_seen: '2026-01-01T00:00:00.000Z',
        last_seen: '2026-01-01T00:05:00.000Z',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:05:00.000Z',
        ...over,
      });
      const db = handle.db as Kysely<any>;
      await db
        .insertInto('alert_records')
        .values([
          row({
            condition_key: 'a',
            status: 'resolved',
            cleared_at: '2026-01-01T00:05:00.000Z',
            acknowledged_at: '2026-01-01T00:02:00.000Z',
            resolved_at: '2026-01-01T00:10:00.000Z',
            resolution_notes: 'back',
          }),
          row({ condition_key: 'b', status: 'raised', first_seen: '2026-01-01T01:00:00.000Z' }),
        ])
        .execute();
    } finally {
      await handle.close();
    }
    t = await startTestApp({ databaseUrl: fresh.url, dataDir });
    const events = await t.server.ctx.db
      .selectFrom('alarm_events')
      .select(['event', 'at', 'condition_key'])
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { event: 'raise', at: '2026-01-01T00:00:00.000Z', condition_key: 'a' },
      { event: 'acknowledge', at: '2026-01-01T00:02:00.000Z', condition_key: 'a' },
      { event: 'clear', at: '2026-01-01T00:05:00.000Z', condition_key: 'a' },
      { event: 'resolve', at: '2026-01-01T00:10:00.000Z', condition_key: 'a' },
      { event: 'raise', at: '2026-01-01T01:00:00.000Z', condition_key: 'b' },
    ]);
    const k = await t.api('GET', '/api/alarm-kpis?from=2026-01-01&to=2026-01-02');
    expect(k.body.total_alarms).toBe(2);
  });
});
