// npm run bench:reports — time to build each report, and to render its CSV and PDF, for a plant of
// 500 instruments with 2 years of calibration, work-order, maintenance and alert history in a
// temporary SQLite database. Also prints the longest event-loop stall while each file is rendered
// in-process, and the PDF through the worker thread that large exports use. Then the figures issue 16
// asks for: the calibration report's PDF (time, peak RSS and heap growth while it renders: flat when
// pages are written as they are drawn) and the compliance report's build time p50/p99 over RUNS runs.
//
//   INSTRUMENTS=500 YEARS=2 npm run bench:reports
//   INSTRUMENTS=2000 TABLE=0 RUNS=60 npm run bench:reports   # plant scale, the scale figures only

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { renderCsv } from '../src/reports/csv-export.ts';
import { renderPdf } from '../src/reports/pdf-export.ts';
import { exportReport } from '../src/reports/report-export.ts';
import { REPORT_KEYS, totalRows } from '../src/reports/report-model.ts';
import type { BuildContext } from '../src/reports/report-queries.ts';
import { REPORTS } from '../src/reports/report-registry.ts';
import { buildPlant, type PlantStats } from './reports-plant.ts';

const INSTRUMENTS = Number(process.env.INSTRUMENTS ?? 500);
const YEARS = Number(process.env.YEARS ?? 2);
const TABLE = process.env.TABLE !== '0';
const RUNS = Number(process.env.RUNS ?? 40);
const PDF = process.env.PDF !== '0';

async function timed<T>(fn: () => Promise<T>) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  h.disable();
  return { value, ms, stallMs: h.max / 1e6 };
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const kb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);

async function main() {
  if (process.argv.includes('--json')) {
    // For bench:plant: the scale figures alone, measured in this fresh process.
    const f = await measureReportsAtScale({ instruments: INSTRUMENTS, years: YEARS, runs: RUNS, pdf: PDF });
    console.log(JSON.stringify(f));
    return;
  }
  await withPlant(INSTRUMENTS, YEARS, async ({ bc, from, built }) => {
    const s = built.value;
    console.log(
      `plant: ${s.instruments} instruments, ${s.calibrations} calibrations (${s.points} points), ` +
        `${s.work_orders} work orders, ${s.maintenance} maintenance records, ${s.alerts} alerts ` +
        `over ${YEARS} years; inserted in ${fmt(built.ms)}`,
    );
    console.log(
      `period: the whole ${YEARS} years (from=${from.slice(0, 10)}); machine: ${process.platform} ${process.arch}, node ${process.version}\n`,
    );

    const header = [
      'report',
      'rows',
      'build',
      'csv',
      'csv size',
      'csv stall',
      'pdf',
      'pages',
      'pdf size',
      'pdf stall',
      'pdf (worker)',
      'worker stall',
    ];
    printScaleFigures(await scaleFigures(bc, from, { runs: RUNS, pdf: PDF }));
    if (!TABLE) return;
    const lines: string[][] = [header];
    for (const key of REPORT_KEYS) {
      const b = await timed(() => REPORTS[key].build(bc, { from }));
      const report = b.value;
      const csv = await timed(() => renderCsv(report, 'UTC'));
      const pdf = await timed(() => renderPdf(report, { timeZone: 'UTC' }));
      const worker = await timed(() =>
        exportReport({ ...report, sections: [...report.sections] }, 'pdf', { timeZone: 'UTC' }),
      );
      const pages = (pdf.value.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
      const viaWorker = totalRows(report) > 1000;
      lines.push([
        key,
        String(totalRows(report)),
        fmt(b.ms),
        fmt(csv.ms),
        kb(csv.value.length),
        fmt(csv.stallMs),
        fmt(pdf.ms),
        String(pages),
        kb(pdf.value.length),
        fmt(pdf.stallMs),
        viaWorker ? fmt(worker.ms) : 'in-process',
        viaWorker ? fmt(worker.stallMs) : '',
      ]);
    }
    const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
    for (const l of lines)
      console.log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    console.log(
      '\nbuild = queries + figures; csv/pdf = rendering in this thread (stall = longest event-loop block while\n' +
        'rendering); pdf (worker) = the path exports above 1000 rows take (worker start-up included).',
    );
  });
}

/** A temporary SQLite plant with `years` of history from now, handed to `fn`, removed after. */
async function withPlant<T>(
  instruments: number,
  years: number,
  fn: (p: { bc: BuildContext; from: string; built: { value: PlantStats; ms: number } }) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-bench-reports-'));
  const config = loadConfig(
    { DATA_DIR: dir, JWT_SECRET: 'bench-secret-long-enough', LOG_LEVEL: 'silent' },
    { dotenvFile: null },
  );
  const handle = openDatabase({ kind: 'sqlite', file: path.join(dir, 'bench.db') });
  try {
    await migrateToLatest(handle);
    const now = new Date();
    const built = await timed(() => buildPlant(handle.db, { instruments, years, now }));
    const from = new Date(now.getTime() - years * 365 * 86_400_000).toISOString();
    const bc: BuildContext = {
      db: handle.db,
      now,
      config,
      live: { lastReading: () => null, lastSeen: () => null },
      user: { id: 1, full_name: 'Bench', employee_number: 'bench' },
    };
    return await fn({ bc, from, built });
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

export interface ScaleFigures {
  compliance: {
    rows: number;
    runs: number;
    p50: number;
    p99: number;
    max: number;
    cpuP50: number;
    cpuP99: number;
  };
  /** The calibration report's PDF: time, CPU, longest stall, and growth of peak RSS and heap (bytes). */
  pdf: {
    rows: number;
    pages: number;
    bytes: number;
    ms: number;
    cpuMs: number;
    stallMs: number;
    rssGrowth: number;
    heapGrowth: number;
    settled: boolean;
  } | null;
}

/** Issue 16 part 3: the big calibration PDF's time and memory, and the compliance report's p50/p99. */
async function scaleFigures(
  bc: BuildContext,
  from: string,
  opts: { runs: number; pdf: boolean },
): Promise<ScaleFigures> {
  const pdf = opts.pdf ? await calibrationPdf(bc, from) : null;
  const times: number[] = [];
  // CPU time too: on a shared machine the wall time mostly measures the neighbours.
  const cpu: number[] = [];
  let rows = 0;
  // Three builds first, as a running server has done before anyone asks (statements prepared, code
  // compiled): the figure is the steady state, not the first request after start.
  for (let i = 0; i < 3; i++) await REPORTS.compliance.build(bc, { from });
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await REPORTS.compliance.build(bc, { from });
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
    rows = totalRows(r);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    compliance: {
      rows,
      runs: opts.runs,
      p50: quantile(times, 0.5),
      p99: quantile(times, 0.99),
      max: times[times.length - 1],
      cpuP50: quantile(cpu, 0.5),
      cpuP99: quantile(cpu, 0.99),
    },
    pdf,
  };
}

function printScaleFigures(f: ScaleFigures) {
  const p = f.pdf;
  if (p)
    console.log(
      `calibration pdf: ${p.rows} rows, ${p.pages} pages, ${kb(p.bytes)} in ${fmt(p.ms)}, CPU ${fmt(p.cpuMs)} ` +
        `(longest stall ${fmt(p.stallMs)}); peak RSS +${kb(p.rssGrowth)}, peak heap +${kb(p.heapGrowth)}` +
        `${p.settled ? '' : ' (run with --expose-gc for a settled baseline)'}`,
    );
  const c = f.compliance;
  console.log(
    `compliance build: ${c.rows} rows, ${c.runs} runs: p50 ${c.p50.toFixed(1)} ms, ` +
      `p99 ${c.p99.toFixed(1)} ms, max ${c.max.toFixed(1)} ms; ` +
      `CPU p50 ${c.cpuP50.toFixed(1)} ms, p99 ${c.cpuP99.toFixed(1)} ms\n`,
  );
}

/** The scale figures on a fresh temporary plant (bench:plant runs this for its item 3 table). */
export function measureReportsAtScale(opts: {
  instruments: number;
  years: number;
  runs: number;
  pdf: boolean;
}): Promise<ScaleFigures> {
  return withPlant(opts.instruments, opts.years, ({ bc, from }) => scaleFigures(bc, from, opts));
}

async function calibrationPdf(bc: BuildContext, from: string): Promise<NonNullable<ScaleFigures['pdf']>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const report = await REPORTS.calibration.build(bc, { from });
  gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  const c0 = process.cpuUsage();
  const pdf = await timed(() => renderPdf(report, { timeZone: 'UTC', onProgress: sample }));
  const c = process.cpuUsage(c0);
  clearInterval(timer);
  sample();
  return {
    rows: totalRows(report),
    pages: (pdf.value.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length,
    bytes: pdf.value.length,
    ms: pdf.ms,
    cpuMs: (c.user + c.system) / 1000,
    stallMs: pdf.stallMs,
    rssGrowth: peakRss - base.rss,
    heapGrowth: peakHeap - base.heapUsed,
    settled: gc !== undefined,
  };
}

// Run as a script (not when bench:plant imports the measurement).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
