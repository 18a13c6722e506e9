// What the ingestion benches share: process figures from /proc, a private Mosquitto, and the
// bare-pipeline yardstick (bench/bare-pipeline.ts) driven over IPC.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { bindAuditKey } from '../src/audit/audit-log.ts';
import { loadConfig } from '../src/config.ts';
import type { DB } from '../src/db/schema.ts';
import { createInstrument } from '../src/instruments/instrument-service.ts';
import { AfterCommit } from '../src/notifications/after-commit.ts';
import { freePort } from '../src/simulator/test-broker.ts';

export { freePort };

const ROOT = path.resolve(import.meta.dirname, '..');
const TICKS = 100; // USER_HZ on Linux
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export function peakMemoryMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/** A private Mosquitto with the settings docs/operations.md recommends (no persistence: a bench). */
export async function startMosquitto(
  work: string,
  children: ChildProcess[],
): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const conf = path.join(work, `mosquitto-${port}.conf`);
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_queued_messages 1000000',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
      'persistence false',
      'log_dest none',
    ].join('\n'),
  );
  const proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  children.push(proc);
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return { url: `mqtt://127.0.0.1:${port}`, proc };
    await sleep(50);
  }
  throw new Error('mosquitto did not start');
}

export interface BarePipeline {
  pid: number;
  stored(): Promise<number>;
  /** Readings stored and publish-to-commit lags (ms) since the start or the last reset. */
  stats(): Promise<{ stored: number; lags: { p50: number; p99: number } }>;
  resetLags(): Promise<void>;
  stop(): Promise<void>;
}

/** The yardstick: the bare pipeline on `dbFile`, subscribed to `plant/readings/#` on `mqttUrl`. */
export async function startBarePipeline(
  mqttUrl: string,
  dbFile: string,
  children: ChildProcess[],
): Promise<BarePipeline> {
  const bare = fork(path.join(ROOT, 'bench/bare-pipeline.ts'), [mqttUrl, dbFile, 'plant/readings/#'], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(bare);
  const ask = <T>(cmd: string) =>
    new Promise<T>((resolve) => {
      bare.once('message', (m) => resolve(m as T));
      bare.send({ cmd });
    });
  await new Promise((resolve) => bare.once('message', resolve)); // ready
  return {
    pid: bare.pid as number,
    stored: async () => (await ask<{ stored: number }>('count')).stored,
    stats: () => ask('stats'),
    resetLags: async () => void (await ask('reset-lags')),
    async stop() {
      const exited = new Promise((r) => bare.once('exit', r));
      bare.send({ cmd: 'stop' });
      await exited;
    },
  };
}

/** The machine's PostgreSQL unless DATABASE_URL names another. */
export const BENCH_PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A database of the bench's own: a SQLite file in `dir`, or (with `pg`) a new PostgreSQL schema
 * named after the bench, dropped by `drop`.
 */
export async function benchDatabase(
  dir: string,
  label: string,
  pgBench: boolean,
): Promise<{ url: string; file?: string; schema?: string; drop: () => Promise<void> }> {
  if (!pgBench) {
    const file = path.join(dir, 'bench.db');
    return { url: `sqlite:${file}`, file, drop: async () => {} };
  }
  const schema = `bench_${label}_${process.pid}`;
  const run = async (q: string) => {
    const c = new pg.Client({ connectionString: BENCH_PG_URL });
    await c.connect();
    await c.query(q);
    await c.end();
  };
  await run(`drop schema if exists ${schema} cascade`);
  await run(`create schema ${schema}`);
  const u = new URL(BENCH_PG_URL);
  u.searchParams.set('schema', schema);
  return { url: u.toString(), schema, drop: () => run(`drop schema if exists ${schema} cascade`) };
}

export const BENCH_ADMIN_PASSWORD = 'Kitwe-control-room-1';

/** Settings of an in-process bench server on `databaseUrl` (quiet, ephemeral ports, no demo). */
export function benchConfig(dir: string, databaseUrl: string) {
  return loadConfig(
    {
      DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      JWT_SECRET: 'bench-secret-long-enough',
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      MQTT_PORT: '0',
      SEED_DEMO: 'false',
      ADMIN_EMPLOYEE_NUMBER: 'admin',
      ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    },
    { dotenvFile: null },
  );
}

// ── the real server as a child process, and the plant it runs on ────────────────────────────────
export const BENCH_AUDIT_KEY = 'bench-audit-key-that-is-long-enough-32';
export const BENCH_OPERATOR_PASSWORD = 'Bench-operator-pass-1';
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';
/** /health details and /metrics need a token; the benches read both with this one. */
export const scrapeHeaders = { authorization: `Bearer ${BENCH_METRICS_TOKEN}` };
export const benchTag = (i: number) => `B-${String(i).padStart(4, '0')}`;

/**
 * Binds the benches' audit key (the server later started on copies of this database has the same)
 * and registers `count` pressure instruments B-0000... publishing every second.
 */
export async function registerBenchInstruments(db: Kysely<DB>, count: number): Promise<void> {
  const now = new Date();
  await bindAuditKey(db, BENCH_AUDIT_KEY, now.toISOString());
  for (let i = 0; i < count; i++) {
    await createInstrument(
      db,
      null,
      {
        tag: benchTag(i),
        type: 'pressure',
        unit: 'bar',
        range_min: 0,
        range_max: 100,
        nominal_value: 50,
        alarm_low_critical: 5,
        alarm_low_warning: 10,
        alarm_high_warning: 90,
        alarm_high_critical: 95,
        publish_interval_seconds: 1,
        max_rate_per_second: 1000,
      },
      now,
      new AfterCommit(),
    );
  }
}

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  health(): Promise<Record<string, any>>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The real server (`src/cli.ts serve`, production mode) on the SQLite file `dbFile` with DATA_DIR
 * `work`; `env` adds the broker settings and anything else. Resolves once it listens.
 */
export async function startChildServer(
  work: string,
  dbFile: string,
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<ChildServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-that-is-long-enough',
      AUDIT_KEY: BENCH_AUDIT_KEY,
      ADMIN_PASSWORD: BENCH_OPERATOR_PASSWORD,
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: work,
      DATABASE_URL: `sqlite:${dbFile}`,
      LOG_LEVEL: 'info',
      SEED_DEMO: 'false',
      SIMULATOR_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const o = JSON.parse(line);
        if (o.msg === 'CBU CMMS listening') resolve(o.url);
      } catch {
        // not a log line
      }
    });
  });
  return {
    proc,
    url,
    health: async () =>
      (await (await fetch(`${url}/health`, { headers: scrapeHeaders })).json()) as Record<string, any>,
    metrics: async () => (await fetch(`${url}/metrics`, { headers: scrapeHeaders })).text(),
    async stop() {
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** `--name value` from the bench's command line, or `fallback`. */
export function opt(name: string, fallback: string): string {
  const argv = process.argv;
  const i = argv.indexOf(`--${name}`);
  return i !== -1 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}
