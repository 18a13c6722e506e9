// Issue 11 item 5: fault and spike readings stay out of the 1-minute, hourly and daily averages
// (counted apart in bad_count), and trend points are stamped at their bucket's start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, floorTo, HOUR_MS, MINUTE_MS } from '../../src/readings/tiers.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('clean history', () => {
  let t: TestApp;
  let id: number;
  let tag: string;
  const now = Date.now();
  const H = floorTo(now - 4 * HOUR_MS, HOUR_MS); // a complete hour, 10 s readings
  const M1 = H + 10 * MINUTE_MS; // 3 good, 2 fault, 1 spike
  const M2 = H + 21 * MINUTE_MS; // only faults
  const D = floorTo(now - 2 * DAY_MS, DAY_MS); // a complete day: one hour of readings, 5 faults
  const good = (ts: number) => 40 + ((ts / 10_000) % 3);
  const rows: { instrument_id: number; ts: number; value: number; quality: string }[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const inst = await makeInstrument(t, { range_min: 0, range_max: 100 });
    id = inst.id;
    tag = inst.tag;
    for (let ts = H; ts < H + HOUR_MS; ts += 10_000) {
      let quality = 'good';
      let value = good(ts);
      if ((ts >= M1 + 30_000 && ts < M1 + 50_000) || (ts >= M2 && ts < M2 + MINUTE_MS)) {
        quality = 'fault';
        value = 150;
      } else if (ts === M1 + 50_000) {
        quality = 'spike';
        value = 99;
      }
      rows.push({ instrument_id: id, ts, value, quality });
    }
    for (let i = 0; i < 360; i++) {
      const ts = D + HOUR_MS + i * 10_000;
      rows.push({ instrument_id: id, ts, value: i < 5 ? -20 : good(ts), quality: i < 5 ? 'fault' : 'good' });
    }
    for (let i = 0; i < rows.length; i += 400)
      await t.server.ctx.db
        .insertInto('raw_readings')
        .values(rows.slice(i, i + 400))
        .execute();
    await t.server.ctx.ingestion?.retention.runOnce();
  });
  afterAll(() => t?.stop());

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const goodIn = (from: number, to: number) =>
    rows.filter((r) => r.quality === 'good' && r.ts >= from && r.ts < to).map((r) => r.value);

  it('keeps fault and spike readings out of the 1-minute, hourly and daily averages and counts them apart', async () => {
    const db = t.server.ctx.db;
    const tier = (table: 'readings_1m' | 'readings_1h' | 'readings_1d', bucket: number) =>
      db
        .selectFrom(table)
        .selectAll()
        .where('instrument_id', '=', id)
        .where('bucket', '=', bucket)
        .executeTakeFirstOrThrow();

    const m1 = await tier('readings_1m', M1);
    expect(m1).toMatchObject({ count: 3, bad_count: 3 });
    expect(m1.avg).toBeCloseTo(mean(goodIn(M1, M1 + MINUTE_MS)), 9);
    expect(m1.max).toBeLessThan(43);
    // A minute of faults only: no value, just the count.
    expect(await tier('readings_1m', M2)).toMatchObject({ count: 0, bad_count: 6 });

    const hour = await tier('readings_1h', H);
    expect(hour).toMatchObject({ count: 360 - 9, bad_count: 9 });
    expect(hour.avg).toBeCloseTo(mean(goodIn(H, H + HOUR_MS)), 9);
    expect(hour.max).toBe(Math.max(...goodIn(H, H + HOUR_MS)));
    expect(hour.min).toBe(Math.min(...goodIn(H, H + HOUR_MS)));

    const day = await tier('readings_1d', D);
    expect(day).toMatchObject({ count: 355, bad_count: 5 });
    expect(day.avg).toBeCloseTo(mean(goodIn(D, D + DAY_MS)), 9);
    expect(day.min).toBe(Math.min(...goodIn(D, D + DAY_MS)));
  });

  const trend = async (from: number, to: number) => {
    const r = await t.api(
      'GET',
      `/api/readings/trends?tag=${tag}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
    );
    expect(r.status).toBe(200);
    return r.body as {
      tier: string;
      bucket_seconds: number | null;
      bad_count: number;
      points: { timestamp: string; value: number; min: number; max: number; bad_count: number }[];
    };
  };

  it('stamps trend points at their bucket start, whatever `from` is, and leaves bad readings out', async () => {
    // A day from an unaligned start: the 1-minute tier in 2-minute points.
    const day = await trend(now - 24 * HOUR_MS + 37_123, now);
    expect(day.tier).toBe('1m');
    const width = (day.bucket_seconds ?? 0) * 1000;
    expect(width).toBe(120_000);
    for (const p of day.points) expect(Date.parse(p.timestamp) % width).toBe(0);
    expect(day.bad_count).toBe(9);
    expect(Math.max(...day.points.map((p) => p.max))).toBeLessThan(43);
    const atM1 = day.points.find((p) => p.timestamp === new Date(M1).toISOString());
    expect(atM1?.bad_count).toBe(3);
    expect(atM1?.value).toBeCloseTo(mean(goodIn(M1, M1 + width)), 9);

    // Ten days: hourly points at the hour.
    const long = await trend(now - 10 * DAY_MS + 1_234_567, now);
    expect(long.tier).toBe('1h');
    for (const p of long.points) expect(Date.parse(p.timestamp) % HOUR_MS).toBe(0);
    const hour = long.points.find((p) => p.timestamp === new Date(H).toISOString());
    expect(hour).toMatchObject({ bad_count: 9 });
    expect(hour?.value).toBeCloseTo(mean(goodIn(H, H + HOUR_MS)), 9);

    // Raw readings over a short span: the good ones as they are, the bad ones only counted.
    const raw = await trend(H, H + HOUR_MS);
    expect(raw.tier).toBe('raw');
    expect(raw.points).toHaveLength(360 - 9);
    expect(raw.bad_count).toBe(9);
    expect(raw.points.every((p) => p.value < 43)).toBe(true);
  });
});
