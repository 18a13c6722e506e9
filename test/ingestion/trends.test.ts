// Trend API over a day of history: tier by span, at most ~1,000 points, min/max keep a spike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/readings/tiers.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { publishReadings, reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

describe('GET /api/readings/trends', () => {
  let t: TestApp;
  let tag: string;
  let id: number;
  let spikeAt: number;
  const now = Date.now();
  const start = now - 26 * HOUR_MS;

  beforeAll(async () => {
    t = await startTestApp();
    const inst = await makeInstrument(t, { range_min: 0, range_max: 100 });
    tag = inst.tag;
    id = inst.id;
    // 26 hours of history every 10 s (as a seed backfill would write it), one 1-second spike.
    spikeAt = now - 5 * HOUR_MS + 20_000;
    const rows = [];
    for (let ts = start; ts < now - 60_000; ts += 10_000) {
      rows.push({
        instrument_id: id,
        ts,
        value: ts === spikeAt ? 95 : 40 + Math.sin(ts / 600_000),
        quality: 'good',
      });
    }
    for (let i = 0; i < rows.length; i += 500)
      await t.server.ctx.db
        .insertInto('raw_readings')
        .values(rows.slice(i, i + 500))
        .execute();
    await t.server.ctx.ingestion!.retention.runOnce();
    // And one live reading through MQTT, newer than anything the 1-minute tier holds yet.
    await publishReadings(t, [reading(tag, now - 1000, 41.5)]);
    await waitUntil(
      () => t.api('GET', `/api/instruments/${id}`),
      (r) => r.body.last_reading?.value === 41.5,
    );
  });
  afterAll(() => t?.stop());

  const get = (q: string) => t.api('GET', `/api/readings/trends?tag=${tag}&${q}`);
  const iso = (ms: number) => new Date(ms).toISOString();

  it('returns raw readings as they are for a short span', async () => {
    const r = await get(`from=${iso(now - 2 * HOUR_MS)}&to=${iso(now)}`);
    expect(r.status).toBe(200);
    expect(r.body.tier).toBe('raw');
    expect(r.body.bucket_seconds).toBeNull();
    expect(r.body.points.length).toBe(720 - 6 + 1);
    expect(r.body.points.at(-1)).toEqual({
      timestamp: iso(now - 1000),
      value: 41.5,
      min: 41.5,
      max: 41.5,
      bad_count: 0,
    });
  });

  it('buckets raw readings in SQL when a 6-hour span has more than max_points', async () => {
    const r = await get(`from=${iso(now - 6 * HOUR_MS)}&to=${iso(now)}`);
    expect(r.body.tier).toBe('raw');
    expect(r.body.points.length).toBeLessThanOrEqual(1000);
    expect(r.body.points.length).toBeGreaterThan(700);
    expect(Math.max(...r.body.points.map((p: { max: number }) => p.max))).toBe(95);
    const spike = r.body.points.find((p: { max: number }) => p.max === 95);
    expect(spike.value).toBeLessThan(95); // averaged with its neighbours, but the max keeps it
  });

  it('reads the 1-minute tier for a day, topped up from raw past its watermark', async () => {
    const r = await get(`from=${iso(now - 24 * HOUR_MS)}&to=${iso(now)}`);
    expect(r.status).toBe(200);
    expect(r.body.tier).toBe('1m');
    expect(r.body.points.length).toBeLessThanOrEqual(1000);
    expect(r.body.bucket_seconds).toBe(120);
    expect(Math.max(...r.body.points.map((p: { max: number }) => p.max))).toBe(95);
    // The newest point comes from raw: the live reading of a second ago is in it.
    expect(r.body.points.at(-1).max).toBeGreaterThanOrEqual(41.5);
    expect(Date.parse(r.body.points.at(-1).timestamp)).toBeGreaterThan(now - 3 * 60_000);
    const small = await get(`from=${iso(now - 24 * HOUR_MS)}&to=${iso(now)}&max_points=100`);
    expect(small.body.points.length).toBeLessThanOrEqual(100);
    expect(Math.max(...small.body.points.map((p: { max: number }) => p.max))).toBe(95);
  });

  it('picks the hourly tier for a month and the daily tier beyond a year', async () => {
    const month = await get(`from=${iso(now - 30 * 24 * HOUR_MS)}&to=${iso(now)}`);
    expect(month.body.tier).toBe('1h');
    expect(Math.max(...month.body.points.map((p: { max: number }) => p.max))).toBe(95);
    const years = await get(`from=${iso(now - 3 * 365 * 24 * HOUR_MS)}&to=${iso(now)}`);
    expect(years.body.tier).toBe('1d');
    expect(Math.max(...years.body.points.map((p: { max: number }) => p.max))).toBe(95);
    // Two hours, but ten days ago: raw is gone by then, so the 1-minute tier answers.
    const old = await get(
      `from=${iso(now - 10 * 24 * HOUR_MS)}&to=${iso(now - 10 * 24 * HOUR_MS + 2 * HOUR_MS)}`,
    );
    expect(old.body.tier).toBe('1m');
    expect(old.body.points).toEqual([]);
  });

  it('defaults to the last hour and echoes the range and limits', async () => {
    const r = await get('');
    expect(Date.parse(r.body.to) - Date.parse(r.body.from)).toBe(HOUR_MS);
    expect(r.body).toMatchObject({ unit: 'bar', range_min: 0, range_max: 100, nominal_value: 5 });
    expect(r.body.limits).toEqual({ low_critical: 1, low_warning: 2, high_warning: 8, high_critical: 9 });
  });
});
