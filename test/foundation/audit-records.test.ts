import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, legacyHash } from '../../src/audit/audit-log.ts';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { hashPassword } from '../../src/users/passwords.ts';
import { calibrate, makeStandard, points } from '../cmms/cmms-fixtures.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { ADMIN, freshDatabaseUrl, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { asAttacker, someRecords, verify } from './audit-helpers.ts';

const env = { AUDIT_CHECKPOINT_SECONDS: '3600' };

describe('content hashes of calibration and maintenance records', () => {
  let t: TestApp;
  const cleanup: (() => void)[] = [];
  afterEach(async () => {
    await t?.stop();
    for (const c of cleanup.splice(0)) c();
  });

  it('names a calibration record set to passed behind the application, even with its hash column recomputed', async () => {
    t = await startTestApp({ env });
    const inst = await makeInstrument(t, { accuracy_class: 0.5 });
    const std = await makeStandard(t, new Date());
    const failed = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(2, 1.5),
    });
    expect(failed.passed).toBe(false);
    await sql`update calibration_records set passed = 1, as_left_passed = 1 where id = ${failed.id}`.execute(
      t.server.ctx.db,
    );
    const v = await verify(t);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      expect.objectContaining({
        check: 'record_hashes',
        kind: 'record_changed',
        entity_type: 'calibration_record',
        entity_id: failed.id,
      }),
    ]);
    expect(v.problems[0].message).toMatch(
      new RegExp(`^calibration record ${failed.id}: content no longer matches`),
    );

    // Someone who read record-hash.ts recomputes the column: the trail's copy still disagrees.
    const { calibrationHash, pointHash } = await import('../../src/audit/record-hash.ts');
    const db = t.server.ctx.db;
    const row = await db
      .selectFrom('calibration_records')
      .selectAll()
      .where('id', '=', failed.id)
      .executeTakeFirstOrThrow();
    const ps = await db
      .selectFrom('calibration_points')
      .selectAll()
      .where('calibration_id', '=', failed.id)
      .orderBy('seq')
      .execute();
    await db
      .updateTable('calibration_records')
      .set({ content_hash: calibrationHash(row, ps.map(pointHash)) })
      .where('id', '=', failed.id)
      .execute();
    const w = await verify(t);
    expect(w.problems).toEqual([expect.objectContaining({ kind: 'record_changed', entity_id: failed.id })]);
  });

  it('names the changed point of a calibration', async () => {
    t = await startTestApp({ env });
    const { cal } = await someRecords(t);
    await sql`update calibration_points set as_found = as_found + 0.5 where calibration_id = ${cal.id} and seq = 2`.execute(
      t.server.ctx.db,
    );
    const v = await verify(t);
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'record_changed', entity_id: cal.id })]);
    expect(v.problems[0].message).toMatch(/points seq 2 changed/);
  });

  it('reports a deleted calibration record and a maintenance record soft-deleted by SQL', async () => {
    t = await startTestApp({ env });
    const { cal, maintenance } = await someRecords(t);
    const db = t.server.ctx.db;
    await db.deleteFrom('calibration_points').where('calibration_id', '=', cal.id).execute();
    await db.deleteFrom('calibration_records').where('id', '=', cal.id).execute();
    await sql`update maintenance_records set deleted_at = ${new Date().toISOString()} where id = ${maintenance.id}`.execute(
      db,
    );
    const v = await verify(t);
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual(
      expect.objectContaining({
        check: 'deleted_records',
        kind: 'record_deleted',
        entity_type: 'calibration_record',
        entity_id: cal.id,
      }),
    );
    expect(v.problems).toContainEqual(
      expect.objectContaining({
        kind: 'record_changed',
        entity_type: 'maintenance_record',
        entity_id: maintenance.id,
      }),
    );
    expect(v.problems).toHaveLength(2);
  });

  it('re-seals a record when a work order links it, so legitimate changes verify clean', async () => {
    t = await startTestApp({ env });
    const inst = await makeInstrument(t);
    const std = await makeStandard(t, new Date());
    const wo = await t.api('POST', '/api/work-orders', {
      body: { instrument_id: inst.id, title: 'Annual calibration', type: 'calibration' },
    });
    expect(wo.status).toBe(201);
    await t.api('PATCH', `/api/work-orders/${wo.body.id}`, { body: { status: 'in_progress' } });
    const rec = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(0.1, 0),
    });
    const done = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
      body: {
        status: 'completed',
        completion_notes: 'Five-point check',
        actual_duration_minutes: 45,
        parts_used: 'none',
        calibration_record_id: rec.id,
      },
    });
    expect(done.status).toBe(200);
    expect((await t.api('GET', `/api/calibrations/${rec.id}`)).body.work_order_id).toBe(wo.body.id);
    const v = await verify(t);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it('seals records written before migration 0009: legacy rows verify, and tampering with those records is caught', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-test-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const fresh = await freshDatabaseUrl(dataDir);
    const ids = await preMigrationDatabase(fresh.url);
    t = await startTestApp({ env, databaseUrl: fresh.url, dataDir });
    const db = t.server.ctx.db;
    const seals = await db
      .selectFrom('audit_log')
      .select(['entity_type', 'new_value'])
      .where('action', '=', 'seal_existing')
      .orderBy('id')
      .execute();
    expect(seals.map((s) => s.entity_type)).toEqual(['calibration_record', 'maintenance_record']);
    const v = await verify(t);
    expect(v.problems).toEqual([]);
    expect(v.checks.find((c) => c.name === 'row_signatures')?.detail).toMatch(/^5 legacy rows/); // 3 old + 2 seal_existing;
    expect(v.records_checked).toEqual({ calibration_records: 1, maintenance_records: 1 });

    await sql`update calibration_records set passed = 1 where id = ${ids.calibration}`.execute(db);
    await db.deleteFrom('maintenance_records').where('id', '=', ids.maintenance).execute();
    // A legacy row rewritten and re-chained breaks the keyed marker that sealed them.
    await asAttacker(t, async (adb) => {
      const first = await adb
        .selectFrom('audit_log')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      const forged = { ...first, new_value: '{"forged":true}' };
      await adb
        .updateTable('audit_log')
        .set({ new_value: forged.new_value, hash: legacyHash(GENESIS_HASH, forged) })
        .where('id', '=', 1)
        .execute();
      const second = await adb
        .selectFrom('audit_log')
        .selectAll()
        .where('id', '=', 2)
        .executeTakeFirstOrThrow();
      await adb
        .updateTable('audit_log')
        .set({
          prev_hash: legacyHash(GENESIS_HASH, forged),
          hash: legacyHash(legacyHash(GENESIS_HASH, forged), second),
        })
        .where('id', '=', 2)
        .execute();
    });
    const w = await verify(t);
    expect(w.problems).toContainEqual(
      expect.objectContaining({
        kind: 'record_changed',
        entity_type: 'calibration_record',
        entity_id: ids.calibration,
      }),
    );
    expect(w.problems).toContainEqual(
      expect.objectContaining({
        kind: 'record_deleted',
        entity_type: 'maintenance_record',
        entity_id: ids.maintenance,
      }),
    );
    expect(w.problems).toContainEqual(expect.objectContaining({ check: 'chain_links', kind: 'broken_link' }));
  });
});

/**
 * A database as the product left it before 0009: migrated up to 0008, with a calibration (two
 * points) and a maintenance record, audited with the old plain sha256 chain.
 */
async function preMigrationDatabase(url: string) {
  const handle = openDatabase(parseDatabaseUrl(url));
  try {
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0009'));
    const migrator = new Migrator({
      db: handle.db as Kysely<any>,
      provider: { getMigrations: async () => before as Record<string, Migration> },
      ...(handle.dialect === 'postgres' && handle.schema ? { migrationTableSchema: handle.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
    const db = handle.db;
    const at = '2025-06-01T08:00:00.000Z';
    const stamp = { created_at: at, updated_at: at };
    const admin = await db
      .insertInto('users')
      .values({
        employee_number: ADMIN.employee_number,
        full_name: 'Administrator',
        role: 'admin',
        password_hash: await hashPassword(ADMIN.password),
        email: null,
        password_changed_at: null,
        last_login_at: null,
        ...stamp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const inst = await db
      .insertInto('instruments')
      .values({
        tag: 'PT-LEGACY',
        type: 'pressure',
        unit: 'bar',
        range_min: 0,
        range_max: 10,
        accuracy_class: 0.5,
        criticality: 'medium',
        calibration_interval_days: 365,
        alarm_deadband: 0,
        alarm_on_delay_seconds: 0,
        publish_interval_seconds: 5,
        stuck_deadband: 0,
        signal_low_ma: 3.8,
        signal_high_ma: 20.5,
        ...stamp,
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    const cal = await db
      .insertInto('calibration_records')
      .values({
        instrument_id: inst.id,
        performed_at: at,
        technician_id: admin.id,
        reference_standard_id: null,
        notes: 'before 0009',
        tolerance_pct: 0.5,
        as_found_passed: 0,
        as_left_passed: 0,
        passed: 0,
        max_as_found_error_pct: 1.25,
        max_as_left_error_pct: 0.75,
        corrects_id: null,
        work_order_id: null,
        next_due_at: '2026-06-01T08:00:00.000Z',
        ...stamp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const seq of [0, 1]) {
      await db
        .insertInto('calibration_points')
        .values({
          calibration_id: cal.id,
          seq,
          reference_value: seq * 10,
          as_found: seq * 10 + 0.125,
          as_left: seq * 10 + 0.075,
          as_found_error_pct: 1.25,
          as_left_error_pct: 0.75,
          as_found_passed: 0,
          as_left_passed: 0,
          ...stamp,
        })
        .execute();
    }
    const m = await db
      .insertInto('maintenance_records')
      .values({
        instrument_id: inst.id,
        performed_at: at,
        action_type: 'repair',
        technician_id: admin.id,
        description: 'Diaphragm seal replaced',
        parts_used: 'seal kit',
        duration_minutes: 90,
        work_order_id: null,
        deleted_at: null,
        ...stamp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The old chain: plain sha256, ids from the sequence.
    let prev = GENESIS_HASH;
    for (const [type, id] of [
      ['instrument', inst.id],
      ['calibration_record', cal.id],
      ['maintenance_record', m.id],
    ] as const) {
      const row = {
        created_at: at,
        user_id: admin.id,
        action: 'create',
        entity_type: type,
        entity_id: String(id),
        old_value: null,
        new_value: JSON.stringify({ id }),
      };
      const hash = legacyHash(prev, row);
      await db
        .insertInto('audit_log')
        .values({ ...row, prev_hash: prev, hash })
        .execute();
      prev = hash;
    }
    return { calibration: cal.id, maintenance: m.id };
  } finally {
    await handle.close();
  }
}
