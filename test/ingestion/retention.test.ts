// Downsampling and retention on an injected clock, against the real database (both dialects).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindAuditKey } from '../../src/audit/audit-log.ts';
import { parseDatabaseUrl } from '../../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createInstrument } from '../../src/instruments/instrument-service.ts';
import { AfterCommit } from '../../src/notifications/after-commit.ts';
import { ReadingWriter } from '../../src/readings/reading-writer.ts';
import { applyRetention, downsample, type RetentionDeps } from '../../src/readings/retention.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, SETTLE_MS, STATE } from '../../src/readings/tiers.ts';
import { freshDatabaseUrl } from '../helpers/test-app.ts';

const T0 = Date.UTC(2025, 0, 6); // a Monday, 00:00 UTC
const log = pino({ level: 'silent' });

interface Raw {
  instrument_id: number;
  ts: number;
  value: number;
}
interface Agg {
  instrument_id: number;
  bucket: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}

/** The expected tier, computed in JS from the raw rows. */
function model(rows: Raw[], bucketMs: number, until: number): Agg[] {
  const m = new Map<string, Agg & { sum: number }>();
  for (const r of rows) {
    if (r.ts >= until) continue;
    const bucket = Math.floor(r.ts / bucketMs) * bucketMs;
    const k = `${r.instrument_id}|${bucket}`;
    const a = m.get(k);
    if (!a)
      m.set(k, {
        instrument_id: r.instrument_id,
        bucket,
        sum: r.value,
        count: 1,
        min: r.value,
        max: r.value,
        avg: 0,
      });
    else {
      a.sum += r.value;
      a.count++;
      a.min = Math.min(a.min, r.value);
      a.max = Math.max(a.max, r.value);
    }
  }
  return [...m.values()]
    .map(({ sum, ...a }) => ({ ...a, avg: sum / a.count }))
    .sort((x, y) => x.instrument_id - y.instrument_id || x.bucket - y.bucket);
}

describe('downsampling and retention', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  let url: string;
  let deps: RetentionDeps;
  let ids: number[];
  let raw: Raw[];

  async function tier(table: 'readings_1m' | 'readings_1h' | 'readings_1d', db = handle.db): Promise<Agg[]> {
    return db.selectFrom(table).selectAll().orderBy('instrument_id').orderBy('bucket').execute() as Promise<
      Agg[]
    >;
  }
  function expectTier(actual: Agg[], expected: Agg[]) {
    expect(actual.length).toBe(expected.length);
    actual.forEach((a, i) => {
      const e = expected[i];
      expect({ id: a.instrument_id, b: a.bucket, n: a.count, mn: a.min, mx: a.max }).toEqual({
        id: e.instrument_id,
        b: e.bucket,
        n: e.count,
        mn: e.min,
        mx: e.max,
      });
      expect(a.avg).toBeCloseTo(e.avg, 9);
    });
  }
  async function state(key: string): Promise<number | null> {
    const r = await handle.db
      .selectFrom('system_state')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return r ? Number(r.value) : null;
  }
  async function insertRaw(rows: Raw[]) {
    for (let i = 0; i < rows.length; i += 500)
      await handle.db
        .insertInto('raw_readings')
        .values(rows.slice(i, i + 500).map((r) => ({ ...r, quality: 'good' })))
        .execute();
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-ret-'));
    const fresh = await freshDatabaseUrl(dataDir);
    url = fresh.url;
    drop = fresh.drop;
    handle = openDatabase(parseDatabaseUrl(url));
    await migrateToLatest(handle);
    // Services audit their changes, and the audit chain needs its key (src/audit/audit-key.ts).
    await bindAuditKey(handle.db, 'retention-test-audit-key-of-32-chars', new Date().toISOString());
    deps = { db: handle.db, dialect: handle.dialect, log };
    ids = [];
    for (const tag of ['RT-A', 'RT-B']) {
      const i = await createInstrument(
        handle.db,
        null,
        { tag, type: 'pressure', unit: 'bar', range_min: 0, range_max: 2000 },
        new Date(T0),
        new AfterCommit(),
      );
      ids.push(i.id);
    }
    // A: every 10 s for 50 hours, a sawtooth; B: every 30 s, flat with one spike.
    raw = [];
    for (let t = T0; t < T0 + 50 * HOUR_MS; t += 10_000)
      raw.push({ instrument_id: ids[0], ts: t, value: ((t - T0) / 10_000) % 60 });
    for (let t = T0; t < T0 + 50 * HOUR_MS; t += 30_000)
      raw.push({ instrument_id: ids[1], ts: t, value: t === T0 + 5 * HOUR_MS + 30_000 ? 1000 : 7.25 });
    await insertRaw(raw);
  });
  afterEach(async () => {
    await handle.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fills each tier from the finer one up to the last complete bucket, and again gives the same', async () => {
    const now = T0 + 50 * HOUR_MS + SETTLE_MS + 30_000;
    const result = await downsample(deps, now);
    expect(result.watermarks).toEqual({
      '1m': T0 + 50 * HOUR_MS,
      '1h': T0 + 50 * HOUR_MS,
      '1d': T0 + 2 * DAY_MS,
    });
    expect(await state(STATE.watermark('1m'))).toBe(T0 + 50 * HOUR_MS);
    expectTier(await tier('readings_1m'), model(raw, MINUTE_MS, T0 + 50 * HOUR_MS));
    expectTier(await tier('readings_1h'), model(raw, HOUR_MS, T0 + 50 * HOUR_MS));
    expectTier(await tier('readings_1d'), model(raw, DAY_MS, T0 + 2 * DAY_MS));
    // The spike survives every tier's max.
    const hourOfSpike = (await tier('readings_1h')).find(
      (r) => r.instrument_id === ids[1] && r.bucket === T0 + 5 * HOUR_MS,
    );
    expect(hourOfSpike?.max).toBe(1000);

    // Another pass, and two "processes" at once: nothing is counted twice.
    const other = openDatabase(parseDatabaseUrl(url));
    try {
      await Promise.all([
        downsample(deps, now + MINUTE_MS),
        downsample({ db: other.db, dialect: other.dialect, log }, now + MINUTE_MS),
      ]);
    } finally {
      await other.close();
    }
    expectTier(await tier('readings_1m'), model(raw, MINUTE_MS, T0 + 50 * HOUR_MS));
    expectTier(await tier('readings_1d'), model(raw, DAY_MS, T0 + 2 * DAY_MS));
  });

  it('stops SETTLE_MS behind the clock and picks up from its watermark', async () => {
    await downsample(deps, T0 + 3 * HOUR_MS + 10 * MINUTE_MS + 5_000);
    // Minutes up to 03:08 are complete (03:10:05 - 2 min, floored), hours up to 03:00.
    expect(await state(STATE.watermark('1m'))).toBe(T0 + 3 * HOUR_MS + 8 * MINUTE_MS);
    expect(await state(STATE.watermark('1h'))).toBe(T0 + 3 * HOUR_MS);
    expectTier(await tier('readings_1m'), model(raw, MINUTE_MS, T0 + 3 * HOUR_MS + 8 * MINUTE_MS));
    await downsample(deps, T0 + 7 * HOUR_MS + SETTLE_MS);
    expectTier(await tier('readings_1m'), model(raw, MINUTE_MS, T0 + 7 * HOUR_MS));
    expectTier(await tier('readings_1h'), model(raw, HOUR_MS, T0 + 7 * HOUR_MS));
    expect(await tier('readings_1d')).toEqual([]);
  });

  it('recomputes the buckets of a late reading committed after its minute was aggregated', async () => {
    const now = T0 + 50 * HOUR_MS + SETTLE_MS;
    await downsample(deps, now);
    // A gateway's backfill arrives through the writer: it marks the data dirty in its transaction.
    const late: Raw = { instrument_id: ids[0], ts: T0 + 3 * HOUR_MS + 10 * MINUTE_MS + 5_000, value: 1500 };
    const writer = new ReadingWriter(
      handle.db,
      handle.dialect,
      { batchSize: 100, flushMs: 1, queueMax: 1000, now: () => now },
      { committed() {}, failed() {} },
      log,
    );
    writer.enqueue(
      [{ instrumentId: late.instrument_id, ts: late.ts, value: late.value, quality: 'good' }],
      null,
    );
    await writer.stop();
    expect(await state(STATE.dirtyFrom)).toBe(late.ts);

    const result = await downsample(deps, now + MINUTE_MS);
    expect(result.recomputedFrom).toBe(T0 + 3 * HOUR_MS + 10 * MINUTE_MS);
    const all = [...raw, late];
    expectTier(await tier('readings_1m'), model(all, MINUTE_MS, T0 + 50 * HOUR_MS));
    expectTier(await tier('readings_1h'), model(all, HOUR_MS, T0 + 50 * HOUR_MS));
    expectTier(await tier('readings_1d'), model(all, DAY_MS, T0 + 2 * DAY_MS));
    expect(await state(STATE.dirtyFrom)).toBeNull();
  });

  it('drops raw data after 7 days, never before the 1-minute tier holds it', async () => {
    // Nothing aggregated yet: nothing may be deleted, however old.
    await applyRetention(deps, T0 + 400 * DAY_MS);
    expect(await countRaw()).toBe(raw.length);

    // Minutes done up to 02:00 only: raw below 02:00 may go, the rest must stay.
    await downsample(deps, T0 + 2 * HOUR_MS + SETTLE_MS);
    await applyRetention(deps, T0 + 30 * DAY_MS);
    expect(await countRaw()).toBe(raw.filter((r) => r.ts >= T0 + 2 * HOUR_MS).length);
    expect(await state(STATE.floor('raw'))).toBe(T0 + 2 * HOUR_MS);

    // Everything aggregated; at day 8, raw older than 7 days (before day 1) goes, tiers stay whole.
    await downsample(deps, T0 + 50 * HOUR_MS + SETTLE_MS);
    const now = T0 + 8 * DAY_MS + 5 * MINUTE_MS;
    await downsample(deps, now);
    await applyRetention(deps, now);
    expect(await countRaw()).toBe(raw.filter((r) => r.ts >= T0 + DAY_MS).length);
    expectTier(await tier('readings_1m'), model(raw, MINUTE_MS, T0 + 50 * HOUR_MS));

    // A late reading below the raw floor cannot be aggregated from what raw still holds, so its
    // buckets are left as they were instead of being recomputed from a remnant.
    await handle.db
      .insertInto('raw_readings')
      .values({ instrument_id: ids[0], ts: T0 + 60_000, value: 999, quality: 'good' })
      .execute();
    await handle.db
      .insertInto('system_state')
      .values({ key: STATE.dirtyFrom, value: String(T0 + 60_000), updated_at: new Date(now).toISOString() })
      .execute();
    await downsample(deps, now + MINUTE_MS);
    expectTier(await tier('readings_1m'), model(raw, MINUTE_MS, T0 + 50 * HOUR_MS));
  });

  it('keeps minutes 90 days and hours 2 years, each only once the next tier has them', async () => {
    await downsample(deps, T0 + 50 * HOUR_MS + SETTLE_MS);
    let now = T0 + 95 * DAY_MS;
    await downsample(deps, now);
    await applyRetention(deps, now);
    expect(await tier('readings_1m')).toEqual([]);
    expectTier(await tier('readings_1h'), model(raw, HOUR_MS, T0 + 50 * HOUR_MS));

    now = T0 + 740 * DAY_MS;
    await downsample(deps, now);
    await applyRetention(deps, now);
    expect(await tier('readings_1h')).toEqual([]);
    expectTier(await tier('readings_1d'), model(raw, DAY_MS, T0 + 50 * HOUR_MS));
    expect(await countRaw()).toBe(0);
  });

  async function countRaw(): Promise<number> {
    const r = await handle.db
      .selectFrom('raw_readings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
});
