// The compiled build (issue 12, item 1): `npm start` runs dist/ with plain node, building only what is
// stale, and background jobs run compiled code in their worker threads.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, apiClient, freshDatabaseUrl } from '../helpers/test-app.ts';
import { waitForJob } from '../helpers/wait.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
// scripts/build.mjs is plain JavaScript (it runs before anything can load TypeScript).
const build = (await import(path.join(root, 'scripts/build.mjs'))) as {
  staleReason(
    out: string,
    marker: string,
    sources: { path: string; skip?: (p: string) => boolean }[],
  ): string | null;
};

describe('stale check', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-stale-'));
  const out = path.join(dir, 'out');
  const src = path.join(dir, 'src');
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
  const sources = [{ path: src, skip: (p: string) => p.endsWith('.test.ts') }];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds when the output is missing, a source or a folder changed after the build started', () => {
    mkdirSync(path.join(src, 'mod'), { recursive: true });
    for (const f of ['a.ts', 'mod/b.ts', 'mod/b.test.ts']) writeFileSync(path.join(src, f), '');
    for (const p of [src, path.join(src, 'mod'), path.join(src, 'a.ts'), path.join(src, 'mod/b.ts')])
      at(p, 1_000);
    expect(build.staleReason(out, 'cli.js', sources)).toMatch(/cli\.js is missing/);

    mkdirSync(out);
    writeFileSync(path.join(out, 'cli.js'), '');
    writeFileSync(path.join(out, '.build-info.json'), JSON.stringify({ startedAt: 2_000_000 }));
    at(path.join(src, 'mod/b.test.ts'), 3_000); // a test is not part of the build
    expect(build.staleReason(out, 'cli.js', sources)).toBeNull();

    at(path.join(src, 'mod/b.ts'), 3_000);
    expect(build.staleReason(out, 'cli.js', sources)).toMatch(/changed/);
    at(path.join(src, 'mod/b.ts'), 1_000);
    rmSync(path.join(src, 'a.ts'));
    at(src, 3_000); // a deleted file shows as its folder's change
    expect(build.staleReason(out, 'cli.js', sources)).toMatch(/changed/);
  });

  it('takes the marker file time when there is no stamp (an output built by other means)', () => {
    rmSync(path.join(out, '.build-info.json'));
    at(src, 1_000);
    at(path.join(out, 'cli.js'), 2_000);
    expect(build.staleReason(out, 'cli.js', sources)).toBeNull();
    at(path.join(out, 'cli.js'), 500);
    expect(build.staleReason(out, 'cli.js', sources)).toMatch(/changed/);
  });
});

describe('the compiled server', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-compiled-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_PORT: '0',
    DATA_DIR: dir,
    ADMIN_PASSWORD: ADMIN.password,
    REPORT_ASYNC_ROWS: '1',
    JOBS_POLL_MS: '100',
  };
  let server: ChildProcess | null = null;
  let dropDatabase = async () => {};

  beforeAll(async () => {
    // SQLite, or a schema of the run's PostgreSQL database when the suite runs on PostgreSQL.
    const db = await freshDatabaseUrl(dir);
    env.DATABASE_URL = db.url;
    dropDatabase = db.drop;
    // What `npm start` does first (scripts/run.mjs): build the server when dist/ is missing or stale.
    await run(process.execPath, ['scripts/build.mjs', 'server', '--if-stale'], { cwd: root });
  }, 120_000);
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await dropDatabase();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds JavaScript only, so nothing in it can need tsx', () => {
    const files = readdirSync(path.join(root, 'dist'), { recursive: true }).map(String);
    expect(files).toContain('cli.js');
    expect(files).toContain(path.join('jobs', 'worker-entry.js'));
    // The read-query thread (SQLite) is plain JavaScript, copied as it is.
    expect(files).toContain(path.join('db', 'read-worker.mjs'));
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('runs the CLI through the launcher npm start and npm run cli use', async () => {
    const r = await run(process.execPath, ['scripts/run.mjs', 'migrate'], { cwd: root, env });
    expect(r.stdout).toContain('database is up to date');
  }, 60_000);

  it('serves, and renders a PDF export in a worker thread from the compiled task', async () => {
    const child = spawn(process.execPath, ['dist/cli.js', 'serve'], { cwd: root, env });
    server = child;
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.includes('CBU CMMS listening')) resolve(JSON.parse(line).url);
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
    });
    let token = '';
    const api = apiClient(url, () => token);
    const login = await api('POST', '/api/auth/login', { body: ADMIN });
    expect(login.status).toBe(200);
    token = login.body.access_token;
    for (const tag of ['PT-901', 'PT-902']) {
      const res = await api('POST', '/api/instruments', {
        body: { tag, type: 'pressure', unit: 'bar', range_min: 0, range_max: 10 },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    // Lists and reports read through the read-query threads on SQLite (src/db/read-worker-dialect.ts).
    const listed = await api('GET', '/api/instruments');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items.map((i: { tag: string }) => i.tag)).toEqual(['PT-901', 'PT-902']);
    // Two rows > REPORT_ASYNC_ROWS=1: the export is a background job, the PDF drawn in a worker.
    const accepted = await api('GET', '/api/reports/compliance?export=pdf');
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const job = await waitForJob({ api }, accepted.body.job_id);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded' });
    const file = await fetch(`${url}/api/jobs/${job.id}/result`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(file.status).toBe(200);
    expect(
      Buffer.from(await file.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  }, 120_000);
});
