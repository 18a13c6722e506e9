// Issue 12 part 4: when an instrument's readings move to another process (its process died, the
// broker rehashed), that process continues the instrument's detectors from the newest checkpoint
// instead of its own stale state.
import mqtt from 'mqtt';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { MonitorService } from '../../src/monitoring/monitor-service.ts';
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

    /** The event time of the newest reading the stored checkpoint has counted. */
    const storedLastTs = async (instrumentId: number) => {
      const row = await a.server.ctx.db
        .selectFrom('detector_checkpoints')
        .select('state')
        .where('instrument_id', '=', instrumentId)
        .where('detector', '=', 'monitor')
        .executeTakeFirst();
      return row ? (JSON.parse(row.state) as { lastTs: number | null }).lastTs : undefined;
    };
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
      const lastTs = Date.parse(first[19].timestamp);
      await (a.server.ctx.monitor as MonitorService).checkpoint();
      expect(await storedLastTs(inst.id)).toBe(lastTs);

      // An edit after a's last checkpoint: every process applies it and marks its copy of the
      // state changed, b's too, though b never received a reading of the instrument. b's stale
      // copy must not replace a's checkpoint, or whoever takes the instrument over loses a's sums.
      const edited = await b.api('PATCH', `/api/instruments/${inst.id}`, {
        body: { description: 'edited after the last checkpoint' },
      });
      expect(edited.status).toBe(200);
      await waitUntil(
        () => [a, b].map((x) => x.server.ctx.ingestion.instruments.get(inst.id)?.row.description),
        (d) => d.every((v) => v === 'edited after the last checkpoint'),
        { what: 'both processes applied the edit' },
      );
      await (b.server.ctx.monitor as MonitorService).checkpoint();
      expect(await storedLastTs(inst.id)).toBe(lastTs);
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
