// npm run bench:dashboard — the dashboard summary on a plant of 2,000 instruments (issue 16 part 2):
// p50/p95/p99 of GET /api/dashboard/summary (the web app's first page: 100 cards, problems first)
// over 200 requests through the real HTTP server, and the answer's size uncompressed, gzip and br,
// beside the whole plant in pages of 500 (what one poll used to send). Every instrument has a live
// reading, so the cards are as full as on a running plant. On a temporary SQLite database, or with
// --pg on a fresh schema of PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test),
// dropped after.
//
//   npm run bench:dashboard [-- --pg] [-- --json]   INSTRUMENTS=500 REQUESTS=50 npm run bench:dashboard

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { analyzeTables } from '../src/db/analyze.ts';
import { startServer } from '../src/main.ts';
import { BENCH_ADMIN_PASSWORD, benchConfig, benchDatabase } from './harness.ts';
import { buildPlant, seedLiveReadings } from './reports-plant.ts';

const INSTRUMENTS = Number(process.env.INSTRUMENTS ?? 2000);
const REQUESTS = Number(process.env.REQUESTS ?? 200);
const PG = process.argv.includes('--pg');
export const TARGET_P99_MS = 50;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;

export interface DashboardFigures {
  dialect: 'SQLite' | 'PostgreSQL';
  instruments: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Bytes on the wire of the first page and of the whole plant in pages of 500, per encoding. */
  page: Record<string, number>;
  whole: Record<string, number>;
}

/** The summary's latency and sizes on a fresh plant (also run by bench:plant for its item 2 table). */
export async function measureDashboard(opts: {
  pg: boolean;
  instruments: number;
  requests: number;
  log?: (line: string) => void;
}): Promise<DashboardFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-bench-dashboard-'));
  const database = await benchDatabase(dir, 'dashboard', opts.pg);
  const config = benchConfig(dir, database.url);
  const server = await startServer(config, { print: () => {} });
  try {
    const now = server.ctx.clock.now();
    const t0 = performance.now();
    const plant = await buildPlant(server.ctx.db, { instruments: opts.instruments, years: 1, now });
    const seeded = await seedLiveReadings(server.ctx.db, server.ctx.live, now);
    // Inserted behind the services' backs: the register and calibration states in memory learn it as
    // their periodic refreshes would.
    await server.ctx.ingestion.instruments.refresh();
    await server.ctx.calibrations.load(null);
    // Statistics, as autovacuum (or the product after its own bulk loads) would have them.
    await analyzeTables(server.ctx.db);
    opts.log?.(
      `plant: ${plant.instruments} instruments, ${plant.alerts} alerts, ${plant.work_orders} work orders, ` +
        `${plant.calibrations} calibrations; built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `live readings on ${seeded} cards; ${opts.pg ? 'PostgreSQL' : 'SQLite'}`,
    );

    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ employee_number: 'admin', password: BENCH_ADMIN_PASSWORD }),
    });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const get = async (q: string, encoding: string) => {
      const res = await fetch(`${server.url}/api/dashboard/summary${q}`, {
        headers: { authorization: `Bearer ${token}`, 'accept-encoding': encoding },
      });
      const body = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
      return body.byteLength;
    };

    for (let i = 0; i < 10; i++) await get('', 'br'); // warm-up
    // The figure means nothing unless the answer covers the whole plant.
    const first = (await (
      await fetch(`${server.url}/api/dashboard/summary`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { total_instruments: number; instruments: unknown[] };
    if (
      first.total_instruments !== opts.instruments ||
      first.instruments.length !== Math.min(100, opts.instruments)
    )
      throw new Error(`the summary covers ${first.total_instruments} instruments, not ${opts.instruments}`);
    const ms: number[] = [];
    for (let i = 0; i < opts.requests; i++) {
      const s = performance.now();
      await get('', 'br');
      ms.push(performance.now() - s);
    }
    const sizes = async (q: string) => {
      const out: Record<string, number> = {};
      for (const enc of ['identity', 'gzip', 'br']) out[enc] = await wireBytes(server.url, q, token, enc);
      return out;
    };
    const page = await sizes('');
    const whole: Record<string, number> = { identity: 0, gzip: 0, br: 0 };
    for (let offset = 0; offset < opts.instruments; offset += 500) {
      const s = await sizes(`?limit=500&offset=${offset}`);
      for (const k of Object.keys(whole)) whole[k] += s[k];
    }
    return {
      dialect: opts.pg ? 'PostgreSQL' : 'SQLite',
      instruments: opts.instruments,
      requests: opts.requests,
      p50: pct(ms, 50),
      p95: pct(ms, 95),
      p99: pct(ms, 99),
      max: Math.max(...ms),
      page,
      whole,
    };
  } finally {
    await server.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (process.argv.includes('--json')) {
    // For bench:plant: the figures alone, measured in this fresh process.
    const f = await measureDashboard({ pg: PG, instruments: INSTRUMENTS, requests: REQUESTS });
    console.log(JSON.stringify(f));
    return;
  }
  const f = await measureDashboard({
    pg: PG,
    instruments: INSTRUMENTS,
    requests: REQUESTS,
    log: console.log,
  });
  console.log(
    `summary (first page, 100 cards, br) x${REQUESTS}: p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, ` +
      `p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms  [target p99 < ${TARGET_P99_MS} ms: ` +
      `${f.p99 < TARGET_P99_MS ? 'met' : 'MISSED'}]`,
  );
  console.log(
    `first page size: ${kb(f.page.identity)} uncompressed, ${kb(f.page.gzip)} gzip, ${kb(f.page.br)} br`,
  );
  console.log(
    `whole plant (${Math.ceil(INSTRUMENTS / 500)} pages of 500): ${kb(f.whole.identity)} uncompressed, ` +
      `${kb(f.whole.gzip)} gzip, ${kb(f.whole.br)} br`,
  );
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

/** The compressed bytes as sent: node:http does not decode, unlike fetch. */
async function wireBytes(base: string, q: string, token: string, encoding: string) {
  const http = await import('node:http');
  return new Promise<number>((resolve, reject) => {
    http
      .get(
        `${base}/api/dashboard/summary${q}`,
        { headers: { authorization: `Bearer ${token}`, 'accept-encoding': encoding } },
        (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
          });
          res.on('end', () => resolve(n));
        },
      )
      .on('error', reject);
  });
}

// Run as a script (not when bench:plant imports the measurement).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
