// Issue 12 part 4: when an instrument's readings move to another process (its process died, the
// broker rehashed), that process continues the instrument's detectors from the newest checkpoint
// instead of its own stale state.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { reading } from '../helpers/mqtt.ts';
import { freshDatabaseUrl, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const external = process.env.TEST_MQTT_URL;
const pg = inject('pgRunUrl') !== null;

describe.skipIf(!external || !pg)('detector handover', () => {
  const apps: TestApp[] = [];
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    for (const d of drops.splice(0)) await d();
  });

  it("the process that receives a moved instrument continues from the other process's checkpoint", async () => {
    const id = randomBytes(5).toString('hex');
    const prefix = `cmms-test/${id}`;
    // Two processes, each alone in its shared group on its own topic, so the test decides which
    // one receives the instrument's readings (as the broker's hash would).
    const envOf = (name: string) => ({
      PROCESS_NAME: name,
      MQTT_BROKER: external as string,
      MQTT_CLIENT_ID: `cmms-test-${id}`,
      MQTT_TOPIC: `${prefix}/${name}/#`,
      MQTT_SHARED_GROUP: `cmms-${id}-${name}`,
      MQTT_SESSION_EXPIRY_SECONDS: '60',
    });
    const db = await freshDatabaseUrl(mkdtempSync(path.join(tmpdir(), 'cmms-handover-')));
    drops.push(db.drop);
    const a = await startTestApp({ databaseUrl: db.url, env: envOf('a') });
    apps.push(a);
    const inst = await makeInstrument(a);
    const b = await startTestApp({ databaseUrl: db.url, env: envOf('b') });
    apps.push(b);
    // The live detector state of the process (the status route shows a digest of it).
    const snapshot = (t: TestApp) => t.server.ctx.monitor.snapshot(inst.id) ?? {};
    const total = (s: { readings?: Record<string, number> } | object) =>
      Object.values(('readings' in s && s.readings) || {}).reduce((x, y) => x + y, 0);

    const publisher = await mqtt.connectAsync(external as string, {
      clientId: `test-pub-${id}`,
      reconnectPeriod: 0,
    });
    try {
      const t0 = Date.now() - 3_600_000;
      const first = Array.from({ length: 20 }, (_, i) => reading(inst.tag, t0 + i * 1000, 5 + (i % 3) / 100));
      await Promise.all(
        first.map((r) => publisher.publishAsync(`${prefix}/a/${r.tag}`, JSON.stringify(r), { qos: 1 })),
      );
      await waitUntil(
        () => snapshot(a),
        (s) => total(s) === 20,
        { what: 'a processed 20 readings' },
      );
      // a goes away (stopping writes its checkpoint, as its periodic checkpoint would have).
      await a.stop();
      apps.splice(apps.indexOf(a), 1);

      const next = Array.from({ length: 5 }, (_, i) => reading(inst.tag, t0 + (20 + i) * 1000, 5));
      await Promise.all(
        next.map((r) => publisher.publishAsync(`${prefix}/b/${r.tag}`, JSON.stringify(r), { qos: 1 })),
      );
    } finally {
      await publisher.endAsync();
    }
    // b continues a's series: 25 readings, not the 5 it received itself.
    const s = await waitUntil(
      () => snapshot(b),
      (x) => total(x) >= 25,
      { what: 'b continued from the checkpoint' },
    );
    expect(total(s)).toBe(25);
  });
});
