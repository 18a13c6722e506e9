// Downsampling catch-up after an outage (issue 16 item 5): chunked set-based statements give the
// same tiers as the minute-by-minute passes, a stopped catch-up resumes at its watermark, and the
// real app keeps acknowledging and storing readings while it catches up. Both dialects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindAuditKey } from '../../src/audit/audit-log.ts';
import { parseDatabaseUrl } from '../../src/config.ts';
import { type Database, type DatabaseHandle, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createInstruments } from '../../src/instruments/instrument-service.ts';
import { AfterCommit } from '../../src/notifications/after-commit.ts';
import { downsample, type RetentionDeps } from '../../src/readings/retention.ts';
import {
  AGGREGATE_TIERS,
  type AggregateTable,
  DAY_MS,
  floorTo,
  HOUR_MS,
  MINUTE_MS,
  SETTLE_MS,
  STATE,
} from '../../src/readings/tiers.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { publishReadings, reading, waitForStored } from '../helpers/mqtt.ts';
import { freshDatabaseUrl, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 2, 3); // the outage starts at 00:00 UTC
const OUTAGE_MS = 30 * HOUR_MS;

interface Raw {
  instrument_id: number;
  ts: number;
  value: number;
  quality: string;
}

/** Readings of `ids` over [from, to): intervals of 2, 5 and 10 s, a few faults and spikes. */
function backlog(ids: number[], from: number, to: number, stepMs?: number): Raw[] {
  const rows: Raw[] = [];
  ids.forEach((id, k) => {
    const step = stepMs ?? [2_000, 5_000, 10_000][k % 3];
    for (let ts = from + ((k * 137) % step); ts < to; ts += step) {
      const n = Math.floor(ts / step);
      const quality = (n + k) % 89 === 0 ? 'spike' : (n + k) % 131 === 0 ? 'fault' : 'good';
      rows.push({
        instrument_id: id,
        ts,
        value: k * 3 + Math.sin(ts / 900_000 + k) * 4 + (n % 7) / 8,
        quality,
      });
    }
  });
  return rows;
}

async function insertRaw(db: Database, rows: Raw[]) {
  for (let i = 0; i < rows.length; i += 2000)
    await db
      .insertInto('raw_readings')
      .values(rows.slice(i, i + 2000))
      .execute();
}

async function tier(db: Database, table: AggregateTable) {
  const rows = await db.selectFrom(table).selectAll().orderBy('instrument_id').orderBy('bucket').execute();
  return rows.map((r) => ({ ...r, avg: Number(r.avg.toFixed(9)) }));
}

async function state(db: Database, key: string): Promise<number | null> {
  const r = await db.selectFrom('system_state').select('value').where('key', '=', key).executeTakeFirst();
  return r ? Number(r.value) : null;
}

/** Back to the moment the outage ended: no tier rows, every watermark at the outage's start. */
async function resetTiers(db: Database) {
  for (const t of AGGREGATE_TIERS) await db.deleteFrom(t.table).execute();
  await db.deleteFrom('system_state').where('key', 'like', 'readings.%').execute();
  await db
    .insertInto('system_state')
    .values(
      AGGREGATE_TIERS.map((t) => ({
        key: STATE.watermark(t.name),
        value: String(T0),
        updated_at: new Date().toISOString(),
      })),
    )
    .execute();
}

describe('downsampling catch-up', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  let deps: RetentionDeps;
  let ids: number[];

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-catchup-'));
    const fresh = await freshDatabaseUrl(dataDir);
    drop = fresh.drop;
    handle = openDatabase(parseDatabaseUrl(fresh.url));
    await migrateToLatest(handle);
    await bindAuditKey(handle.db, 'catch-up-test-audit-key-of-32-chars', new Date().toISOString());
    const made = await createInstruments(
      handle.db,
      null,
      Array.from({ length: 9 }, (_, k) => ({
        tag: `CU-${k}`,
        type: 'pressure',
        unit: 'bar',
        range_min: 0,
        range_max: 100,
        publish_interval_seconds: [2, 5, 10][k % 3],
      })),
      new Date(T0),
      new AfterCommit(),
    );
    ids = made.map((m) => m.id);
    await insertRaw(handle.db, backlog(ids, T0, T0 + OUTAGE_MS));
    // Small chunks: every window of the catch-up is split into several statements.
    deps = { db: handle.db, dialect: handle.dialect, log, sizing: { startRows: 3_000, maxRows: 6_000 } };
  });
  afterEach(async () => {
    await handle.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives the same tiers in one catch-up as pass after pass while the readings arrived', async () => {
    const end = T0 + OUTAGE_MS;
    // The incremental path: a pass every 20 minutes of the outage, each extending every tier.
    await resetTiers(handle.db);
    for (let now = T0 + 20 * MINUTE_MS; now <= end + SETTLE_MS; now += 20 * MINUTE_MS)
      expect((await downsample({ db: handle.db, dialect: handle.dialect, log }, now)).complete).toBe(true);
    const last = await downsample({ db: handle.db, dialect: handle.dialect, log }, end + SETTLE_MS);
    expect(last.watermarks).toEqual({ '1m': end, '1h': end, '1d': T0 + DAY_MS });
    const incremental = await Promise.all(AGGREGATE_TIERS.map((t) => tier(handle.db, t.table)));
    expect(incremental[0].length).toBeGreaterThan(9 * 30 * 60 * 0.99);

    // The catch-up: one pass over the whole outage, in many small statements.
    await resetTiers(handle.db);
    const result = await downsample(deps, end + SETTLE_MS);
    expect(result.complete).toBe(true);
    expect(result.watermarks).toEqual(last.watermarks);
    // 30 one-hour windows of the minute tier, each split into runs of instruments on SQLite.
    expect(result.statements).toBeGreaterThan(handle.dialect === 'sqlite' ? 60 : 30);
    const caughtUp = await Promise.all(AGGREGATE_TIERS.map((t) => tier(handle.db, t.table)));
    expect(caughtUp).toEqual(incremental);
    // Fault and spike readings stayed out of the averages and were counted apart.
    expect(caughtUp[2].reduce((s, r) => s + r.bad_count, 0)).toBeGreaterThan(0);
  });

  it('resumes from its watermarks after a pass is stopped part-way', async () => {
    const end = T0 + OUTAGE_MS;
    await resetTiers(handle.db);
    const expected = await (async () => {
      await downsample(deps, end + SETTLE_MS);
      const all = await Promise.all(AGGREGATE_TIERS.map((t) => tier(handle.db, t.table)));
      await resetTiers(handle.db);
      return all;
    })();

    // Stopped after a dozen statements (a shutdown, a lost lease): the minute tier is part-way.
    let checks = 12;
    const stopped = await downsample({ ...deps, keepGoing: () => checks-- > 0 }, end + SETTLE_MS);
    expect(stopped.complete).toBe(false);
    expect(stopped.statements).toBeGreaterThan(3);
    const w1m = (await state(handle.db, STATE.watermark('1m'))) ?? 0;
    expect(w1m).toBeGreaterThan(T0);
    expect(w1m).toBeLessThan(end);
    expect(w1m % MINUTE_MS).toBe(0);
    expect(stopped.watermarks['1m']).toBe(w1m);
    // The coarser tiers waited; the late mark (none here) and retention too.
    expect(await state(handle.db, STATE.watermark('1h'))).toBe(T0);
    // What lies below the watermark is complete.
    const partial = await tier(handle.db, 'readings_1m');
    expect(partial.filter((r) => r.bucket < w1m)).toEqual(expected[0].filter((r) => r.bucket < w1m));

    // The next pass starts at the watermark, not at the outage's start, and finishes the job.
    const resumed = await downsample(deps, end + SETTLE_MS);
    expect(resumed.complete).toBe(true);
    expect(resumed.watermarks).toEqual({ '1m': end, '1h': end, '1d': T0 + DAY_MS });
    expect(await Promise.all(AGGREGATE_TIERS.map((t) => tier(handle.db, t.table)))).toEqual(expected);
  });
});

describe('catch-up in the running app', () => {
  let t: TestApp | null = null;
  let again: TestApp | null = null;
  let dataDir: string;
  let drop: () => Promise<void>;
  afterEach(async () => {
    await again?.stop();
    await t?.stop();
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores readings while it catches up, stops with the app and resumes after a restart', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-catchup-app-'));
    const fresh = await freshDatabaseUrl(dataDir);
    drop = fresh.drop;
    // A pause between statements stretches the catch-up over seconds, so it is surely still under
    // way while a reading goes through.
    t = await startTestApp({ databaseUrl: fresh.url, dataDir, env: { DOWNSAMPLE_PAUSE_MS: '150' } });
    const live = await makeInstrument(t);
    const backlogIds: number[] = [];
    for (let k = 0; k < 4; k++) backlogIds.push((await makeInstrument(t)).id);
    const now = Date.now();
    const from = floorTo(now - 2 * DAY_MS, DAY_MS);
    const until = floorTo(now - SETTLE_MS, MINUTE_MS);
    const rows = backlog(backlogIds, from, until, 60_000);
    const db = t.server.ctx.db;
    await insertRaw(db, rows);
    for (const tr of AGGREGATE_TIERS)
      await db
        .insertInto('system_state')
        .values({ key: STATE.watermark(tr.name), value: String(from), updated_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(from) }))
        .execute();
    const retention = t.server.ctx.ingestion?.retention;
    if (!retention) throw new Error('no ingestion runtime');
    const pass = retention.runOnce().catch(() => null);

    const progress = () => t?.api('GET', '/health').then((r) => r.body.ingestion.downsampling);
    await waitUntil(progress, (d) => d.running_since !== null && d.watermarks?.['1m'] > from, {
      what: 'the catch-up under way',
    });
    // A reading published now is acknowledged (publishReadings waits for the PUBACK, sent after
    // its commit) and stored while the catch-up is still far from done.
    await publishReadings(t, [reading(live.tag, Date.now(), 4.2)]);
    await waitForStored(t, 1);
    const stored = await db
      .selectFrom('raw_readings')
      .select('ts')
      .where('instrument_id', '=', live.id)
      .execute();
    expect(stored).toHaveLength(1);
    const during = await progress();
    expect(during.running_since).not.toBeNull();
    expect(during.watermarks['1m']).toBeLessThan(until - 6 * HOUR_MS);

    // Stopping the app ends the pass at its next statement instead of finishing two days.
    await t.stop();
    t = null;
    expect((await pass)?.complete).toBe(false);
    const check = openDatabase(parseDatabaseUrl(fresh.url));
    const stoppedAt = (await state(check.db, STATE.watermark('1m'))) ?? 0;
    await check.close();
    expect(stoppedAt).toBeGreaterThan(from);
    expect(stoppedAt).toBeLessThan(until);

    // A restart resumes from the watermark and completes every tier.
    again = await startTestApp({ databaseUrl: fresh.url, dataDir });
    const result = await again.server.ctx.ingestion?.retention.runOnce();
    expect(result?.complete).toBe(true);
    expect(result?.watermarks['1m']).toBeGreaterThanOrEqual(until);
    const minutes = await again.server.ctx.db
      .selectFrom('readings_1m')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('count').as('c')])
      .where('instrument_id', 'in', backlogIds)
      .executeTakeFirstOrThrow();
    expect(Number(minutes.n)).toBe(rows.length);
    const bad = rows.filter((r) => r.quality !== 'good').length;
    expect(Number(minutes.c)).toBe(rows.length - bad);
    const days = await again.server.ctx.db
      .selectFrom('readings_1d')
      .select((eb) => eb.fn.sum<number>('bad_count').as('b'))
      .where('instrument_id', 'in', backlogIds)
      .executeTakeFirstOrThrow();
    expect(Number(days.b)).toBe(
      rows.filter((r) => r.ts < floorTo(until, DAY_MS) && r.quality !== 'good').length,
    );
  });
});
