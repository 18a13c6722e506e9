import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';
import { alertsOf, FAST_MONITORING_ENV } from './live-helpers.ts';

// `npm run simulate` as a plant engineer runs it: a separate process that reads the instruments
// from DATABASE_URL and publishes to --broker, with faults from the command line.

const run = promisify(execFile);

function simulate(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'simulate', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    cwd: path.resolve(import.meta.dirname, '../..'),
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

// Each case starts `node --import tsx` cold (several seconds of CPU): on a loaded machine that alone
// can pass the default 30 s.
describe('npm run simulate', { timeout: 90_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: FAST_MONITORING_ENV });
  });
  afterAll(() => t?.stop());

  it('--help answers without a database or broker; a bad option names the flag', async () => {
    const help = await simulate(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run simulate/);
    expect(help.stdout).toMatch(/--fault <spec>/);
    const bad = await simulate(['--rate', 'fast'], {
      DATA_DIR: t.dataDir,
      DATABASE_URL: t.databaseUrl,
      JWT_SECRET: 'x'.repeat(32),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--rate: expected a positive number/);
  });

  it('publishes the registered instruments to --broker, with a fault injected from the command line', async () => {
    const inst = await makeInstrument(t, { publish_interval_seconds: 1 });
    const res = await simulate(
      [
        '--broker',
        t.mqtt.url,
        '--topic-prefix',
        t.mqtt.topicPrefix,
        '--tags',
        inst.tag,
        '--rate',
        '5',
        '--duration',
        '2',
        '--fault',
        `${inst.tag}:out_of_range:direction=low`,
      ],
      { DATA_DIR: t.dataDir, DATABASE_URL: t.databaseUrl, JWT_SECRET: 'x'.repeat(32) },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/simulating 1 instruments ->/);
    expect(res.stdout).toMatch(/published [1-9]\d* readings/);
    const alert = await waitFor('the burn-out alert', async () =>
      (await alertsOf(t, inst.id, { alert_type: 'instrument_fault' })).find(
        (a) => a.condition === 'signal_low',
      ),
    );
    expect(alert.severity).toBe('critical');
  });
});
