import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('audit trail', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('refuses UPDATE and DELETE at the database level', async () => {
    await makeInstrument(t);
    const db = t.server.ctx.db;
    await expect(sql`update audit_log set action = 'forged'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(db)).rejects.toThrow(/append-only/);
    if (t.server.ctx.dialect === 'postgres') {
      await expect(sql`truncate audit_log`.execute(db)).rejects.toThrow(/append-only/);
    }
    const verify = await t.api('GET', '/api/audit/verify');
    expect(verify.body.ok).toBe(true);
    expect(verify.body.rows_checked).toBeGreaterThan(1);
  });

  it('names the first altered row when someone drops the trigger and edits history', async () => {
    const a = await makeInstrument(t);
    await makeInstrument(t);
    const db = t.server.ctx.db;
    const row = await db
      .selectFrom('audit_log')
      .select('id')
      .where('entity_type', '=', 'instrument')
      .where('entity_id', '=', String(a.id))
      .executeTakeFirstOrThrow();
    if (t.server.ctx.dialect === 'postgres') {
      await sql`alter table audit_log disable trigger audit_log_no_update`.execute(db);
      await sql`update audit_log set new_value = '{"forged":true}' where id = ${row.id}`.execute(db);
      await sql`alter table audit_log enable trigger audit_log_no_update`.execute(db);
    } else {
      await sql`drop trigger audit_log_no_update`.execute(db);
      await sql`update audit_log set new_value = '{"forged":true}' where id = ${row.id}`.execute(db);
    }
    const verify = await t.api('GET', '/api/audit/verify');
    expect(verify.body).toMatchObject({ ok: false, first_broken_id: row.id });
  });
});
