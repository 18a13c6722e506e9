// An external broker that is not there yet, then appears, then restarts: the server starts anyway,
// says so in /health, connects with back-off and subscribes again after the broker lost its session.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { publishReadings, reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';
import { freePort, reachable } from './child-server.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';

describe.skipIf(!existsSync(MOSQUITTO))('an external broker that comes and goes', () => {
  let t: TestApp;
  let port: number;
  let dir: string;
  let broker: ChildProcess | null = null;

  async function startBroker() {
    broker = spawn(MOSQUITTO, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await waitUntil(
      () => reachable('127.0.0.1', port),
      (up) => up,
      { what: 'mosquitto to listen' },
    );
  }
  async function stopBroker() {
    if (!broker) return;
    const exited = once(broker, 'exit');
    broker.kill('SIGKILL');
    await exited;
    broker = null;
  }
  const brokerHealth = async () => (await t.api('GET', '/health')).body;

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(path.join(tmpdir(), 'cmms-mosq-'));
    writeFileSync(
      path.join(dir, 'mosquitto.conf'),
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`,
    );
    t = await startTestApp({
      env: {
        MQTT_BROKER: `mqtt://127.0.0.1:${port}`,
        MQTT_CLIENT_ID: `cmms-test-comes-goes-${port}`,
        MQTT_TOPIC: 'plant/readings/#',
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await stopBroker();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts without the broker, connects when it appears, and resubscribes after it restarts', async () => {
    const down = await brokerHealth();
    expect(down.status).toBe('ok');
    expect(down.broker).toMatchObject({
      mode: 'external',
      url: `mqtt://127.0.0.1:${port}`,
      connected: false,
    });
    expect(down.ingestion.status).toBe('degraded');
    const inst = await makeInstrument(t);

    await startBroker();
    await waitUntil(brokerHealth, (h) => h.broker.connected === true, {
      timeoutMs: 20_000,
      what: 'connection',
    });
    await publishReadings(t, [reading(inst.tag, Date.now() - 2000, 3.5)]);
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (r) => r.body.last_reading?.value === 3.5,
      { what: 'the first reading' },
    );

    // The broker dies and comes back without its sessions (no persistence).
    await stopBroker();
    await waitUntil(brokerHealth, (h) => h.broker.connected === false, { what: 'the disconnect' });
    await startBroker();
    await waitUntil(brokerHealth, (h) => h.broker.connected === true, {
      timeoutMs: 40_000,
      what: 'reconnection',
    });
    await publishReadings(t, [reading(inst.tag, Date.now() - 1000, 4.5)]);
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (r) => r.body.last_reading?.value === 4.5,
      { what: 'a reading after the restart' },
    );
  }, 90_000);
});
