// What the ingestion benches share: process figures from /proc, a private Mosquitto, and the
// bare-pipeline yardstick (bench/bare-pipeline.ts) driven over IPC.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
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
