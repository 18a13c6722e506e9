// npm run bench:demo [-- --runs 3]
//
// Time from `npm run demo` on an empty data directory to a live dashboard: the command itself (npm,
// scripts/run.mjs with its build-staleness check, the compiled server), with the builds done
// beforehand (a first `npm run demo` after install builds them once), until the "CBU CMMS
// listening" log line and then GET /api/dashboard/summary answering 200 with the admin's token.
// The seed's story is all in place by then (it runs before the server listens). Prints each run
// with the seed's phases (each with its seconds), then min / median / max.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 3);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];

const built = spawnSync(process.execPath, ['scripts/build.mjs', 'all', '--if-stale'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);

async function once_(run: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-demo-'));
  const port = 18_500 + run * 2;
  const t0 = performance.now();
  // Its own process group, so the stop reaches npm, its shell and the server alike.
  const child: ChildProcess = spawn('npm', ['run', '--silent', 'demo'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
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
      // The seed's phases end "in N s" (seed-demo.ts).
      const m = /"msg":"((?:seeded|backfilled|trained|detectors replayed)[^"]*?)"/.exec(l);
      if (m) phases.push(m[1].replace(/^(.{60}).*( in [\d.]+ s)$/, '$1...$2'));
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
  const exited = once(child, 'exit');
  process.kill(-(child.pid as number), 'SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return { listening: (listeningAt - t0) / 1000, live: (live - t0) / 1000, phases };
}

const lives: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const load = loadavg()[0].toFixed(1);
  const r = await once_(i);
  lives.push(r.live);
  console.log(
    `run ${i + 1} (load average ${load}): listening ${r.listening.toFixed(1)} s, dashboard live ${r.live.toFixed(1)} s\n  ${r.phases.join('\n  ')}`,
  );
}
const s = sorted(lives);
console.log(
  `npm run demo to live dashboard over ${RUNS} runs: min ${s[0].toFixed(1)} s, median ${median(lives).toFixed(1)} s, max ${s[s.length - 1].toFixed(1)} s`,
);
