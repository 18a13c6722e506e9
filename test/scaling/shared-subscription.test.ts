// Issue 12 part 4: two processes split the readings through an MQTT 5 shared subscription
// ($share/<group>/<topic>) on the external broker; every acknowledged reading is stored once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import mqtt from 'mqtt';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { ingestionHealth, reading } from '../helpers/mqtt.ts';
import { freshDatabaseUrl, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const external = process.env.TEST_MQTT_URL;
const pg = inject('pgRunUrl') !== null;

describe.skipIf(!external || !pg)('shared subscription across processes', () => {
  const apps: TestApp[] = [];
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    for (const d of drops.splice(0)) await d();
  });

  it('splits the readings between two processes and stores each once', async () => {
    const id = randomBytes(5).toString('hex');
    const prefix = `cmms-test/${id}/readings`;
    const env = {
      MQTT_BROKER: external as string,
      MQTT_CLIENT_ID: `cmms-test-${id}`,
      MQTT_TOPIC: `${prefix}/#`,
      MQTT_SHARED_GROUP: `cmms-${id}`,
      MQTT_SESSION_EXPIRY_SECONDS: '60',
    };
    const db = await freshDatabaseUrl(mkdtempSync(path.join(tmpdir(), 'cmms-share-')));
    drops.push(db.drop);
    const a = await startTestApp({ databaseUrl: db.url, env: { ...env, PROCESS_NAME: 'a' } });
    apps.push(a);
    const tags: string[] = [];
    for (let i = 0; i < 12; i++) tags.push((await makeInstrument(a)).tag);
    // b loads the instruments at start.
    const b = await startTestApp({ databaseUrl: db.url, env: { ...env, PROCESS_NAME: 'b' } });
    apps.push(b);
    await waitUntil(
      async () => Promise.all([a, b].map(async (t) => (await t.api('GET', '/health')).body.broker.connected)),
      (c) => c.every(Boolean),
      { what: 'both processes subscribed' },
    );

    const publisher = await mqtt.connectAsync(external as string, {
      clientId: `test-pub-${id}`,
      reconnectPeriod: 0,
    });
    const t0 = Date.now() - 3_600_000;
    const readings = tags.flatMap((tag, k) =>
      Array.from({ length: 25 }, (_, i) => reading(tag, t0 + i * 1000, 5 + k / 100)),
    );
    try {
      await Promise.all(
        readings.map((r) => publisher.publishAsync(`${prefix}/${r.tag}`, JSON.stringify(r), { qos: 1 })),
      );
    } finally {
      await publisher.endAsync();
    }

    const stored = async () =>
      Promise.all(
        [a, b].map(async (t) => {
          const h = await ingestionHealth(t);
          return h.stored_total + h.duplicates_total;
        }),
      );
    const counts = await waitUntil(stored, (c) => c[0] + c[1] >= readings.length, {
      what: `${readings.length} readings stored`,
    });
    // Each process has its own client id, derived from MQTT_CLIENT_ID and PROCESS_NAME.
    expect((await a.api('GET', '/health')).body.broker.client_id).toBe(`cmms-test-${id}-a`);
    expect((await b.api('GET', '/health')).body.broker.client_id).toBe(`cmms-test-${id}-b`);
    expect((await ingestionHealth(b)).topic).toBe(`$share/cmms-${id}/${prefix}/#`);
    // Mosquitto hands a shared subscription's messages round-robin: both processes took some.
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[0] + counts[1]).toBe(readings.length);
    const rows = await sql<{ n: string }>`select count(*) as n from raw_readings`.execute(a.server.ctx.db);
    expect(Number(rows.rows[0].n)).toBe(readings.length);
  });
});
