// npm run bench:catchup — downsampling catch-up after an outage (issue 16 item 5). A day of raw
// readings for INSTRUMENTS instruments at INTERVAL_SECONDS (the demo's instruments publish every 2-5 s)
// is bulk-inserted straight into raw_readings, the tiers' watermarks are left at the outage's
// start, and one downsampling pass brings 1m, 1h and 1d up to date. Prints, per run: wall time,
// times real time, the process's CPU time, the event loop's longest stall and p99 during the
// catch-up (monitorEventLoopDelay), the longest statement, the number of statements and their mean
// CPU, the load average, and a digest of the tiers (equal digests: equal results).
//
//   npm run bench:catchup [-- --pg]                 INSTRUMENTS=2000 INTERVAL_SECONDS=5 HOURS=24 RUNS=3
//
// --pg uses a fresh schema of PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { bindAuditKey } from '../src/audit/audit-log.ts';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createInstruments } from '../src/instruments/instrument-service.ts';
import { AfterCommit } from '../src/notifications/after-commit.ts';
import { downsample } from '../src/readings/retention.ts';
import { AGGREGATE_TIERS, DAY_MS, HOUR_MS, SETTLE_MS, STATE } from '../src/readings/tiers.ts';
import { benchDatabase } from './harness.ts';

const INSTRUMENTS = Number(process.env.INSTRUMENTS ?? 2000);
const INTERVAL_MS = Number(process.env.INTERVAL_SECONDS ?? 5) * 1000;
const HOURS = Number(process.env.HOURS ?? 24);
const RUNS = Number(process.env.RUNS ?? 3);
const PG = process.argv.includes('--pg');

// The outage: [T0, T0 + HOURS) holds raw readings, no tier has any of it yet.
const T0 = Math.floor((Date.now() - 3 * DAY_MS) / DAY_MS) * DAY_MS;
const T1 = T0 + HOURS * HOUR_MS;

const fmt = (ms: number) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;

// A reading's value and quality, the same on both databases: a slow wave per instrument, and one
// reading in 97 a fault or a spike (they stay out of avg/min/max and are counted apart).
const valueSql = (i: string, ts: string) => `(${i} % 50) + 10 * sin(${ts} / 600000.0 + ${i})`;
const qualitySql = (i: string, ts: string) =>
  `case when (${ts} / ${INTERVAL_MS} + ${i}) % 97 = 0 then 'spike' when (${ts} / ${INTERVAL_MS} + ${i}) % 193 = 0 then 'fault' else 'good' end`;

/** Bulk-inserts the outage's raw readings in time order, as ingestion would have written them. */
async function fillRaw(url: string, file: string | undefined, ids: number[]): Promise<number> {
  const [lo, hi] = [ids[0], ids[ids.length - 1]];
  if (!PG) {
    const db = new SQLite(file ?? '');
    db.pragma('journal_mode = WAL');
    db.pragma('cache_size = -262144');
    // An hour at a time, server-side: instruments x timestamps, each instrument at its own phase.
    const stmt = db.prepare(
      `with recursive t(ts) as (select ? union all select ts + ${INTERVAL_MS} from t where ts + ${INTERVAL_MS} < ?) ` +
        'insert into raw_readings (instrument_id, ts, value, quality) ' +
        `select i.id, t.ts + (i.id * 37) % ${INTERVAL_MS} as ts, ${valueSql('i.id', 't.ts')}, ${qualitySql('i.id', 't.ts')} ` +
        'from t cross join instruments i where i.id between ? and ? order by t.ts, i.id',
    );
    let n = 0;
    for (let h = T0; h < T1; h += HOUR_MS) n += stmt.run(h, h + HOUR_MS, lo, hi).changes;
    db.close();
    return n;
  }
  const c = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
  await c.connect();
  await c.query(`set search_path = ${new URL(url).searchParams.get('schema')}`);
  let n = 0;
  for (let h = T0; h < T1; h += HOUR_MS) {
    const r = await c.query(
      'insert into raw_readings (instrument_id, ts, value, quality) ' +
        `select i, t + (i * 37) % ${INTERVAL_MS}, ${valueSql('i', 't')}, ${qualitySql('i', 't')} ` +
        `from generate_series($1::bigint, $2::bigint - 1, ${INTERVAL_MS}) t, generate_series($3::int, $4::int) i order by t, i`,
      [h, h + HOUR_MS, lo, hi],
    );
    n += r.rowCount ?? 0;
  }
  await c.query('vacuum analyze raw_readings');
  await c.end();
  return n;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-bench-catchup-'));
  const database = await benchDatabase(dir, 'catchup', PG);
  const handle = openDatabase(parseDatabaseUrl(database.url));
  const deps = { db: handle.db, dialect: handle.dialect, log: pino({ level: 'silent' }) };
  try {
    await migrateToLatest(handle);
    await bindAuditKey(handle.db, 'bench-audit-key-that-is-long-enough-32', new Date().toISOString());
    const ids: number[] = [];
    for (let i = 0; i < INSTRUMENTS; i += 500) {
      const batch = Array.from({ length: Math.min(500, INSTRUMENTS - i) }, (_, k) => ({
        tag: `CU-${String(i + k).padStart(4, '0')}`,
        type: 'pressure',
        unit: 'bar',
        range_min: 0,
        range_max: 100,
        publish_interval_seconds: INTERVAL_MS / 1000,
      }));
      const made = await createInstruments(handle.db, null, batch, new Date(), new AfterCommit());
      ids.push(...made.map((m) => m.id));
    }
    const filled = performance.now();
    const rows = await fillRaw(database.url, database.file, ids);
    console.log(
      `${PG ? 'PostgreSQL' : 'SQLite'}: ${INSTRUMENTS} instruments every ${INTERVAL_MS / 1000} s, ` +
        `${HOURS} h outage = ${rows.toLocaleString('en')} raw readings (inserted in ${fmt(performance.now() - filled)}); ` +
        `node ${process.version}, ${process.platform} ${process.arch}\n`,
    );
    console.log(
      'run | wall | x real time | CPU | loop max | loop p99 | longest statement | statements | CPU per statement | load avg | digest',
    );
    const walls: number[] = [];
    const maxes: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      // Back to the moment the outage ended: tiers complete up to T0, nothing after.
      for (const t of AGGREGATE_TIERS) await handle.db.deleteFrom(t.table).execute();
      await handle.db.deleteFrom('system_state').where('key', 'like', 'readings.%').execute();
      await handle.db
        .insertInto('system_state')
        .values(
          AGGREGATE_TIERS.map((t) => ({
            key: STATE.watermark(t.name),
            value: String(T0),
            updated_at: new Date().toISOString(),
          })),
        )
        .execute();
      if (PG) await sql`vacuum analyze readings_1m, readings_1h, readings_1d`.execute(handle.db);
      const load = loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const result = await downsample(deps, T1 + SETTLE_MS);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      h.disable();
      if (result.watermarks['1d'] !== Math.floor(T1 / DAY_MS) * DAY_MS)
        throw new Error(`catch-up incomplete: ${JSON.stringify(result.watermarks)}`);
      walls.push(wall);
      maxes.push(h.max / 1e6);
      console.log(
        [
          run,
          fmt(wall),
          `${((HOURS * HOUR_MS) / wall).toFixed(0)}x`,
          fmt((cpu.user + cpu.system) / 1000),
          fmt(h.max / 1e6),
          fmt(h.percentile(99) / 1e6),
          // The code before issue 16 item 5 did not report it.
          result.longestStatementMs === undefined ? 'n/a' : fmt(result.longestStatementMs),
          result.statements,
          fmt((cpu.user + cpu.system) / 1000 / result.statements),
          load,
          await digest(),
        ].join(' | '),
      );
    }
    const mmm = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `${fmt(s[0])} / ${fmt(s[Math.floor(s.length / 2)])} / ${fmt(s[s.length - 1])}`;
    };
    console.log(`\nwall min/median/max: ${mmm(walls)}; loop max min/median/max: ${mmm(maxes)}`);
  } finally {
    await handle.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }

  /** Row count and sums of each tier: the same on every run and before/after a change. */
  async function digest(): Promise<string> {
    const parts: string[] = [];
    for (const t of AGGREGATE_TIERS) {
      const r = await sql<{ n: number; c: number; b: number; s: number }>`
        select count(*) as n, sum(count) as c, sum(bad_count) as b,
               sum(avg * 7 + min * 3 + max) as s from ${sql.table(t.table)}`.execute(handle.db);
      const row = r.rows[0];
      parts.push(
        `${t.name} ${Number(row.n)} rows, n=${Number(row.c)}, bad=${Number(row.b)}, Σ=${Number(row.s).toFixed(2)}`,
      );
    }
    return parts.join('; ');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
