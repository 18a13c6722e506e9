// npm run bench:reports — time to build each report, and to render its CSV and PDF, for a plant of
// 500 instruments with 2 years of calibration, work-order, maintenance and alert history in a
// temporary SQLite database. Also prints the longest event-loop stall while each file is rendered
// in-process, and the PDF through the worker thread that large exports use.
//
//   INSTRUMENTS=500 YEARS=2 npm run bench:reports

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { renderCsv } from '../src/reports/csv-export.ts';
import { renderPdf } from '../src/reports/pdf-export.ts';
import { exportReport } from '../src/reports/report-export.ts';
import { REPORT_KEYS, totalRows } from '../src/reports/report-model.ts';
import { REPORTS } from '../src/reports/report-registry.ts';
import { buildPlant } from './reports-plant.ts';

const INSTRUMENTS = Number(process.env.INSTRUMENTS ?? 500);
const YEARS = Number(process.env.YEARS ?? 2);

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
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-bench-reports-'));
  const config = loadConfig(
    { DATA_DIR: dir, JWT_SECRET: 'bench-secret-long-enough', LOG_LEVEL: 'silent' },
    { dotenvFile: null },
  );
  const handle = openDatabase({ kind: 'sqlite', file: path.join(dir, 'bench.db') });
  try {
    await migrateToLatest(handle);
    const now = new Date();
    const built = await timed(() => buildPlant(handle.db, { instruments: INSTRUMENTS, years: YEARS, now }));
    const s = built.value;
    console.log(
      `plant: ${s.instruments} instruments, ${s.calibrations} calibrations (${s.points} points), ` +
        `${s.work_orders} work orders, ${s.maintenance} maintenance records, ${s.alerts} alerts ` +
        `over ${YEARS} years; inserted in ${fmt(built.ms)}`,
    );
    console.log(
      `period: the whole ${YEARS} years (from=${new Date(now.getTime() - YEARS * 365 * 86_400_000).toISOString().slice(0, 10)}); machine: ${process.platform} ${process.arch}, node ${process.version}\n`,
    );

    const from = new Date(now.getTime() - YEARS * 365 * 86_400_000).toISOString();
    const bc = {
      db: handle.db,
      now,
      config,
      live: { lastReading: () => null },
      user: { id: 1, full_name: 'Bench', employee_number: 'bench' },
    };
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
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
