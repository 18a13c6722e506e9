// Issue 12 part 4: when an instrument's readings move to another process (its process died, the
// broker rehashed), that process continues the instrument's detectors from the newest checkpoint
// instead of its own stale state.
import mqtt from 'mqtt';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type ClusterRun, clusterRun, externalBroker, readingsSeen } from './cluster.ts';

const pg = inject('pgRunUrl') !== null;

describe.skipIf(!externalBroker || !pg)('detector handover', () => {
  const apps: TestApp[] = [];
  let run: ClusterRun | undefined;
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    await run?.cleanup();
  });

  it("the process that receives a moved instrument continues from the other process's checkpoint", async () => {
    run = await clusterRun('handover');
    const { id, prefix } = run;
    const a = await startTestApp({ databaseUrl: run.dbUrl, env: run.brokerEnv('a', 'own') });
    apps.push(a);
    const inst = await makeInstrument(a);
    const b = await startTestApp({ databaseUrl: run.dbUrl, env: run.brokerEnv('b', 'own') });
    apps.push(b);

    const publisher = await mqtt.connectAsync(externalBroker as string, {
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
        () => readingsSeen(a, inst.id),
        (n) => n === 20,
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
    const n = await waitUntil(
      () => readingsSeen(b, inst.id),
      (x) => x >= 25,
      { what: 'b continued from the checkpoint' },
    );
    expect(n).toBe(25);
  });
});
