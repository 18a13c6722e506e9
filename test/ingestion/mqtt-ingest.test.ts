import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import {
  connectPublisher,
  ingestionHealth,
  publishReadings,
  reading,
  waitForStored,
} from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const run = promisify(execFile);
const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';

async function rawCount(t: TestApp, instrumentId: number): Promise<number> {
  const r = await t.server.ctx.db
    .selectFrom('raw_readings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('instrument_id', '=', instrumentId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('MQTT ingestion end to end', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('a reading published with mosquitto_pub appears in trends and in the live value', async () => {
    expect(
      existsSync(MOSQUITTO_PUB),
      'install mosquitto-clients (apt-get install -y mosquitto-clients)',
    ).toBe(true);
    const inst = await makeInstrument(t);
    const ts = Date.now() - 2_000;
    const payload = JSON.stringify(reading(inst.tag, ts, 6.25));
    await run(MOSQUITTO_PUB, [
      '-h',
      t.mqtt.host,
      '-p',
      String(t.mqtt.port),
      '-q',
      '1',
      '-t',
      `${t.mqtt.topicPrefix}/${inst.tag}`,
      '-m',
      payload,
    ]);

    const detail = await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (r) => r.body.last_reading !== null,
      { what: 'last_reading' },
    );
    expect(detail.body.last_reading).toEqual({
      timestamp: new Date(ts).toISOString(),
      value: 6.25,
      quality: 'good',
    });
    const trend = await waitUntil(
      () => t.api('GET', `/api/readings/trends?tag=${inst.tag}`),
      (r) => r.body.points?.length === 1,
      { what: 'trend point' },
    );
    expect(trend.status).toBe(200);
    expect(trend.body).toMatchObject({
      tag: inst.tag,
      unit: 'bar',
      tier: 'raw',
      range_min: 0,
      range_max: 10,
      nominal_value: 5,
      limits: { low_critical: 1, low_warning: 2, high_warning: 8, high_critical: 9 },
      points: [{ timestamp: new Date(ts).toISOString(), value: 6.25, min: 6.25, max: 6.25 }],
    });
    const latest = await t.api('GET', '/api/readings/latest');
    expect(latest.body.items.find((i: { tag: string }) => i.tag === inst.tag)).toMatchObject({
      value: 6.25,
      quality: 'good',
    });
  });

  it('stores a gateway array from mqtt.js, refuses the bad readings by reason and keeps the good ones', async () => {
    const a = await makeInstrument(t);
    const b = await makeInstrument(t, { unit: 'degC', type: 'temperature', range_min: 0, range_max: 200 });
    const before = await ingestionHealth(t);
    const now = Date.now();
    await publishReadings(
      t,
      [
        reading(a.tag, now - 3000, 4.1),
        reading(b.tag, now - 3000, 80, 'degC'),
        reading('NO-SUCH-TAG-1', now - 3000, 1),
        reading(a.tag, now - 2000, 4.2, 'psi'),
        reading(a.tag, now + 10 * 60_000, 4.3),
        { ...reading(a.tag, now - 1000, 0), value: 'high' as unknown as number },
        { ...reading(a.tag, now - 1000, 0), timestamp: '2024-02-30T00:00:00Z' },
        reading(a.tag, now - 1000, 4.4),
      ],
      { array: true },
    );
    await waitForStored(t, before.stored_total + before.duplicates_total + 3);
    const after = await ingestionHealth(t);
    const delta = (k: string) => after.rejected[k] - before.rejected[k];
    expect({
      unknown_tag: delta('unknown_tag'),
      unit_mismatch: delta('unit_mismatch'),
      future_timestamp: delta('future_timestamp'),
      invalid_value: delta('invalid_value'),
      invalid_timestamp: delta('invalid_timestamp'),
    }).toEqual({
      unknown_tag: 1,
      unit_mismatch: 1,
      future_timestamp: 1,
      invalid_value: 1,
      invalid_timestamp: 1,
    });
    expect(after.unknown_tags.map((u: { tag: string }) => u.tag)).toContain('NO-SUCH-TAG-1');
    expect(await rawCount(t, a.id)).toBe(2);
    expect(await rawCount(t, b.id)).toBe(1);

    const metrics = await t.api('GET', '/metrics');
    expect(metrics.body).toContain('cmms_ingest_rejected_total{reason="unit_mismatch"}');
    expect(metrics.body).toMatch(/cmms_ingest_readings_stored_total \d+/);
    expect(metrics.body).toContain('cmms_broker_connected 1');
  });

  it('stores a redelivered reading once', async () => {
    const inst = await makeInstrument(t);
    const base = Date.now();
    const r = reading(inst.tag, base - 5000, 3.3);
    const client = await connectPublisher(t);
    try {
      await publishReadings(t, [r], { client });
      await publishReadings(t, [r], { client });
      await publishReadings(t, [reading(inst.tag, base - 4000, 3.4)], { client });
    } finally {
      await client.endAsync();
    }
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (x) => x.body.last_reading?.value === 3.4,
    );
    // The live value is set before the write commits: wait for the later reading's row, and only
    // then check that the redelivered one made no second row.
    await waitUntil(
      () =>
        t.server.ctx.db
          .selectFrom('raw_readings')
          .select('ts')
          .where('instrument_id', '=', inst.id)
          .execute(),
      (rows) => rows.some((row) => row.ts === base - 4000),
      { what: 'the later reading to commit' },
    );
    expect(await rawCount(t, inst.id)).toBe(2);
  });

  it('follows the instrument register: a new tag is accepted at once, a changed unit is enforced', async () => {
    const inst = await makeInstrument(t);
    await publishReadings(t, [reading(inst.tag, Date.now() - 3000, 2)]);
    await waitUntil(
      () => rawCount(t, inst.id),
      (n) => n === 1,
      { what: 'first reading' },
    );

    // With readings stored, a unit change is a recorded re-range, never a plain edit.
    const refused = await t.api('PATCH', `/api/instruments/${inst.id}`, {
      body: { unit: 'kPa', range_max: 1000 },
    });
    expect(refused.status).toBe(409);
    const patched = await t.api('POST', `/api/instruments/${inst.id}/rerange`, {
      body: { unit: 'kPa', range_max: 1000, reason: 'transmitter re-ranged to kPa' },
    });
    expect(patched.status).toBe(200);
    const before = await ingestionHealth(t);
    await waitUntil(
      async () => {
        await publishReadings(t, [reading(inst.tag, Date.now() - 2000 + Math.random() * 1000, 2, 'bar')]);
        return ingestionHealth(t);
      },
      (h) => h.rejected.unit_mismatch > before.rejected.unit_mismatch,
      { what: 'unit change to take effect' },
    );
    await publishReadings(t, [reading(inst.tag, Date.now() - 1000, 250, 'kPa')]);
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (x) => x.body.last_reading?.value === 250,
    );
  });

  it('stamps quality: out of the 4-20 mA window is a fault, too fast a change a spike', async () => {
    const inst = await makeInstrument(t, { max_rate_per_second: 1 });
    const t0 = Date.now() - 60_000;
    await publishReadings(t, [reading(inst.tag, t0, 5)]);
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (x) => x.body.last_reading?.value === 5,
    );
    // 5 -> 9 bar in one second: 4 bar/s against a 1 bar/s limit.
    await publishReadings(t, [reading(inst.tag, t0 + 1000, 9)]);
    const spike = await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (x) => x.body.last_reading?.value === 9,
    );
    expect(spike.body.last_reading.quality).toBe('spike');
    // -5 bar on a 0-10 bar range is 4 mA - 8 mA = -4 mA: a broken loop.
    await publishReadings(t, [reading(inst.tag, t0 + 60_000, -5)]);
    const fault = await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (x) => x.body.last_reading?.value === -5,
    );
    expect(fault.body.last_reading.quality).toBe('fault');
    const stored = await t.server.ctx.db
      .selectFrom('raw_readings')
      .select(['value', 'quality'])
      .where('instrument_id', '=', inst.id)
      .orderBy('ts')
      .execute();
    expect(stored).toEqual([
      { value: 5, quality: 'good' },
      { value: 9, quality: 'spike' },
      { value: -5, quality: 'fault' },
    ]);
  });

  it('answers trends with 400 for a bad range and 404 for an unknown tag; technicians may read', async () => {
    const inst = await makeInstrument(t);
    const tech = await makeUser(t);
    const ok = await t.api('GET', `/api/readings/trends?tag=${inst.tag}`, { token: tech.token });
    expect(ok.status).toBe(200);
    const backwards = await t.api(
      'GET',
      `/api/readings/trends?tag=${inst.tag}&from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z`,
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details.field).toBe('from');
    const badDate = await t.api('GET', `/api/readings/trends?tag=${inst.tag}&from=yesterday`);
    expect(badDate.status).toBe(400);
    const unknown = await t.api('GET', '/api/readings/trends?tag=NOPE-404');
    expect(unknown.status).toBe(404);
    const noTag = await t.api('GET', '/api/readings/trends');
    expect(noTag.status).toBe(400);
    const anonymous = await t.api('GET', `/api/readings/trends?tag=${inst.tag}`, { token: null });
    expect(anonymous.status).toBe(401);
  });

  it('after a restart, the live value comes from the last stored reading', async () => {
    const inst = await makeInstrument(t);
    const ts = Date.now() - 10_000;
    await publishReadings(t, [reading(inst.tag, ts - 1000, 2.5), reading(inst.tag, ts, 2.75)]);
    await waitUntil(
      () => rawCount(t, inst.id),
      (n) => n === 2,
      { what: 'both readings' },
    );
    const again = await startTestApp({ databaseUrl: t.databaseUrl, env: { SEED_DEMO: 'false' } });
    try {
      const r = await again.api('GET', `/api/instruments/${inst.id}`);
      expect(r.body.last_reading).toEqual({
        timestamp: new Date(ts).toISOString(),
        value: 2.75,
        quality: 'good',
      });
    } finally {
      await again.stop();
    }
  });

  it('reports the broker and ingestion state in /health', async () => {
    const h = await t.api('GET', '/health');
    expect(h.body.broker).toMatchObject({ mode: t.mqtt.external ? 'external' : 'embedded', connected: true });
    expect(h.body.ingestion).toMatchObject({
      status: 'ok',
      queue_depth: expect.any(Number),
      messages_per_second: expect.any(Number),
      stored_total: expect.any(Number),
      rejected: expect.objectContaining({ invalid_json: expect.any(Number) }),
      unknown_tags: expect.any(Array),
    });
  });
});

describe.skipIf(!!process.env.TEST_MQTT_URL)('embedded broker with a user name and password', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { MQTT_USERNAME: 'gateway', MQTT_PASSWORD: 'gateway-secret' } });
  });
  afterAll(() => t?.stop());

  it('refuses a wrong password and takes readings from the configured user', async () => {
    const inst = await makeInstrument(t);
    await expect(
      mqtt.connectAsync(t.mqtt.url, { username: 'gateway', password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow();
    await expect(mqtt.connectAsync(t.mqtt.url, { reconnectPeriod: 0 })).rejects.toThrow();
    const client = await mqtt.connectAsync(t.mqtt.url, {
      username: 'gateway',
      password: 'gateway-secret',
      reconnectPeriod: 0,
    });
    try {
      await publishReadings(t, [reading(inst.tag, Date.now() - 1000, 7)], { client });
    } finally {
      await client.endAsync();
    }
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (x) => x.body.last_reading?.value === 7,
    );
  });
});
