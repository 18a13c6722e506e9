// npm run bench:startup [-- --runs 5]
//
// Start-up cost of the server run through tsx (`node --import tsx src/cli.ts serve`, how `npm start`
// ran before the build step) against the compiled build (`node dist/cli.js serve`, what it runs now).
// For each, on a database migrated beforehand (a restart, the usual case), it prints the medians of:
//   - wall time from spawn to the "CBU CMMS listening" log line,
//   - CPU time (user + system) the process used by then,
//   - RSS when listening and 3 s later (jobs, scans and the embedded broker settled),
// and the cost of one background job in a worker thread (a task that returns at once), which from
// sources has to register tsx in every fresh thread.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 5);
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (Linux default)

interface Variant {
  name: string;
  args: string[];
  workerThread: string;
}
const VARIANTS: Variant[] = [
  {
    name: 'tsx (sources)',
    args: ['--import', 'tsx', 'src/cli.ts', 'serve'],
    workerThread: 'src/jobs/worker-thread.ts',
  },
  { name: 'compiled (dist)', args: ['dist/cli.js', 'serve'], workerThread: 'dist/jobs/worker-thread.js' },
];

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}
function cpuSeconds(pid: number): number {
  // Fields after the command name: state is 3rd; utime, stime are the 14th and 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startOnce(v: Variant, env: NodeJS.ProcessEnv) {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, v.args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const listening = new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => {
      if (l.includes('CBU CMMS listening')) resolve();
    });
    void exited.then(() => reject(new Error(`${v.name} exited before listening: ${stderr}`)));
  });
  await listening;
  const ms = performance.now() - t0;
  const pid = child.pid!;
  const sample = { ms, cpu: cpuSeconds(pid), rss: rssMb(pid), rssSettled: 0 };
  await new Promise((r) => setTimeout(r, 3000));
  sample.rssSettled = rssMb(pid);
  child.kill('SIGTERM');
  await exited;
  return sample;
}

/** One no-op task in a worker thread, as the job runner starts it (median of RUNS). */
function workerJobMs(v: Variant, dir: string): number {
  const task = path.join(dir, 'noop-task.mjs');
  writeFileSync(task, 'export function noop() { return 1; }\n');
  const script = `
    const { runInWorker } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, v.workerThread)).href)});
    await runInWorker(${JSON.stringify(pathToFileURL(task).href)}, 'noop', null);
    const ms = [];
    for (let i = 0; i < ${RUNS}; i++) {
      const t = performance.now();
      await runInWorker(${JSON.stringify(pathToFileURL(task).href)}, 'noop', null);
      ms.push(performance.now() - t);
    }
    console.log(JSON.stringify(ms));`;
  const loader = v.workerThread.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`worker bench failed: ${r.stderr}`);
  return median(JSON.parse(r.stdout.trim().split('\n').pop()!));
}

const built = spawnSync(process.execPath, ['scripts/build.mjs', 'server', '--if-stale'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(1);

const dir = mkdtempSync(path.join(tmpdir(), 'cmms-startup-'));
const env = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'development',
  LOG_LEVEL: 'info',
  PORT: '0',
  MQTT_PORT: '0',
  DATA_DIR: dir,
  DATABASE_URL: `sqlite:${path.join(dir, 'cmms.db')}`,
  ADMIN_PASSWORD: 'Bench-start-up-9',
};
try {
  // The first start migrates the database and creates the admin; the measured ones are restarts.
  await startOnce(VARIANTS[1], env);
  console.log(`node ${process.version}, ${RUNS} starts each on a migrated SQLite database (medians)\n`);
  console.log('| server | to listening | CPU to listening | RSS listening | RSS +3 s | one worker job |');
  console.log('|---|---|---|---|---|---|');
  for (const v of VARIANTS) {
    const samples = [];
    for (let i = 0; i < RUNS; i++) samples.push(await startOnce(v, env));
    const job = workerJobMs(v, dir);
    console.log(
      `| ${v.name} | ${(median(samples.map((s) => s.ms)) / 1000).toFixed(2)} s | ${median(samples.map((s) => s.cpu)).toFixed(2)} s | ${median(samples.map((s) => s.rss)).toFixed(0)} MB | ${median(samples.map((s) => s.rssSettled)).toFixed(0)} MB | ${job.toFixed(0)} ms |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
