// Where readings come from: the embedded aedes broker (MQTT_BROKER=embedded, the default), or an
// external broker given as a host, host:port or mqtt:// / mqtts:// URL.
//
// The embedded broker is also the fast path: instead of subscribing to ourselves over a second TCP
// hop, its authorizePublish hook hands each publish on the readings topic straight to the pipeline
// and calls back only after the readings are committed. aedes sends a QoS 1 publisher its PUBACK
// from that callback, so a publisher gets the PUBACK only once its reading is in the database, which
// is the same guarantee the external path gives with a deferred PUBACK. aedes handles one socket
// read of a client at a time, so a publisher that outruns the database is slowed by TCP itself.

import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Logger } from 'pino';
import { ConfigError } from '../config.ts';

export type BrokerTarget = { mode: 'embedded' } | { mode: 'external'; url: string; display: string };

/** MQTT_BROKER: 'embedded', a host, host:port, or an mqtt:// or mqtts:// URL. */
export function parseBrokerSetting(raw: string, defaultPort: number): BrokerTarget {
  const value = raw.trim();
  if (value === '' || value.toLowerCase() === 'embedded') return { mode: 'embedded' };
  let url: URL;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(
        `MQTT_BROKER must be "embedded", a host, or an mqtt:// or mqtts:// URL (got "${raw}")`,
      );
    }
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:')
      throw new ConfigError(`MQTT_BROKER must use mqtt:// or mqtts:// (got "${url.protocol}//")`);
  } else {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value) && !/^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(value))
      throw new ConfigError(
        `MQTT_BROKER must be "embedded", a host, or an mqtt:// or mqtts:// URL (got "${raw}")`,
      );
    url = new URL(`mqtt://${value}`);
    if (!url.port) url.port = String(defaultPort || 1883);
  }
  const display = new URL(url.toString());
  display.username = '';
  display.password = '';
  return { mode: 'external', url: url.toString(), display: display.toString().replace(/\/$/, '') };
}

/** MQTT topic filter match ('+' one level, '#' the rest), as the broker would route. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  username: string | null;
  password: string | null;
  /** The readings subscription (MQTT_TOPIC); publishes matching it go to `onReadings`. */
  topic: string;
  /** Called for each matching publish; `done` must be called once the readings are committed. */
  onReadings(topic: string, payload: Buffer, done: () => void): void;
  log: Logger;
  /**
   * When the port was not chosen explicitly and is taken (a Mosquitto already on 1883, say), listen
   * on a free port instead of refusing to start, so the demo runs on any machine.
   */
  fallbackToFreePort?: boolean;
}

export interface EmbeddedBroker {
  port: number;
  url: string;
  clients(): number;
  close(): Promise<void>;
}

const sameSecret = (a: string, b: Buffer | undefined) => {
  if (!b) return false;
  const x = Buffer.from(a);
  return x.length === b.length && timingSafeEqual(x, b);
};

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { log } = opts;
  const auth = opts.username !== null ? { username: opts.username, password: opts.password ?? '' } : null;
  const broker = await Aedes.createBroker({
    // Gateways often use long client ids; MQTT 3.1's 23-character limit is not worth enforcing.
    maxClientsIdLength: 256,
    ...(auth
      ? {
          authenticate: (_client, username, password, done) => {
            const ok =
              username !== undefined &&
              sameSecret(auth.username, Buffer.from(username)) &&
              sameSecret(auth.password, password);
            if (ok) return done(null, true);
            const err = new Error('bad user name or password') as AuthenticateError;
            err.returnCode = 4;
            done(err, false);
          },
        }
      : {}),
    authorizePublish: (client, packet, callback) => {
      if (packet.topic.startsWith('$SYS')) return callback(new Error('$SYS topic is reserved'));
      if (!client || !topicMatches(opts.topic, packet.topic)) return callback(null);
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      // A bad payload is still authorized (and acknowledged): refusing would disconnect the
      // publisher, and the pipeline has already counted and logged the reject.
      opts.onReadings(packet.topic, payload, () => callback(null));
    },
  });
  broker.on('clientError', (client, err) => log.debug({ err, client: client?.id }, 'MQTT client error'));
  broker.on('connectionError', (client, err) =>
    log.debug({ err, client: client?.id }, 'MQTT connection error'),
  );

  const sockets = new Set<net.Socket>();
  // aedes handles one socket read of a client at a time and, with ack-after-commit, reads the next
  // only after the commit: a large read buffer lets a busy publisher hand over big batches.
  const server = net.createServer({ highWaterMark: 1024 * 1024 }, (socket) => {
    // Small PUBACKs and readings should not wait for Nagle's algorithm.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  server.listen(opts.port, opts.host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => {
        throw err;
      }),
    ]);
  } catch (e) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' && opts.fallbackToFreePort && opts.port !== 0) {
      log.warn(
        { port: opts.port },
        `MQTT port ${opts.port} is in use (another broker?): the embedded broker takes a free port instead; set MQTT_PORT to choose one`,
      );
      return startEmbeddedBroker({ ...opts, port: 0, fallbackToFreePort: false });
    }
    if (err.code === 'EADDRINUSE')
      throw new ConfigError(
        `MQTT_PORT ${opts.port} is already in use (is another broker running? set MQTT_PORT, or MQTT_BROKER=mqtt://host:port to use it)`,
      );
    throw e;
  }
  const port = (server.address() as net.AddressInfo).port;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  log.info({ port, auth: auth !== null }, 'embedded MQTT broker listening');
  return {
    port,
    url: `mqtt://${shownHost}:${port}`,
    clients: () => broker.connectedClients,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
