// A plant's start (issue 10, items 1 and 2): `npm start` with NODE_ENV=production refuses to run an
// open embedded MQTT broker, and with broker credentials a fresh plant gets no demo data.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const run = promisify(execFile);

describe('production start', () => {
  it('refuses to start without broker credentials, with one line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cmms-prod-'));
    try {
      const res = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          JWT_SECRET: 'a-production-secret-of-some-length',
          // Every bad setting is reported at once: the broker login is the only one missing here.
          AUDIT_KEY: 'an-audit-key-of-at-least-32-characters',
          DATA_DIR: dir,
          DATABASE_URL: `sqlite:${path.join(dir, 'cmms.db')}`,
          PORT: '0',
          MQTT_PORT: '0',
        },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(res.code).toBe(1);
      expect(res.stderr.trim()).toBe(
        'configuration error: MQTT_USERNAME and MQTT_PASSWORD must be set when NODE_ENV=production (the embedded MQTT broker refuses anonymous clients)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('with broker credentials and the default settings', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: {
          NODE_ENV: 'production',
          SEED_DEMO: '', // unset: the default a plant gets
          MQTT_BROKER: 'embedded',
          MQTT_PORT: '0',
          MQTT_USERNAME: 'cmms',
          MQTT_PASSWORD: 'a-long-broker-password',
          AUDIT_KEY: 'an-audit-key-of-at-least-32-characters',
        },
      });
    });
    afterAll(() => t?.stop());

    it('creates the admin and nothing of the demo plant', async () => {
      expect(t.server.ctx.config.seedDemo).toBe(false);
      const db = t.server.ctx.db;
      const users = await db.selectFrom('users').select('employee_number').execute();
      expect(users.map((u) => u.employee_number)).toEqual(['admin']);
      for (const table of [
        'instruments',
        'calibration_records',
        'maintenance_records',
        'work_orders',
      ] as const) {
        const { n } = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(n), table).toBe(0);
      }
      // The embedded broker listens for gateways on every interface, and only with a login.
      const health = await t.api('GET', '/health');
      expect(health.body.broker).toMatchObject({ listen_host: '0.0.0.0', anonymous_allowed: false });
    });
  });
});
