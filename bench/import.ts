// npm run bench:import — the time to import a 5,000-instrument register and a 50,000-point
// calibration history (five files of 10,000 rows, the per-file limit) through the real HTTP API,
// check (dry run) and write separately, and the process's peak RSS, ending with a table of the
// figures against the targets (issue 18): register < 5 s, history < 20 s, the real write, on the
// 2-core machine. On a temporary SQLite database, or with --pg on a fresh schema of PostgreSQL
// (DATABASE_URL, default the machine's postgres://postgres@127.0.0.1:5432/test), dropped after.
//
//   npm run bench:import [-- --pg]          INSTRUMENTS=500 npm run bench:import   (a quick look)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../src/main.ts';
import { BENCH_ADMIN_PASSWORD, benchConfig, benchDatabase } from './harness.ts';

const INSTRUMENTS = Number(process.env.INSTRUMENTS ?? 5000);
const POINTS_PER_RECORD = 5;
const ROWS_PER_FILE = 10_000;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const PG = process.argv.includes('--pg');
const TARGETS = { register: 5_000, history: 20_000 };

function registerCsv() {
  const rows = [
    'tag,type,unit,range_min,range_max,process_unit,description,calibration_interval_days,last_calibrated_on',
  ];
  for (let i = 0; i < INSTRUMENTS; i++)
    rows.push(`PT-${i},pressure,bar,0,16,Unit ${i % 20},Bench instrument ${i},365,2025-0${1 + (i % 9)}-15`);
  return `${rows.join('\n')}\n`;
}

/** 50,000 points: two records of five points per instrument, as files of at most 10,000 rows. */
function historyFiles() {
  const rows: string[] = [];
  for (let i = 0; i < INSTRUMENTS; i++)
    for (const date of ['2024-03-10 09:00', '2025-03-12 10:30'])
      for (let p = 0; p < POINTS_PER_RECORD; p++) {
        const ref = p * 4;
        rows.push(
          `PT-${i},${date},J. Banda,DPC-0${i % 3},${ref},${(ref + 0.02 * (p + 1)).toFixed(3)},${ref}`,
        );
      }
  const header = 'tag,performed_at,performed_by,reference_standard,reference_value,as_found,as_left';
  const files: string[] = [];
  for (let at = 0; at < rows.length; at += ROWS_PER_FILE)
    files.push(`${header}\n${rows.slice(at, at + ROWS_PER_FILE).join('\n')}\n`);
  return { files, points: rows.length };
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-bench-import-'));
  const database = await benchDatabase(dir, 'import', PG);
  const config = benchConfig(dir, database.url);
  const server = await startServer(config, { print: () => {} });
  try {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ employee_number: 'admin', password: BENCH_ADMIN_PASSWORD }),
    });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const post = async (kind: string, body: string, dryRun: boolean) => {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/imports/${kind}?dry_run=${dryRun}&filename=bench.csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body,
      });
      const answer = (await res.json()) as { created: number; errors: unknown[] };
      if (res.status !== 200)
        throw new Error(`${kind}: ${res.status} ${JSON.stringify(answer).slice(0, 500)}`);
      return { ms: performance.now() - t0, created: answer.created };
    };
    const register = registerCsv();
    console.log(`register: ${INSTRUMENTS} instruments, ${(register.length / 1e6).toFixed(2)} MB CSV`);
    const dry = await post('instruments', register, true);
    console.log(`  check (dry run)       ${fmt(dry.ms)}`);
    const wrote = await post('instruments', register, false);
    console.log(
      `  import                ${fmt(wrote.ms)}  (${wrote.created} created, with last-calibration records)`,
    );
    const again = await post('instruments', register, false);
    console.log(`  re-import (unchanged) ${fmt(again.ms)}`);

    const { files, points } = historyFiles();
    console.log(`history: ${points} points in ${files.length} files of ${ROWS_PER_FILE} rows`);
    let checkMs = 0;
    let writeMs = 0;
    let records = 0;
    for (const f of files) checkMs += (await post('calibrations', f, true)).ms;
    for (const f of files) {
      const r = await post('calibrations', f, false);
      writeMs += r.ms;
      records += r.created;
    }
    console.log(`  check (dry run)       ${fmt(checkMs)}`);
    console.log(`  import                ${fmt(writeMs)}  (${records} records)`);
    // The targets are for the full size; a smaller run only shows its figures.
    const full = INSTRUMENTS === 5000;
    const against = (ms: number, target: number) =>
      full ? [`< ${fmt(target)}`, ms < target ? 'met' : 'MISSED'] : ['', ''];
    const table = [
      ['', 'time', 'target', ''],
      ['register import (write)', fmt(wrote.ms), ...against(wrote.ms, TARGETS.register)],
      [`history import (write, ${files.length} files)`, fmt(writeMs), ...against(writeMs, TARGETS.history)],
      ['register check (dry run)', fmt(dry.ms), '', ''],
      ['register re-import (unchanged)', fmt(again.ms), '', ''],
      ['history check (dry run)', fmt(checkMs), '', ''],
      ['peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`, '', ''],
    ];
    const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
    console.log(`\n${config.database.kind}: ${INSTRUMENTS} instruments, ${points} calibration points`);
    for (const r of table)
      console.log(
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      );
  } finally {
    await server.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
