// npm run bench:demo [-- --runs 3]
//
// Time from `npm run demo` (SEED_DEMO=true SIMULATOR_ENABLED=true, what scripts/run.mjs serve runs:
// the compiled dist/cli.js, built beforehand) on an empty data directory to a live dashboard: the
// "CBU CMMS listening" log line, then GET /api/dashboard/summary answering 200 with the admin's
// token. Prints each run, the median and the seed's own phase timings (backfill, detector replay).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const built = spawnSync(process.execPath, ['scripts/build.mjs', 'server', '--if-stale'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);

async function once_(run: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-demo-'));
  const port = 18_500 + run * 2;
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['dist/cli.js', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      SEED_DEMO: 'true',
      SIMULATOR_ENABLED: 'true',
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${path.join(dir, 'cmms.db')}`,
      PORT: String(port),
      MQTT_PORT: String(port + 1),
      ADMIN_PASSWORD: 'Kafue-river-2026-x',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const phases: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  let listeningAt = 0;
  const listening = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /"msg":"((?:backfilled|detectors replayed)[^"]*)"/.exec(l);
      if (m) phases.push(m[1]);
      if (l.includes('CBU CMMS listening')) {
        listeningAt = performance.now();
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  await listening;
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ employee_number: 'admin', password: 'Kafue-river-2026-x' }),
  });
  const token = ((await login.json()) as { access_token: string }).access_token;
  for (;;) {
    const res = await fetch(`${base}/api/dashboard/summary`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const live = performance.now();
  child.kill('SIGTERM');
  await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
  return { listening: (listeningAt - t0) / 1000, live: (live - t0) / 1000, phases };
}

const lives: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await once_(i);
  lives.push(r.live);
  console.log(
    `run ${i + 1}: listening ${r.listening.toFixed(1)} s, dashboard live ${r.live.toFixed(1)} s  (${r.phases.join('; ')})`,
  );
}
console.log(`demo start to live dashboard: median ${median(lives).toFixed(1)} s over ${RUNS} runs`);
