// npm run bench:ingest [-- --seconds 15 --instruments 1000 --modes embedded,mosquitto]
//
// The ingestion benchmark of issue 3. For 1,000 instruments it starts the real server as a child
// process (`src/cli.ts serve`, SQLite, every detector on, acknowledgement after commit), publishes
// from a separate process over a real broker, and prints for each broker mode:
//   - sustained readings/s stored while publishing flat out (slope of stored_total over the run),
//   - p50 / p99 latency from publish to commit at 10,000 readings/s (the server's
//     cmms_ingest_commit_lag_seconds histogram, interpolated within its buckets),
//   - CPU (share of one core, averaged over the run) and peak memory (VmHWM) of the server.
// In the same run, a bare pipeline (bench/bare-pipeline.ts: mqtt.js subscriber writing the same
// rows to SQLite in batches, acknowledging after the commit, nothing else) is measured the same
// way, and the ratio is printed.
//
// With `--processes 1,2,3` (issue 12) it instead runs N server processes on one PostgreSQL schema
// (`--pg`, default the machine's postgres://postgres@127.0.0.1:5432/test) sharing the readings
// through a shared subscription (or, with `--split partitions`, tag partitions) on the private
// Mosquitto, and prints for each N the stored rate
// flat out, p50 / p99 publish-to-commit at 10,000 readings/s, and the processes' summed CPU.
//
// Broker modes: 'embedded' (the default product setup: aedes inside the server, publishers connect
// to it) and 'mosquitto' (a private Mosquitto started for the run with the settings that
// docs/operations.md recommends). The bare pipeline always goes through that Mosquitto.

import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import {
  cpuSeconds,
  freePort,
  opt,
  peakMemoryMb,
  registerBenchInstruments,
  startBarePipeline,
  startChildServer,
  startMosquitto,
} from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(opt('seconds', '15'));
const INSTRUMENTS = Number(opt('instruments', '1000'));
const MODES = opt('modes', 'embedded,mosquitto')
  .split(',')
  .filter((m) => m === 'embedded' || m === 'mosquitto');
const PROCESSES = opt('processes', '').split(',').filter(Boolean).map(Number);
const PG_URL = opt('pg', 'postgres://postgres@127.0.0.1:5432/test');
/** How several processes split the readings: a shared subscription, or tag partitions (INGEST_PARTITIONS). */
const SPLIT = opt('split', 'shared') === 'partitions' ? 'partitions' : 'shared';
const PARTITIONS = 16;
const LATENCY_RATE = 10_000;
const WARMUP_S = 3;

const work = mkdtempSync(path.join(tmpdir(), 'cmms-bench-ingest-'));
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const f = (n: number, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : 'n/a';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`${s}\n`);

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────────
async function templateDb(): Promise<string> {
  const file = path.join(work, 'template.db');
  const h = openDatabase({ kind: 'sqlite', file });
  await fillDb(h);
  return file;
}

/** Migrates and registers the bench's instruments (a SQLite template, or a PostgreSQL schema). */
async function fillDb(h: ReturnType<typeof openDatabase>): Promise<void> {
  await migrateToLatest(h);
  await registerBenchInstruments(h.db, INSTRUMENTS);
  await h.close();
}
let dbCounter = 0;
function freshDb(template: string): string {
  const file = path.join(work, `run-${++dbCounter}.db`);
  copyFileSync(template, file);
  return file;
}

// ── the server under test ────────────────────────────────────────────────────────────────────────
interface Server {
  proc: ChildProcess;
  url: string;
  health(): Promise<Record<string, any>>;
  lagBuckets(): Promise<Map<number, number>>;
  stop(): Promise<void>;
}

const BENCH_MQTT_USER = 'bench-cmms';
const BENCH_MQTT_PASSWORD = 'bench-broker-password';

async function startServer(dbFile: string, brokerEnv: Record<string, string>): Promise<Server> {
  const child = await startChildServer(work, dbFile, brokerEnv, children);
  const server: Server = {
    proc: child.proc,
    url: child.url,
    health: child.health,
    async lagBuckets() {
      const text = await child.metrics();
      const out = new Map<number, number>();
      for (const m of text.matchAll(/^cmms_ingest_commit_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm))
        out.set(m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
      return out;
    },
    stop: child.stop,
  };
  // Wait for the broker side to be up (and, external, subscribed).
  for (let i = 0; i < 200; i++) {
    const h = await server.health();
    if (h.broker?.connected) return server;
    await sleep(50);
  }
  throw new Error('server never connected to its broker');
}

/** Quantile from a cumulative histogram (linear within the bucket, as Prometheus does). */
function histogramQuantile(cum: [number, number][], q: number): number {
  const total = cum[cum.length - 1]?.[1] ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of cum) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
function lagDelta(before: Map<number, number>, after: Map<number, number>): [number, number][] {
  return [...after.entries()].sort((a, b) => a[0] - b[0]).map(([le, n]) => [le, n - (before.get(le) ?? 0)]);
}

// ── load ─────────────────────────────────────────────────────────────────────────────────────────
interface Load {
  done: Promise<Record<string, number>>;
  /** Tells the publisher how many readings the consumer has stored (bounds its lead). */
  progress(stored: number): void;
}

/** Flat out, the publisher stays at most this many readings ahead of what is stored. */
const MAX_AHEAD = 100_000;

function publish(url: string, prefix: string, rate: number, seconds: number, storedAtStart: number): Load {
  const p = fork(
    path.join(ROOT, 'bench/ingest-publisher.ts'),
    [
      '--url',
      url,
      '--prefix',
      prefix,
      '--tags',
      String(INSTRUMENTS),
      '--rate',
      String(rate),
      '--seconds',
      String(seconds),
      '--inflight',
      '20000',
      '--connections',
      '2',
      '--ahead',
      String(MAX_AHEAD),
      // Production refuses an open embedded broker: the publisher logs in as the plant would.
      '--username',
      BENCH_MQTT_USER,
      '--password',
      BENCH_MQTT_PASSWORD,
    ],
    { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  children.push(p);
  let out = '';
  p.stdout!.on('data', (d) => {
    out += String(d);
  });
  return {
    done: once(p, 'exit').then(() => JSON.parse(out.trim().split('\n').pop() ?? '{}')),
    progress(stored: number) {
      // The publisher may have just exited: a failed send is no error.
      if (p.connected) p.send({ stored: stored - storedAtStart }, () => {});
    },
  };
}

/** Samples a counter while the load runs (feeding it back to the publisher); returns the slope after the warm-up. */
async function sustained(
  load: Load,
  counter: () => Promise<number>,
  pid: number | number[],
): Promise<{ rate: number; cpu: number }> {
  const cpuOf = () => (Array.isArray(pid) ? pid : [pid]).reduce((sum, p) => sum + cpuSeconds(p), 0);
  const samples: { t: number; n: number; cpu: number }[] = [];
  let done = false;
  void load.done.then(() => {
    done = true;
  });
  const t0 = performance.now();
  let lastSample = Number.NEGATIVE_INFINITY;
  while (!done) {
    const n = await counter();
    load.progress(n);
    const t = (performance.now() - t0) / 1000;
    if (t - lastSample >= 1) {
      samples.push({ t, n, cpu: cpuOf() });
      lastSample = t;
    }
    await sleep(100);
  }
  const steady = samples.filter((s) => s.t >= WARMUP_S);
  const a = steady[0];
  const b = steady[steady.length - 1];
  if (!a || !b || b.t <= a.t) return { rate: Number.NaN, cpu: Number.NaN };
  return { rate: (b.n - a.n) / (b.t - a.t), cpu: (b.cpu - a.cpu) / (b.t - a.t) };
}

async function drain(counter: () => Promise<number>, target: number, timeoutMs = 60_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let n = await counter();
  while (n < target && Date.now() < until) {
    await sleep(200);
    n = await counter();
  }
  return n;
}

interface Result {
  name: string;
  sustained: number;
  p50: number;
  p99: number;
  atRate: number;
  cpu: number;
  memMb: number;
  lost: number;
}

async function benchProduct(mode: string, template: string, mosquittoUrl: string): Promise<Result> {
  const port = await freePort();
  const prefix = 'plant/readings';
  const brokerEnv: Record<string, string> =
    mode === 'embedded'
      ? {
          MQTT_BROKER: 'embedded',
          MQTT_PORT: String(port),
          MQTT_USERNAME: BENCH_MQTT_USER,
          MQTT_PASSWORD: BENCH_MQTT_PASSWORD,
        }
      : {
          MQTT_BROKER: mosquittoUrl,
          MQTT_CLIENT_ID: `bench-ingest-${process.pid}`,
          MQTT_SESSION_EXPIRY_SECONDS: '60',
        };
  const publishUrl = mode === 'embedded' ? `mqtt://127.0.0.1:${port}` : mosquittoUrl;
  const server = await startServer(freshDb(template), brokerEnv);
  const stored = async () => {
    const h = await server.health();
    return h.ingestion.stored_total + h.ingestion.duplicates_total;
  };
  const pid = server.proc.pid!;
  // Steady state first (latency at 10,000 readings/s), then flat out (throughput).
  log(`  ${mode}: ${LATENCY_RATE} readings/s for ${SECONDS} s ...`);
  const before = await server.lagBuckets();
  const paced = publish(publishUrl, prefix, LATENCY_RATE, SECONDS, 0);
  const p = await sustained(paced, stored, pid);
  const pacedOut = await paced.done;
  const n0 = await drain(stored, pacedOut.published);
  const delta = lagDelta(before, await server.lagBuckets());

  log(`  ${mode}: flat out for ${SECONDS} s ...`);
  const flat = publish(publishUrl, prefix, 0, SECONDS, n0);
  const s = await sustained(flat, stored, pid);
  const flatOut = await flat.done;
  log(`    published ${flatOut.published} (${flatOut.publish_rate}/s), stored ${f(s.rate)}/s`);
  const n1 = await drain(stored, pacedOut.published + flatOut.published);
  const result: Result = {
    name: `product, ${mode === 'embedded' ? 'embedded broker' : 'Mosquitto'}`,
    sustained: s.rate,
    p50: histogramQuantile(delta, 0.5),
    p99: histogramQuantile(delta, 0.99),
    atRate: p.rate,
    cpu: s.cpu,
    memMb: peakMemoryMb(pid),
    lost: flatOut.published + pacedOut.published - n1,
  };
  await server.stop();
  return result;
}

async function benchBare(template: string, mosquittoUrl: string): Promise<Result> {
  const file = freshDb(template);
  const bare = await startBarePipeline(mosquittoUrl, file, children);
  const stats = bare.stats;
  const stored = bare.stored;
  const pid = bare.pid;
  log(`  bare pipeline: ${LATENCY_RATE} readings/s for ${SECONDS} s ...`);
  const paced = publish(mosquittoUrl, 'plant/readings', LATENCY_RATE, SECONDS, 0);
  const p = await sustained(paced, stored, pid);
  const pacedOut = await paced.done;
  const n0 = await drain(stored, pacedOut.published);
  const st = await stats();

  log(`  bare pipeline: flat out for ${SECONDS} s ...`);
  const flat = publish(mosquittoUrl, 'plant/readings', 0, SECONDS, n0);
  const s = await sustained(flat, stored, pid);
  const flatOut = await flat.done;
  log(`    published ${flatOut.published} (${flatOut.publish_rate}/s), stored ${f(s.rate)}/s`);
  const n1 = await drain(stored, pacedOut.published + flatOut.published);
  const result: Result = {
    name: 'bare pipeline, Mosquitto',
    sustained: s.rate,
    p50: st.lags.p50 / 1000,
    p99: st.lags.p99 / 1000,
    atRate: p.rate,
    cpu: s.cpu,
    memMb: peakMemoryMb(pid),
    lost: flatOut.published + pacedOut.published - n1,
  };
  await bare.stop();
  return result;
}

// ── several processes on PostgreSQL ─────────────────────────────────────────────────────────────
async function benchProcesses(n: number, mosquittoUrl: string): Promise<Result> {
  const schema = `bench_${process.pid}_${n}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.query(`create schema ${schema}`);
  await fillDb(openDatabase({ kind: 'postgres', url: PG_URL, schema }));
  const u = new URL(PG_URL);
  u.searchParams.set('schema', schema);
  const servers: Server[] = [];
  for (let i = 0; i < n; i++) {
    servers.push(
      await startServer('', {
        DATABASE_URL: u.toString(),
        DATA_DIR: mkdtempSync(path.join(work, `p${i}-`)),
        PROCESS_NAME: `p${i}`,
        MQTT_BROKER: mosquittoUrl,
        MQTT_CLIENT_ID: `bench-ingest-${process.pid}-${n}`,
        ...(SPLIT === 'shared'
          ? { MQTT_SHARED_GROUP: `bench-${n}` }
          : { INGEST_PARTITIONS: String(PARTITIONS), LEASE_TTL_SECONDS: '6' }),
        MQTT_SESSION_EXPIRY_SECONDS: '60',
      }),
    );
  }
  if (SPLIT === 'partitions') {
    // Publish once every process holds its share of the partitions.
    const share = Math.ceil(PARTITIONS / n);
    for (;;) {
      const held = (await Promise.all(servers.map((s) => s.health()))).map(
        (h) => h.ingestion.partitions.held.length as number,
      );
      if (held.reduce((a, b) => a + b, 0) === PARTITIONS && held.every((k) => k <= share)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const stored = async () => {
    const hs = await Promise.all(servers.map((s) => s.health()));
    return hs.reduce((sum, h) => sum + h.ingestion.stored_total + h.ingestion.duplicates_total, 0);
  };
  const lag = async () => {
    const sum = new Map<number, number>();
    for (const s of servers) for (const [le, c] of await s.lagBuckets()) sum.set(le, (sum.get(le) ?? 0) + c);
    return sum;
  };
  const pids = servers.map((s) => s.proc.pid!);
  const prefix = 'plant/readings';
  log(`  ${n} process(es): ${LATENCY_RATE} readings/s for ${SECONDS} s ...`);
  const before = await lag();
  const paced = publish(mosquittoUrl, prefix, LATENCY_RATE, SECONDS, 0);
  const p = await sustained(paced, stored, pids);
  const pacedOut = await paced.done;
  const n0 = await drain(stored, pacedOut.published);
  const delta = lagDelta(before, await lag());
  log(`  ${n} process(es): flat out for ${SECONDS} s ...`);
  const flat = publish(mosquittoUrl, prefix, 0, SECONDS, n0);
  const s = await sustained(flat, stored, pids);
  const flatOut = await flat.done;
  log(`    published ${flatOut.published} (${flatOut.publish_rate}/s), stored ${f(s.rate)}/s`);
  // Lost is counted in the table, not from the processes' counters: a reading handled twice around a
  // hand-over counts as a duplicate in one process but is one row (the primary key).
  const rows = async () =>
    Number((await admin.query(`select count(*) as n from ${schema}.raw_readings`)).rows[0].n);
  const n1 = await drain(rows, pacedOut.published + flatOut.published);
  const result: Result = {
    name: `${n} process${n === 1 ? '' : 'es'}, PostgreSQL, ${SPLIT === 'shared' ? 'shared subscription' : `${PARTITIONS} tag partitions`}`,
    sustained: s.rate,
    p50: histogramQuantile(delta, 0.5),
    p99: histogramQuantile(delta, 0.99),
    atRate: p.rate,
    cpu: s.cpu,
    memMb: Math.max(...pids.map(peakMemoryMb)),
    lost: flatOut.published + pacedOut.published - n1,
  };
  for (const server of servers) await server.stop();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
  return result;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────
log(`ingestion benchmark: ${INSTRUMENTS} instruments, ${SECONDS} s per phase, ${cpus().length} cores`);
log('preparing the database ...');
const mosquitto = await startMosquitto(work, children);
const results: Result[] = [];
if (PROCESSES.length > 0) {
  for (const n of PROCESSES) results.push(await benchProcesses(n, mosquitto.url));
} else {
  const template = await templateDb();
  for (const mode of MODES) results.push(await benchProduct(mode, template, mosquitto.url));
  results.push(await benchBare(template, mosquitto.url));
}
const mosquittoMem = peakMemoryMb(mosquitto.proc.pid!);

const bare = PROCESSES.length > 0 ? results[0] : results[results.length - 1];
const rows = results.map((r) => [
  r.name,
  f(r.sustained),
  `${f(r.p50 * 1000)} ms`,
  `${f(r.p99 * 1000)} ms`,
  f(r.atRate),
  `${f(r.cpu * 100)} %`,
  `${f(r.memMb)} MB`,
  String(r.lost),
  r === bare ? '-' : `${f((r.sustained / bare.sustained) * 100)} %`,
]);
const head = [
  'pipeline',
  'sustained/s',
  'p50 @10k/s',
  'p99 @10k/s',
  'stored/s @10k',
  'CPU',
  'peak mem',
  'lost',
  PROCESSES.length > 0 ? 'vs 1 process' : 'vs bare',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log('');
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log('');
console.log(
  `CPU is the server (or bare pipeline) process, as a share of one core, while publishing flat out; ` +
    `the embedded broker runs inside the server. Mosquitto peak memory: ${mosquittoMem} MB.`,
);
console.log(
  'Latency is publish (reading timestamp) to commit: the server from its cmms_ingest_commit_lag_seconds ' +
    'histogram (interpolated within buckets), the bare pipeline exactly.',
);
process.exit(0);
