import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';

const run = promisify(execFile);

function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
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

describe('cli', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-cli-'));
  const env = { DATA_DIR: dir, DATABASE_URL: `sqlite:${path.join(dir, 'cli.db')}` };

  it('migrates, seeds the demo plant once, adds users and resets passwords', async () => {
    const m = await cli(['migrate'], env);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('database is up to date');

    const seed = await cli(['seed'], env);
    expect(seed.code, seed.stderr).toBe(0);
    expect(seed.stdout).toMatch(/seeded 2\d demo instruments/);
    const again = await cli(['seed'], env);
    expect(again.stdout).toContain('nothing seeded');

    const add = await cli(
      ['user', 'add', 'T-5001', 'Natasha', 'Zulu', '--role', 'admin', '--email', 'nz@example.com'],
      env,
    );
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/created admin T-5001/);
    expect(add.stdout).toMatch(/one-time password: \S{12,}/);
    const dup = await cli(['user', 'add', 'T-5001', 'Again'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already in use/);

    const reset = await cli(['user', 'reset-password', 'T-5001', '--password', 'brand-new-pass'], env);
    expect(reset.code, reset.stderr).toBe(0);
    const missing = await cli(['user', 'reset-password', 'NOBODY'], env);
    expect(missing.code).toBe(1);

    const h = openDatabase(parseDatabaseUrl(env.DATABASE_URL));
    try {
      const tags = (await h.db.selectFrom('instruments').select(['tag', 'type']).execute()).map((r) => r.tag);
      expect(tags.length).toBeGreaterThanOrEqual(20);
      expect(tags).toEqual(expect.arrayContaining(['PT-101', 'TT-201', 'FT-301', 'LT-401']));
      const types = new Set(
        (await h.db.selectFrom('instruments').select('type').execute()).map((r) => r.type),
      );
      expect([...types].sort()).toEqual(['flow', 'level', 'pressure', 'temperature']);
      const cals = await h.db.selectFrom('calibration_records').select('id').execute();
      expect(cals.length).toBeGreaterThan(20);
      const user = await h.db
        .selectFrom('users')
        .selectAll()
        .where('employee_number', '=', 'T-5001')
        .executeTakeFirstOrThrow();
      expect(user.role).toBe('admin');
      expect(user.password_hash).toMatch(/^\$2[aby]\$/);
    } finally {
      await h.close();
    }
  }, 180_000);

  it('applies the password policy to user add and reset-password, naming the rule', async () => {
    const weak = await cli(['user', 'add', 'T-5002', 'Weak', '--password', 'zzzzzzzzzzzz'], env);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/password must not be one character or a short pattern repeated/);
    const own = await cli(['user', 'reset-password', 'T-5001', '--password', 'my-t-5001-pass'], env);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/password must not contain the employee number/);
  }, 120_000);

  it('refuses a bad setting with one line naming the variable', async () => {
    const r = await cli(['migrate'], { ...env, CUSUM_K: 'abc' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('configuration error: CUSUM_K must be a number >= 0 (got "abc")');
  });

  it('reports every bad setting at once and stops before touching the data folder or the database', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'cmms-cli-bad-'));
    const r = await cli(['serve'], {
      DATA_DIR: fresh,
      DATABASE_URL: `sqlite:${path.join(fresh, 'never.db')}`,
      PORT: 'abc',
      CUSUM_H: '-1',
      LOG_LEVEL: 'loud',
      MQTT_BROKER: 'http://broker.plant',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'configuration errors:',
      '  PORT must be an integer >= 0 <= 65535 (got "abc")',
      '  LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      '  MQTT_BROKER must use mqtt:// or mqtts:// (got "http://broker.plant")',
      '  CUSUM_H must be a number >= 0.1 (got "-1")',
    ]);
    // No database made or migrated, no secret written.
    expect(readdirSync(fresh)).toEqual([]);
  });
});
