import { rmSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { legacyHash } from '../../src/audit/audit-log.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { asAttacker, rechainWithSha256, someRecords, verify } from './audit-helpers.ts';

// The background checkpoint writer is slowed down so each test decides when the head is anchored.
const env = { AUDIT_CHECKPOINT_SECONDS: '3600' };

describe('audit trail', () => {
  let t: TestApp;
  afterEach(() => t?.stop());

  it('refuses UPDATE and DELETE at the database level, and clean data verifies on every check', async () => {
    t = await startTestApp({ env });
    await someRecords(t);
    const db = t.server.ctx.db;
    await expect(sql`update audit_log set action = 'forged'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(db)).rejects.toThrow(/append-only/);
    if (t.server.ctx.dialect === 'postgres') {
      await expect(sql`truncate audit_log`.execute(db)).rejects.toThrow(/append-only/);
    }
    const cp = await t.api('GET', '/api/audit/checkpoint');
    expect(cp.status).toBe(200);
    expect(cp.headers.get('content-disposition')).toMatch(/attachment; filename="audit-checkpoint-/);
    const v = await verify(t, cp.body);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.checks.map((c) => [c.name, c.ok])).toEqual([
      ['chain_links', true],
      ['row_signatures', true],
      ['ids_contiguous', true],
      ['keyed_boundary', true],
      ['local_checkpoint', true],
      ['exported_checkpoint', true],
      ['record_hashes', true],
      ['deleted_records', true],
    ]);
    expect(v.records_checked).toEqual({ calibration_records: 1, maintenance_records: 1 });
  });

  it('names the first altered row when someone drops the trigger and edits history', async () => {
    t = await startTestApp({ env });
    const a = await makeInstrument(t);
    await makeInstrument(t);
    const row = await t.server.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .where('entity_type', '=', 'instrument')
      .where('entity_id', '=', String(a.id))
      .executeTakeFirstOrThrow();
    await asAttacker(t, (db) =>
      sql`update audit_log set new_value = '{"forged":true}' where id = ${row.id}`.execute(db).then(() => {}),
    );
    const v = await verify(t);
    expect(v).toMatchObject({ ok: false, first_broken_id: row.id });
    expect(v.problems).toContainEqual(expect.objectContaining({ kind: 'bad_signature', audit_id: row.id }));
  });

  it('detects rows cut off the tail, against the data-folder checkpoint and an exported one', async () => {
    t = await startTestApp({ env });
    await someRecords(t);
    const exported = (await t.api('GET', '/api/audit/checkpoint')).body;
    const head = exported.checkpoint.last_id as number;
    await asAttacker(t, (db) =>
      db
        .deleteFrom('audit_log')
        .where('id', '>', head - 3)
        .execute()
        .then(() => {}),
    );
    // The chain that is left is intact: only the anchors outside the table can tell.
    const v = await verify(t);
    expect(v.ok).toBe(false);
    expect(v.checks.find((c) => c.name === 'chain_links')?.ok).toBe(true);
    expect(v.problems).toContainEqual(
      expect.objectContaining({ check: 'local_checkpoint', kind: 'truncated', audit_id: head }),
    );
    // The data-folder checkpoint is a ratchet: exporting a new one does not move it back.
    await t.api('GET', '/api/audit/checkpoint');
    expect((await verify(t)).problems).toContainEqual(expect.objectContaining({ kind: 'truncated' }));
    // Without the data folder's copy, the exported checkpoint still tells.
    rmSync(path.join(t.dataDir, 'audit-checkpoint.json'));
    const w = await verify(t, exported);
    expect(w.ok).toBe(false);
    expect(w.problems).toContainEqual(
      expect.objectContaining({ check: 'exported_checkpoint', kind: 'truncated', audit_id: head }),
    );
  });

  it('detects a forged, backdated row appended to the chain', async () => {
    t = await startTestApp({ env });
    const { cal } = await someRecords(t);
    let forgedId = 0;
    await asAttacker(t, async (db) => {
      const last = await db
        .selectFrom('audit_log')
        .select(['id', 'hash'])
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const row = {
        created_at: '2020-01-01T00:00:00.000Z',
        user_id: null,
        action: 'approve',
        entity_type: 'calibration_record',
        entity_id: String(cal.id),
        old_value: null,
        new_value: '{"approved":true}',
      };
      forgedId = last.id + 1;
      await db
        .insertInto('audit_log')
        .values({ id: forgedId, ...row, prev_hash: last.hash, hash: legacyHash(last.hash, row) })
        .execute();
    });
    const v = await verify(t);
    expect(v).toMatchObject({ ok: false, first_broken_id: forgedId });
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'bad_signature', audit_id: forgedId })]);
  });

  it('detects history rewritten and re-chained with plain sha256', async () => {
    t = await startTestApp({ env });
    const { inst } = await someRecords(t);
    const exported = (await t.api('GET', '/api/audit/checkpoint')).body;
    const target = await t.server.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .where('entity_type', '=', 'instrument')
      .where('entity_id', '=', String(inst.id))
      .executeTakeFirstOrThrow();
    await asAttacker(t, async (db) => {
      await sql`update audit_log set new_value = '{"tag":"XX-999"}' where id = ${target.id}`.execute(db);
      await rechainWithSha256(db, 1);
    });
    const v = await verify(t, exported);
    expect(v.ok).toBe(false);
    // Every link is consistent again, but no keyed row carries a valid HMAC.
    expect(v.checks.find((c) => c.name === 'chain_links')?.ok).toBe(true);
    expect(v.checks.find((c) => c.name === 'row_signatures')?.ok).toBe(false);
    expect(v.problems).toContainEqual(
      expect.objectContaining({ kind: 'bad_signature', audit_id: target.id }),
    );
    expect(v.problems).toContainEqual(
      expect.objectContaining({ check: 'exported_checkpoint', kind: 'rewritten' }),
    );
  });

  it('keeps one contiguous, verifiable chain when two servers on one database append at once', async () => {
    t = await startTestApp({ env });
    const b = await startTestApp({ env, databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    try {
      await Promise.all(Array.from({ length: 16 }, (_, i) => makeInstrument(i % 2 ? b : t)));
    } finally {
      await b.stop();
    }
    const v = await verify(t);
    expect(v.problems).toEqual([]);
    const created = await t.server.ctx.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('entity_type', '=', 'instrument')
      .executeTakeFirstOrThrow();
    expect(Number(created.n)).toBe(16);
  });

  it('reports a gap in the ids', async () => {
    t = await startTestApp({ env });
    await someRecords(t);
    await makeInstrument(t);
    const ids = (await t.server.ctx.db.selectFrom('audit_log').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
    const victim = ids[ids.length - 3];
    await asAttacker(t, (db) =>
      db
        .deleteFrom('audit_log')
        .where('id', '=', victim)
        .execute()
        .then(() => {}),
    );
    const v = await verify(t);
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual(
      expect.objectContaining({
        check: 'ids_contiguous',
        kind: 'id_gap',
        message: `row ${victim} is missing`,
      }),
    );
  });
});
