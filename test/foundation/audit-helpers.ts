import { type Kysely, sql } from 'kysely';
import { legacyHash } from '../../src/audit/audit-log.ts';
import type { DB } from '../../src/db/schema.ts';
import { calibrate, makeStandard, points } from '../cmms/cmms-fixtures.ts';
import { makeInstrument } from '../helpers/factories.ts';
import type { TestApp } from '../helpers/test-app.ts';

// Tampering as someone with write access to the database would do it: triggers off, raw SQL.

export async function asAttacker(t: TestApp, fn: (db: Kysely<DB>) => Promise<void>) {
  const db = t.server.ctx.db;
  if (t.server.ctx.dialect === 'postgres') {
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(db);
    await fn(db);
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(db);
  } else {
    await sql`drop trigger if exists audit_log_no_update`.execute(db);
    await sql`drop trigger if exists audit_log_no_delete`.execute(db);
    await fn(db);
  }
}

/** Recomputes every hash from row `fromId` on with plain sha256, as the pre-HMAC chain was built. */
export async function rechainWithSha256(db: Kysely<DB>, fromId: number) {
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  let prev = '0'.repeat(64);
  for (const r of rows) {
    if (r.id >= fromId) {
      const hash = legacyHash(prev, r);
      await db.updateTable('audit_log').set({ prev_hash: prev, hash }).where('id', '=', r.id).execute();
      prev = hash;
    } else prev = r.hash;
  }
}

/** A passing calibration and a maintenance record on a fresh instrument, through the API. */
export async function someRecords(t: TestApp) {
  const inst = await makeInstrument(t, { accuracy_class: 0.5 });
  const std = await makeStandard(t, new Date());
  const cal = await calibrate(t, {
    instrument_id: inst.id,
    reference_standard_id: std.id,
    performed_at: new Date(Date.now() - 3_600_000).toISOString(),
    points: points(0.1, 0.05),
  });
  const m = await t.api('POST', '/api/maintenance', {
    body: { instrument_id: inst.id, action_type: 'cleaning', description: 'Impulse lines blown down' },
  });
  if (m.status !== 201) throw new Error(`maintenance: ${m.status} ${JSON.stringify(m.body)}`);
  return { inst, cal: cal as { id: number }, maintenance: m.body as { id: number } };
}

export async function verify(t: TestApp, checkpoint?: unknown) {
  const res = checkpoint
    ? await t.api('POST', '/api/audit/verify', { body: { checkpoint } })
    : await t.api('GET', '/api/audit/verify');
  if (res.status !== 200) throw new Error(`verify: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as {
    ok: boolean;
    first_broken_id?: number;
    reason?: string;
    checks: { name: string; ok: boolean; detail: string }[];
    problems: {
      check: string;
      kind: string;
      message: string;
      audit_id?: number;
      entity_type?: string;
      entity_id?: number;
    }[];
    records_checked: { calibration_records: number; maintenance_records: number };
  };
}
