// The embedded broker and a port that is already taken (a Mosquitto on 1883, as on this machine).
import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { startEmbeddedBroker } from '../../src/ingestion/broker.ts';

describe('embedded broker on a taken port', () => {
  let blocker: net.Server;
  let taken: number;
  beforeAll(async () => {
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    taken = (blocker.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  const options = (fallbackToFreePort: boolean) => ({
    host: '127.0.0.1',
    port: taken,
    username: null,
    password: null,
    topic: 'plant/readings/#',
    onReadings: (_t: string, _p: Buffer, done: () => void) => done(),
    log: pino({ level: 'silent' }),
    fallbackToFreePort,
  });

  it('takes a free port when the default port is taken', async () => {
    const broker = await startEmbeddedBroker(options(true));
    try {
      expect(broker.port).not.toBe(taken);
      expect(broker.port).toBeGreaterThan(0);
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    } finally {
      await broker.close();
    }
  });

  it('refuses to start, naming MQTT_PORT, when that port was chosen explicitly', async () => {
    await expect(startEmbeddedBroker(options(false))).rejects.toThrow(ConfigError);
    await expect(startEmbeddedBroker(options(false))).rejects.toThrow(/MQTT_PORT \d+ is already in use/);
  });
});
