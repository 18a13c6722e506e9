// npm run bench:connectors [-- --seconds 10 --instruments 200 --only sparkplug]
//
// Readings per second through each connector adapter into the real product (the same startServer
// as production: SQLite in a temporary DATA_DIR, the embedded broker, every detector on). For each
// adapter a peer is started in this process and driven flat out; the figure is the slope of the
// readings stored (committed) over the run, after a warm-up. Add a line per adapter to ADAPTERS.
//
//   sparkplug  an edge node publishing NDATA with every instrument as an aliased metric, QoS 1,
//              up to 64 messages in flight, through the embedded broker to the Sparkplug adapter.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { loadConfig } from '../src/config.ts';
import type { SecretBox } from '../src/connectors/secret-box.ts';
import { createSource, setSourceEnabled } from '../src/connectors/source-service.ts';
import { SparkplugEdgeNode } from '../src/connectors/sparkplug/edge-node.ts';
import { createInstrument } from '../src/instruments/instrument-service.ts';
import { type RunningServer, startServer } from '../src/main.ts';
import { AfterCommit, withAfterCommit } from '../src/notifications/after-commit.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i !== -1 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const SECONDS = Number(opt('seconds', '10'));
const INSTRUMENTS = Number(opt('instruments', '200'));
const ONLY = opt('only', '');
const WARMUP_S = 2;

interface Bench {
  /** Starts the peer and the source; returns a function that stops the peer. */
  run(server: RunningServer, tags: string[]): Promise<() => Promise<void>>;
}

const ADAPTERS: Record<string, Bench> = {
  sparkplug: {
    async run(server, tags) {
      const ctx = server.ctx;
      const broker = ctx.ingestion?.broker();
      if (!broker?.url) throw new Error('no embedded broker');
      const s = await createSource(
        ctx.db,
        ctx.connectorSecrets as SecretBox,
        null,
        {
          kind: 'sparkplug',
          name: 'bench sparkplug',
          config: { broker: 'embedded', group_id: 'bench', map_metric_names: true },
          points: [],
        },
        new Date(),
        new AfterCommit(),
      );
      await withAfterCommit(ctx, (after) => setSourceEnabled(ctx.db, null, s.id, true, new Date(), after));
      while (ctx.connectors?.status(s.id).state !== 'connected') await sleep(50);
      const creds = ctx.ingestion?.appCredentials() ?? undefined;
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, ...(creds ?? {}) });
      const edge = new SparkplugEdgeNode('bench', 'edge1');
      const birth = edge.birth(tags.map((tag) => ({ name: tag, value: 5 })));
      await client.publishAsync(birth.topic, birth.payload, { qos: 1 });
      let running = true;
      let value = 5;
      const pump = async () => {
        while (running) {
          value = value >= 6 ? 5 : value + 0.001;
          const now = Date.now();
          const m = edge.data(
            tags.map((tag) => ({ name: tag, value, ts: now })),
            now,
          );
          await client.publishAsync(m.topic, m.payload, { qos: 1 });
        }
      };
      const pumps = Array.from({ length: 64 }, pump);
      return async () => {
        running = false;
        await Promise.allSettled(pumps);
        await client.endAsync(true);
      };
    },
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(name: string, bench: Bench): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `cmms-bench-${name}-`));
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite://${path.join(dataDir, 'cmms.db')}`,
      LOG_LEVEL: 'warn',
      MQTT_PORT: '0',
      ADMIN_PASSWORD: 'Kitwe-control-room-1',
      SEED_DEMO: 'false',
    },
    { dotenvFile: null },
  );
  const server = await startServer(config, { print: () => {} });
  try {
    const tags: string[] = [];
    for (let i = 0; i < INSTRUMENTS; i++) {
      const tag = `BENCH-${String(i).padStart(4, '0')}`;
      await withAfterCommit(server.ctx, (after) =>
        createInstrument(
          server.ctx.db,
          null,
          {
            tag,
            type: 'pressure',
            unit: 'bar',
            range_min: 0,
            range_max: 10,
            publish_interval_seconds: 1,
          } as never,
          new Date(),
          after,
        ),
      );
      tags.push(tag);
    }
    const cache = server.ctx.ingestion?.instruments;
    while (cache && !tags.every((t) => cache.byTagName(t))) await sleep(50);
    const stop = await bench.run(server, tags);
    const stats = server.ctx.ingestion?.stats;
    if (!stats) throw new Error('no ingestion');
    await sleep(WARMUP_S * 1000);
    const t0 = performance.now();
    const s0 = stats.stored;
    await sleep(SECONDS * 1000);
    const rate = (stats.stored - s0) / ((performance.now() - t0) / 1000);
    await stop();
    return rate;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const [name, bench] of Object.entries(ADAPTERS)) {
  if (ONLY && !ONLY.split(',').includes(name)) continue;
  const rate = await measure(name, bench);
  console.log(
    `${name.padEnd(10)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} readings/s stored (${INSTRUMENTS} instruments, ${SECONDS} s)`,
  );
}
process.exit(0);
