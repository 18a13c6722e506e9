// npm run bench:connectors [-- --seconds 10 --runs 3 --instruments N --only sparkplug,opcua,modbus]
//
// Readings per second through each connector adapter into the real product (the same startServer
// as production: SQLite in a temporary DATA_DIR, the embedded broker, every detector on). For each
// adapter a peer is driven flat out; the figure is the slope of the readings stored (committed)
// over the run, after a warm-up. With --runs N each adapter is measured N times (a fresh server
// each time) and the table gives min / median / max. Add a line per adapter to ADAPTERS.
//
//   sparkplug  an edge node (in this process) publishing NDATA with every instrument as an aliased
//              metric, QoS 1, up to 64 messages in flight, through the embedded broker.
//   opcua      a node-opcua server (bench/connector-peer.ts, its own process) whose variables all
//              change every 50 ms; one monitored item each, sampling 50 ms (the server's fastest),
//              publishing 50 ms: at most 20 readings/s per item.
//   modbus     a modbus-serial TCP server (its own process) with uint16 holding registers, polled
//              every 100 ms (the shortest poll) in reads of 125 registers: at most 10 readings/s
//              per register, fewer when a poll and its commit take longer than the interval.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { loadConfig } from '../src/config.ts';
import type { SecretBox } from '../src/connectors/secret-box.ts';
import { type CreateSourceInput, createSource, setSourceEnabled } from '../src/connectors/source-service.ts';
import { SparkplugEdgeNode } from '../src/connectors/sparkplug/edge-node.ts';
import { createInstrument } from '../src/instruments/instrument-service.ts';
import { type RunningServer, startServer } from '../src/main.ts';
import { AfterCommit, withAfterCommit } from '../src/notifications/after-commit.ts';
import { opt } from './harness.ts';

const SECONDS = Number(opt('seconds', '10'));
const RUNS = Number(opt('runs', '1'));
const INSTRUMENTS = opt('instruments', '');
const ONLY = opt('only', '');
const WARMUP_S = 2;

interface Bench {
  /** Instruments (and points) by default: enough to keep the adapter busy. */
  instruments: number;
  notes: string;
  /** Starts the peer and the source; returns a function that stops the peer. */
  run(server: RunningServer, tags: string[]): Promise<() => Promise<void>>;
}

const ADAPTERS: Record<string, Bench> = {
  sparkplug: {
    instruments: 200,
    notes: 'NDATA of every instrument, QoS 1, 64 in flight',
    async run(server, tags) {
      const ctx = server.ctx;
      const broker = ctx.ingestion?.broker();
      if (!broker?.url) throw new Error('no embedded broker');
      await startSource(server, {
        kind: 'sparkplug',
        name: 'bench sparkplug',
        config: { broker: 'embedded', group_id: 'bench', map_metric_names: true },
        points: [],
      });
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
  opcua: peerBench(
    'opcua',
    1000,
    50,
    'monitored items sampling 50 ms, publishing 50 ms, values change every 50 ms',
    (peer, tags) => ({
      kind: 'opcua',
      name: 'bench opcua',
      config: { endpoint_url: peer.url, publishing_interval_ms: 50, timeout_ms: 30_000 },
      points: tags.map((tag, i) => ({ node_id: `ns=1;s=P${i}`, tag, sampling_interval_ms: 50 })),
    }),
  ),
  modbus: peerBench(
    'modbus',
    2000,
    100,
    'uint16 holding registers, poll 100 ms, 125 registers per read',
    (peer, tags) => ({
      kind: 'modbus',
      name: 'bench modbus',
      config: { host: '127.0.0.1', port: peer.port, poll_interval_ms: 100, timeout_ms: 5000 },
      points: tags.map((tag, i) => ({
        tag,
        register_type: 'holding',
        address: i,
        data_type: 'uint16',
        scaling: { raw_min: 0, raw_max: 10_000, eng_min: 0, eng_max: 10 },
      })),
    }),
  ),
};

/** Creates and enables a source, waits until its adapter is connected; returns a function that disables it. */
async function startSource(server: RunningServer, input: CreateSourceInput): Promise<() => Promise<void>> {
  const ctx = server.ctx;
  const s = await createSource(
    ctx.db,
    ctx.connectorSecrets as SecretBox,
    null,
    input,
    new Date(),
    new AfterCommit(),
  );
  const enable = (on: boolean) =>
    withAfterCommit(ctx, (after) => setSourceEnabled(ctx.db, null, s.id, on, new Date(), after));
  const until = async (state: string) => {
    const deadline = Date.now() + 120_000;
    while (ctx.connectors?.status(s.id).state !== state) {
      if (Date.now() > deadline)
        throw new Error(`${input.name} not ${state}: ${JSON.stringify(ctx.connectors?.status(s.id))}`);
      await sleep(50);
    }
  };
  await enable(true);
  await until('connected');
  return async () => {
    await enable(false);
    await until('stopped');
  };
}

/** A bench against a peer in its own process (bench/connector-peer.ts) changing values every `changeMs`. */
function peerBench(
  kind: 'opcua' | 'modbus',
  instruments: number,
  changeMs: number,
  notes: string,
  source: (peer: { port: number; url: string }, tags: string[]) => CreateSourceInput,
): Bench {
  return {
    instruments,
    notes,
    async run(server, tags) {
      const peer = await startPeer(kind, tags.length, changeMs);
      const stopSource = await startSource(server, source(peer, tags));
      // The source first: a peer that went away would only add reconnect noise.
      return async () => {
        await stopSource();
        await peer.stop();
      };
    },
  };
}

/** Starts bench/connector-peer.ts in a process of its own; resolves once it listens. */
async function startPeer(kind: 'opcua' | 'modbus', points: number, changeMs: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'connector-peer.ts'),
      kind,
      String(points),
      String(changeMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // node-opcua writes its own notices to stdout too: the peer's line is the JSON one.
  let address: { port: number; url: string } | null = null;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    if (line.startsWith('{')) {
      address = JSON.parse(line);
      break;
    }
  }
  if (!address) throw new Error(`the ${kind} peer exited before it listened`);
  return {
    ...address,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(name: string, bench: Bench, instruments: number): Promise<number> {
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
    for (let i = 0; i < instruments; i++) {
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

const rows: string[][] = [['adapter', 'readings/s min', 'median', 'max', 'notes']];
for (const [name, bench] of Object.entries(ADAPTERS)) {
  if (ONLY && !ONLY.split(',').includes(name)) continue;
  const instruments = INSTRUMENTS ? Number(INSTRUMENTS) : bench.instruments;
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    rates.push(await measure(name, bench, instruments));
    console.error(`${name} run ${run + 1}: ${Math.round(rates.at(-1) ?? 0)} readings/s`);
  }
  rates.sort((a, b) => a - b);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  rows.push([
    name,
    fmt(rates[0]),
    fmt(rates[Math.floor(rates.length / 2)]),
    fmt(rates[rates.length - 1]),
    `${instruments} instruments; ${bench.notes}`,
  ]);
}
// The table as Markdown, for docs/connectors.md.
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
const line = (r: string[]) =>
  `| ${r.map((cell, c) => (c >= 1 && c <= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ')} |`;
console.log(line(rows[0]));
console.log(
  `|${widths.map((w, c) => (c >= 1 && c <= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
);
for (const r of rows.slice(1)) console.log(line(r));
console.log(
  `(${SECONDS} s per run after a ${WARMUP_S} s warm-up, ${RUNS} run(s) each; SQLite, every detector on)`,
);
process.exit(0);
