// In-process MQTT broker and subscriber for the simulator's integration tests.
import { once } from 'node:events';
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

export interface TestBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts aedes on `port` (0 = an ephemeral one); with `auth`, only that user/password may connect. */
export async function startBroker(
  opts: { port?: number; auth?: { username: string; password: string } } = {},
) {
  const { auth } = opts;
  // An `authenticate: undefined` key would replace aedes' default handler, so add it only when needed.
  const broker = await Aedes.createBroker(
    auth
      ? {
          authenticate: (_client, username, password, done) => {
            done(null, username === auth.username && password?.toString() === auth.password);
          },
        }
      : {},
  );
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  } satisfies TestBroker;
}

/**
 * A port nothing listens on, for a server started later (a child process, Mosquitto). Chosen below
 * the OS's ephemeral range (32768+ on Linux): a port taken from the OS and released can be handed
 * to another test's `listen(0)` before our server binds it, and a client then talks to the wrong
 * server (an HTTP reply read as MQTT). Tried by binding, so a port in use is skipped.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!ok) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
}

export interface Received {
  topic: string;
  payload: string;
}

/** Subscribes to `filter` and collects every message. */
export async function subscribe(
  url: string,
  filter: string,
): Promise<{ client: MqttClient; messages: Received[] }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const messages: Received[] = [];
  client.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString('utf8') }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, messages };
}

/** Polls until the condition holds (an integration test waits for events, never for a fixed time). */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
