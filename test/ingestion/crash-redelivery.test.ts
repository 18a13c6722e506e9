// Ack after commit, proven the hard way: publish 20,000 QoS 1 readings, SIGKILL the server midway,
// start it again, and every reading is stored exactly once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/database.ts';
import { reading } from '../helpers/mqtt.ts';
import { freshDatabaseUrl } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type ChildServer, childEnv, freePort, reachable, spawnServer } from './child-server.ts';

const EXTERNAL = new URL(process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883');
const externalUp = await reachable(EXTERNAL.hostname, Number(EXTERNAL.port || 1883));

const TAGS = 20;
const PER_TAG = 1000; // 20 x 1000 = 20,000 readings
const TOTAL = TAGS * PER_TAG;
const expectedValue = (tagIndex: number, k: number) => tagIndex * 1000 + k + 0.25;

interface Rig {
  dataDir: string;
  databaseUrl: string;
  dropDb: () => Promise<void>;
  db: DatabaseHandle;
  env: Record<string, string>;
}

async function makeRig(extra: Record<string, string>): Promise<Rig> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-kill-'));
  const fresh = await freshDatabaseUrl(dataDir);
  return {
    dataDir,
    databaseUrl: fresh.url,
    dropDb: fresh.drop,
    db: openDatabase(parseDatabaseUrl(fresh.url)),
    env: { ...childEnv(dataDir, fresh.url), ...extra },
  };
}

async function stored(rig: Rig): Promise<number> {
  const r = await rig.db.db
    .selectFrom('raw_readings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function createInstruments(server: ChildServer, prefix: string): Promise<string[]> {
  const tags: string[] = [];
  for (let i = 0; i < TAGS; i++) {
    const tag = `${prefix}-${String(i).padStart(2, '0')}`;
    const res = await server.api('POST', '/api/instruments', {
      body: { tag, type: 'pressure', unit: 'bar', range_min: 0, range_max: 100_000 },
    });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    tags.push(tag);
  }
  await waitUntil(
    () => server.api('GET', '/health'),
    (h) => h.body.ingestion?.instruments === TAGS,
    { what: 'ingestion to know every instrument' },
  );
  return tags;
}

/** Every reading present once with its value: count, and a full comparison. */
async function expectAllStoredOnce(rig: Rig, tags: string[], base: number): Promise<void> {
  const rows = await rig.db.db
    .selectFrom('raw_readings')
    .innerJoin('instruments', 'instruments.id', 'raw_readings.instrument_id')
    .select(['instruments.tag', 'raw_readings.ts', 'raw_readings.value'])
    .execute();
  expect(rows.length).toBe(TOTAL);
  const seen = new Set(rows.map((r) => `${r.tag}|${r.ts}|${r.value}`));
  let missing = 0;
  tags.forEach((tag, i) => {
    for (let k = 0; k < PER_TAG; k++)
      if (!seen.has(`${tag}|${base + k * 1000}|${expectedValue(i, k)}`)) missing++;
  });
  expect(missing).toBe(0);
}

/**
 * Publishes every reading (one QoS 1 message each) at a steady rate, and kills the server (`midway`)
 * the moment half are stored. At a steady rate the server always holds readings it has received but
 * not yet committed (its writer waits up to INGEST_FLUSH_MS while input keeps coming), which is
 * exactly what must not be lost. Publishing pauses while the server is down: the machine's Mosquitto
 * runs with its defaults and keeps at most max_queued_messages (1000) for an absent client, which a
 * plant raises (docs/operations.md); here a loss would then be ours, not the broker's.
 */
async function publishAll(
  client: MqttClient,
  topicPrefix: string,
  tags: string[],
  base: number,
  progress: () => Promise<number>,
  midway: () => Promise<void>,
): Promise<void> {
  const perTick = 5; // every millisecond or so: about 4,000 readings/s, under what the server stores
  let paused: Promise<void> | null = null;
  let killed = false;
  let watching = true;
  const watcher = (async () => {
    while (watching && !killed) {
      if ((await progress()) >= TOTAL / 2) {
        killed = true;
        // Not in step with the commit that just made the count: somewhere in the next flush interval.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
        paused = midway();
        await paused;
        paused = null;
      } else await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  let n = 0;
  try {
    for (let k = 0; k < PER_TAG; k++) {
      for (let i = 0; i < tags.length; i++) {
        if (n % perTick === 0) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (paused) await paused;
        }
        const r = reading(tags[i], base + k * 1000, expectedValue(i, k));
        client.publish(`${topicPrefix}/${tags[i]}`, JSON.stringify(r), { qos: 1 });
        n++;
      }
    }
    await waitUntil(
      () => killed,
      (x) => x,
      { timeoutMs: 60_000, what: 'the kill' },
    );
    if (paused) await paused;
  } finally {
    watching = false;
    await watcher;
  }
}

describe.skipIf(!externalUp)(`SIGKILL against the machine's Mosquitto (${EXTERNAL.host})`, () => {
  let rig: Rig;
  const servers: ChildServer[] = [];
  const id = randomBytes(5).toString('hex');
  const clientId = `cmms-kill-${id}`;
  const topicPrefix = `cmms-kill/${id}/readings`;
  beforeAll(async () => {
    rig = await makeRig({
      MQTT_BROKER: EXTERNAL.toString(),
      MQTT_CLIENT_ID: clientId,
      MQTT_TOPIC: `${topicPrefix}/#`,
      MQTT_SESSION_EXPIRY_SECONDS: '300',
    });
  });
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    // Remove the persistent session from the shared broker.
    const c = await mqtt.connectAsync(EXTERNAL.toString(), { clientId, clean: true, reconnectPeriod: 0 });
    await c.endAsync();
    await rig?.db.close();
    await rig?.dropDb();
    if (rig) rmSync(rig.dataDir, { recursive: true, force: true });
  });

  it('stores every one of 20,000 readings exactly once across a SIGKILL and restart', async () => {
    const first = await spawnServer(rig.env);
    servers.push(first);
    const tags = await createInstruments(first, `K${id.slice(0, 4)}`);
    await waitUntil(
      () => first.api('GET', '/health'),
      (h) => h.body.broker?.connected === true,
      { what: 'the subscription' },
    );
    const base = Date.now() - 30 * 60_000;
    const publisher = await mqtt.connectAsync(EXTERNAL.toString(), {
      clientId: `cmms-kill-pub-${id}`,
      reconnectPeriod: 200,
    });
    try {
      await publishAll(
        publisher,
        topicPrefix,
        tags,
        base,
        () => stored(rig),
        async () => {
          await first.kill('SIGKILL');
          servers.push(await spawnServer(rig.env));
        },
      );
      await waitUntil(
        () => stored(rig),
        (n) => n >= TOTAL,
        { timeoutMs: 60_000, what: 'all readings' },
      );
    } finally {
      await publisher.endAsync();
    }
    await expectAllStoredOnce(rig, tags, base);
    expect(first.proc.signalCode).toBe('SIGKILL');
  }, 180_000);
});

describe('SIGKILL with the embedded broker: unacknowledged readings are sent again and stored once', () => {
  let rig: Rig;
  const servers: ChildServer[] = [];
  beforeAll(async () => {
    rig = await makeRig({ MQTT_BROKER: 'embedded', MQTT_PORT: String(await freePort()) });
  });
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await rig?.db.close();
    await rig?.dropDb();
    if (rig) rmSync(rig.dataDir, { recursive: true, force: true });
  });

  it('stores every one of 20,000 readings exactly once across a SIGKILL and restart', async () => {
    const first = await spawnServer(rig.env);
    servers.push(first);
    const tags = await createInstruments(first, 'E');
    const base = Date.now() - 30 * 60_000;
    // The publisher keeps its unacknowledged messages and sends them again when it reconnects; the
    // embedded broker acknowledges only after the commit, so nothing it lost is ever acknowledged.
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${rig.env.MQTT_PORT}`, {
      clientId: `cmms-kill-pub-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: 100,
    });
    try {
      await publishAll(
        publisher,
        'plant/readings',
        tags,
        base,
        () => stored(rig),
        async () => {
          await first.kill('SIGKILL');
          servers.push(await spawnServer(rig.env));
        },
      );
      await waitUntil(
        () => stored(rig),
        (n) => n >= TOTAL,
        { timeoutMs: 60_000, what: 'all readings' },
      );
    } finally {
      await publisher.endAsync(true);
    }
    await expectAllStoredOnce(rig, tags, base);
    expect(first.proc.signalCode).toBe('SIGKILL');
  }, 180_000);
});
