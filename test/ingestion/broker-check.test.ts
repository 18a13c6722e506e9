// The start-up check of an external broker (issue 10 item 3): what a client can see of settings
// that would drop QoS 1 readings, in /health (broker.check) and as loud warnings. Against the
// machine's Mosquitto when TEST_MQTT_URL is set, and against Mosquittos this test starts: one with
// the defaults and one with the shipped docs/mosquitto.conf and docs/mosquitto.acl.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';
import { freePort, reachable } from './child-server.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
const DOCS = path.resolve(import.meta.dirname, '../../docs');

const brokerCheck = async (t: TestApp) =>
  waitUntil(
    async () => (await t.api('GET', '/health')).body.broker?.check,
    (c) => c != null,
    { timeoutMs: 30_000, what: 'the broker check' },
  );

class Mosquitto {
  proc: ChildProcess | null = null;
  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}
  async start(conf: string) {
    const file = path.join(this.dir, 'mosquitto.conf');
    writeFileSync(file, conf);
    this.proc = spawn(MOSQUITTO, ['-c', file], { stdio: 'ignore' });
    await waitUntil(
      () => reachable('127.0.0.1', this.port),
      (up) => up,
      { what: 'mosquitto to listen' },
    );
  }
  async stop() {
    if (!this.proc) return;
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      this.proc = null;
      return;
    }
    const exited = once(this.proc, 'exit');
    this.proc.kill('SIGTERM');
    await exited;
    this.proc = null;
  }
}

describe.skipIf(!process.env.TEST_MQTT_URL)("the machine's Mosquitto (TEST_MQTT_URL)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('checks the broker at start-up and reports what it saw', async () => {
    const check = await brokerCheck(t);
    expect(check.protocol_version).toBe(5);
    expect(check.session).toMatchObject({ reconnect: false });
    expect(typeof check.session.session_present).toBe('boolean');
    expect(check.probe).not.toBeNull();
    if (check.sys) expect(check.sys.version).toMatch(/mosquitto/i);
    expect(Array.isArray(check.warnings)).toBe(true);
    expect(check.notes.join('\n')).toMatch(/max_queued_messages/);
  });
});

describe.skipIf(!existsSync(MOSQUITTO) || !existsSync(MOSQUITTO_PASSWD))(
  'Mosquittos started by the test',
  () => {
    let dir: string;
    let broker: Mosquitto;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'cmms-mosq-check-'));
      broker = new Mosquitto(dir, await freePort());
    });
    afterAll(async () => {
      await broker?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("warns loudly that a default Mosquitto's in-flight window caps an MQTT 3.1.1 subscriber", async () => {
      await broker.start(`listener ${broker.port} 127.0.0.1\nallow_anonymous true\nlog_dest none\n`);
      const t = await startTestApp({
        env: {
          MQTT_BROKER: `mqtt://127.0.0.1:${broker.port}`,
          MQTT_CLIENT_ID: `cmms-check-default-${broker.port}`,
          MQTT_TOPIC: 'plant/readings/#',
          MQTT_PROTOCOL_VERSION: '4',
        },
      });
      try {
        const check = await brokerCheck(t);
        expect(check.protocol_version).toBe(4);
        // Mosquitto advertises max_inflight_messages (default 20) as its receive maximum.
        expect(check.probe.receive_maximum).toBe(20);
        // $SYS is read within a few seconds of connecting; a very busy machine may miss it (then null).
        if (check.sys) expect(check.sys.version).toMatch(/^mosquitto version 2\./);
        expect(check.warnings.join('\n')).toMatch(
          /MQTT 3\.1\.1: the broker sends at most 20 unacknowledged readings/,
        );
      } finally {
        await t.stop();
        await broker.stop();
      }
    });

    it('the shipped mosquitto.conf and ACL: no warning, gateways publish readings and cannot read them', async () => {
      const passwd = path.join(dir, 'passwd');
      execFileSync(MOSQUITTO_PASSWD, ['-c', '-b', passwd, 'cmms', 'cmms-password-123']);
      execFileSync(MOSQUITTO_PASSWD, ['-b', passwd, 'gw-north', 'gateway-password-123']);
      writeFileSync(path.join(dir, 'acl'), readFileSync(path.join(DOCS, 'mosquitto.acl')));
      // The shipped file with this machine's paths and port.
      // Run as the test's user (as root, Mosquitto would switch to "mosquitto" and not read these files).
      const conf = `user ${userInfo().username}\n${readFileSync(path.join(DOCS, 'mosquitto.conf'), 'utf8')}`
        .replace(/^listener .*$/m, `listener ${broker.port} 127.0.0.1`)
        .replace(/^password_file .*$/m, `password_file ${passwd}`)
        .replace(/^acl_file .*$/m, `acl_file ${path.join(dir, 'acl')}`)
        .replace(/^persistence_location .*$/m, `persistence_location ${dir}/`)
        .replace(/^log_dest .*$/m, 'log_dest none');
      await broker.start(conf);
      const t = await startTestApp({
        env: {
          MQTT_BROKER: `mqtt://127.0.0.1:${broker.port}`,
          MQTT_CLIENT_ID: `cmms-check-shipped-${broker.port}`,
          MQTT_TOPIC: 'plant/readings/#',
          MQTT_USERNAME: 'cmms',
          MQTT_PASSWORD: 'cmms-password-123',
        },
      });
      try {
        const check = await brokerCheck(t);
        expect(check.warnings).toEqual([]);
        // retain_available false: retained messages (and so $SYS's static values) are off.
        expect(check.session).toMatchObject({ retain_available: false, session_present: false });
        expect(check.probe.receive_maximum ?? 65_535).toBeGreaterThanOrEqual(5000);

        const inst = await makeInstrument(t);
        await waitUntil(
          async () => (await t.api('GET', '/health')).body.broker.connected,
          (c) => c === true,
          { what: 'the subscription' },
        );
        const gw = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
          username: 'gw-north',
          password: 'gateway-password-123',
          reconnectPeriod: 0,
        });
        const seen: string[] = [];
        gw.on('message', (topic) => seen.push(topic));
        // Mosquitto grants the subscription but delivers nothing the ACL does not let it read.
        await gw.subscribeAsync('plant/readings/#', { qos: 1 }).catch(() => undefined);
        await gw.publishAsync(
          `plant/readings/${inst.tag}`,
          JSON.stringify(reading(inst.tag, Date.now() - 1000, 5.25)),
          { qos: 1 },
        );
        await waitUntil(
          () => t.api('GET', `/api/instruments/${inst.id}`),
          (r) => r.body.last_reading?.value === 5.25,
          { what: "the gateway's reading through Mosquitto" },
        );
        expect(seen).toEqual([]);
        await gw.endAsync();
        // Anonymous clients are refused.
        await expect(
          mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0, connectTimeout: 5000 }),
        ).rejects.toThrow();
      } finally {
        await t.stop();
        await broker.stop();
      }
    });
  },
);
