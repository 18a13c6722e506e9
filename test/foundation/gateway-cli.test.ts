// `npm run cli -- gateway ...` against a running server's database: the embedded broker follows the
// changes without a restart (new logins at connect; live connections at its periodic re-check, and on
// PostgreSQL at once: the CLI's 'gateway.changed' reaches the server through the event bridge).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const pg = inject('pgRunUrl') !== null;

describe('gateway commands of the CLI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        MQTT_BROKER: 'embedded',
        MQTT_PORT: '0',
        MQTT_USERNAME: 'cmms',
        MQTT_PASSWORD: 'cmms-password-1',
      },
    });
  });
  afterAll(() => t?.stop());

  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'gateway', ...args], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'silent',
        DATA_DIR: t.dataDir,
        DATABASE_URL: t.databaseUrl,
        MQTT_USERNAME: 'cmms',
        MQTT_PASSWORD: 'cmms-password-1',
      },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  const login = (username: string, password: string) =>
    mqtt
      .connectAsync(`mqtt://127.0.0.1:${t.server.ctx.ingestion?.broker().port}`, {
        username,
        password,
        reconnectPeriod: 0,
      })
      .then(
        async (c) => {
          await c.endAsync();
          return 0;
        },
        (e: { code: number }) => e.code,
      );

  it('adds, lists, disables, resets and removes a gateway login', async () => {
    const heard: string[] = [];
    t.server.ctx.events.on('gateway.changed', (username) => heard.push(username));
    const add = await cli('add', 'gw-cli', '--description', 'boiler house');
    expect(add.code, add.stderr).toBe(0);
    const password = /password \(shown once\): (\S+)/.exec(add.stdout)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(await login('gw-cli', password)).toBe(0);

    const list = await cli('list');
    expect(list.stdout).toMatch(/^gw-cli\tenabled\t.*boiler house$/m);
    expect(list.stdout).not.toContain(password);

    expect((await cli('disable', 'gw-cli')).code).toBe(0);
    expect(await login('gw-cli', password)).toBe(4);
    // The server's broker heard of the changes (add, disable) from the CLI process: on PostgreSQL
    // through NOTIFY; SQLite has no bridge (the periodic re-check finds them).
    if (pg) await waitFor('the server heard the CLI', () => heard.length >= 2);
    else expect(heard).toEqual([]);

    const reset = await cli('reset-password', 'gw-cli', '--password', 'a-new-gateway-secret');
    expect(reset.code, reset.stderr).toBe(0);
    expect(await login('gw-cli', 'a-new-gateway-secret')).toBe(4); // still disabled

    const removed = await cli('remove', 'gw-cli');
    expect(removed.code, removed.stderr).toBe(0);
    expect(await login('gw-cli', 'a-new-gateway-secret')).toBe(4);

    const audit = await t.server.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'user_id'])
      .where('entity_type', '=', 'gateway')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'disable', 'reset_password', 'delete']);
    if (pg) await waitFor('every change heard', () => heard.length === 4);
    expect(heard).toEqual(pg ? ['gw-cli', 'gw-cli', 'gw-cli', 'gw-cli'] : []);
  }, 300_000);
});
