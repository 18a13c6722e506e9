// Issue 12 part 4 on a broker without sticky shared subscriptions (Mosquitto hands a shared
// subscription's messages round-robin): with INGEST_PARTITIONS every process receives every reading
// and handles only the instruments of the tag partitions it holds, so each instrument's readings
// stay in one process, in order; a process that leaves hands its partitions to the others.
import mqtt from 'mqtt';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { partitionOf } from '../../src/ingestion/partitions.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type ClusterRun, clusterRun, externalBroker, readingsSeen } from './cluster.ts';

const pg = inject('pgRunUrl') !== null;
const PARTITIONS = 8;

describe.skipIf(!externalBroker || !pg)('tag partitions across processes', () => {
  const apps: TestApp[] = [];
  let run: ClusterRun | undefined;
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    await run?.cleanup();
  });

  it('each instrument is handled by one process, in order; a leaving process hands its partitions over', {
    timeout: 120_000,
  }, async () => {
    run = await clusterRun('partitions');
    const { id, prefix, dbUrl } = run;
    const envOf = (name: string) => ({
      ...(run as ClusterRun).brokerEnv(name, 'all'),
      INGEST_PARTITIONS: String(PARTITIONS),
      LEASE_TTL_SECONDS: '3',
    });
    const a = await startTestApp({ databaseUrl: dbUrl, env: envOf('a') });
    apps.push(a);
    const instruments: { id: number; tag: string }[] = [];
    for (let i = 0; i < 16; i++) instruments.push(await makeInstrument(a));
    const b = await startTestApp({ databaseUrl: dbUrl, env: envOf('b') });
    apps.push(b);

    const held = async (t: TestApp): Promise<number[]> =>
      (await t.api('GET', '/health')).body.ingestion.partitions.held;
    // a held all 8 alone; once b is seen, each holds its share of 4, none held twice.
    const split = await waitUntil(
      async () => [await held(a), await held(b)],
      ([x, y]) => x.length === 4 && y.length === 4,
      { what: 'the partitions split 4 and 4', timeoutMs: 20_000 },
    );
    expect([...split[0], ...split[1]].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const publisher = await mqtt.connectAsync(externalBroker as string, {
      clientId: `test-pub-${id}`,
      reconnectPeriod: 0,
    });
    const t0 = Date.now() - 3_600_000;
    const publish = async (from: number, n: number) => {
      for (let k = from; k < from + n; k++)
        await Promise.all(
          instruments.map((inst) =>
            publisher.publishAsync(
              `${prefix}/${inst.tag}`,
              JSON.stringify(reading(inst.tag, t0 + k * 1000, 5)),
              {
                qos: 1,
              },
            ),
          ),
        );
    };
    try {
      await publish(0, 10);
      // Every instrument's 10 readings went to the detectors of the one process holding its partition.
      for (const inst of instruments) {
        const owner = split[0].includes(partitionOf(inst.tag, PARTITIONS)) ? a : b;
        const other = owner === a ? b : a;
        await waitUntil(
          () => readingsSeen(owner, inst.id),
          (n) => n === 10,
          { what: `${inst.tag}: 10 readings in its owner` },
        );
        expect(readingsSeen(other, inst.id)).toBe(0);
      }

      // a leaves: b takes its partitions and continues a's instruments from a's checkpoint.
      await a.stop();
      apps.splice(apps.indexOf(a), 1);
      await publish(10, 5);
      await waitUntil(
        () => held(b),
        (h) => h.length === PARTITIONS,
        { what: 'b holds every partition', timeoutMs: 20_000 },
      );
      for (const inst of instruments)
        await waitUntil(
          () => readingsSeen(b, inst.id),
          (n) => n === 15,
          { what: `${inst.tag}: 15 readings counted once in b` },
        );
    } finally {
      await publisher.endAsync();
    }
    // Every reading stored once (the detectors see a reading before its batch commits, so wait for it).
    const stored = () =>
      b.server.ctx.db
        .selectFrom('raw_readings')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    await waitUntil(stored, (n) => n >= 16 * 15, { what: 'every reading stored' });
    expect(await stored()).toBe(16 * 15);
  });
});
