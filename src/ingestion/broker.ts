// Where readings come from: the embedded aedes broker (MQTT_BROKER=embedded, the default), or an
// external broker given as a host, host:port or mqtt:// / mqtts:// URL.
//
// The embedded broker is also the fast path: instead of subscribing to ourselves over a second TCP
// hop, its authorizePublish hook hands each publish on the readings topic straight to the pipeline
// and calls back only after the readings are committed. aedes sends a QoS 1 publisher its PUBACK
// from that callback, so a publisher gets the PUBACK only once its reading is in the database, which
// is the same guarantee the external path gives with a deferred PUBACK. aedes handles one socket
// read of a client at a time, so a publisher that outruns the database is slowed by TCP itself.
//
// Who may connect, publish and subscribe is decided by a BrokerAccess (src/gateways/broker-access.ts
// for the app) and the rules in broker-acl.ts. aedes speaks MQTT 3.1.1: a refused publish
// disconnects the client, a refused subscription is granted as 0x80 (failure).

import { once } from 'node:events';
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { ConfigError } from '../config.ts';
import { type BrokerIdentity, maySubscribe, publishDecision, willAllowed } from './broker-acl.ts';

// MQTT_BROKER is parsed with the rest of the configuration, so a bad one stops start-up at once.
export { type BrokerTarget, parseBrokerSetting } from '../config.ts';

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

/** Logins to the embedded broker: who a CONNECT is, and whether a connected client still may be. */
export interface BrokerAccess {
  login(
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<BrokerIdentity | 'bad_credentials' | 'not_authorized'>;
  /** After a change of logins: false closes the client's connection. */
  stillValid(who: BrokerIdentity): Promise<boolean>;
}

/** No access control at all (tests of the port logic, benches): every client is anonymous. */
export const OPEN_ACCESS: BrokerAccess = {
  login: async () => ({ kind: 'anonymous' }),
  stillValid: async () => true,
};

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** Who may connect; default: anyone (OPEN_ACCESS). */
  access?: BrokerAccess;
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
  /** Live connections logged in as this gateway. */
  connectionsOf(username: string): number;
  /** Re-checks connected clients after a change of logins (all, or one gateway's), closing the refused. */
  revalidate(username?: string): Promise<void>;
  close(): Promise<void>;
}

function refusal(code: 4 | 5, message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = code;
  return err;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { log } = opts;
  const access = opts.access ?? OPEN_ACCESS;
  // Who each client logged in as; aedes's `clients` lists the connected ones.
  const identities = new WeakMap<Client, BrokerIdentity>();
  const retainWarned = new WeakSet<Client>();
  const broker = await Aedes.createBroker({
    // Gateways often use long client ids; MQTT 3.1's 23-character limit is not worth enforcing.
    maxClientsIdLength: 256,
    authenticate: (client, username, password, done) => {
      // aedes has read the CONNECT's will into client._will before it asks us.
      const will = (client as Client & { _will?: { topic?: string } | null })._will;
      if (!willAllowed(opts.topic, will?.topic ?? undefined)) {
        log.warn({ client: client.id, username }, 'MQTT connect refused: a will on the readings topic');
        return done(refusal(5, 'a will message on the readings topic is not allowed'), false);
      }
      access.login(username, password).then(
        (who) => {
          if (who === 'bad_credentials' || who === 'not_authorized') {
            log.warn({ client: client.id, username: username ?? null, reason: who }, 'MQTT connect refused');
            return done(
              who === 'bad_credentials'
                ? refusal(4, 'bad user name or password')
                : refusal(5, 'this broker needs a user name and password'),
              false,
            );
          }
          identities.set(client, who);
          done(null, true);
        },
        (err: unknown) => {
          log.error({ err }, 'MQTT login check failed');
          done(refusal(5, 'login check failed'), false);
        },
      );
    },
    authorizePublish: (client, packet, callback) => {
      // No client: the broker's own publish (e.g. $SYS), which aedes routes itself.
      if (!client) return callback(null);
      const who = identities.get(client) ?? { kind: 'anonymous' };
      const decision = publishDecision(who, opts.topic, packet.topic, {
        isWill: packet === (client as Client & { will?: unknown }).will,
      });
      if (decision === 'refuse') {
        log.warn({ client: client.id, topic: packet.topic }, 'MQTT publish refused');
        return callback(new Error(`not allowed to publish to ${packet.topic}`));
      }
      if (decision === 'allow') return callback(null);
      if (packet.retain) {
        // A retained reading would be replayed to every later subscriber: route it, never keep it.
        packet.retain = false;
        if (!retainWarned.has(client)) {
          retainWarned.add(client);
          log.warn(
            { client: client.id },
            'retained reading: the retain flag is ignored on the readings topic',
          );
        }
      }
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      // A bad payload is still authorized (and acknowledged): refusing would disconnect the
      // publisher, and the pipeline has already counted and logged the reject.
      opts.onReadings(packet.topic, payload, () => callback(null));
    },
    authorizeSubscribe: (client, sub, callback) => {
      const who = (client && identities.get(client)) ?? { kind: 'anonymous' };
      if (client && maySubscribe(who, opts.topic, sub.topic)) return callback(null, sub);
      log.warn({ client: client?.id, topic: sub.topic }, 'MQTT subscription refused');
      // null: SUBACK 0x80 for this filter, the connection stays.
      callback(null, null);
    },
  });
  const connected = () =>
    Object.values((broker as unknown as { clients: Record<string, Client> }).clients).flatMap((c) => {
      const who = identities.get(c);
      return who ? [[c, who] as const] : [];
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
  log.info({ port, host: opts.host }, 'embedded MQTT broker listening');
  return {
    port,
    url: `mqtt://${shownHost}:${port}`,
    clients: () => broker.connectedClients,
    connectionsOf(username) {
      let n = 0;
      for (const [, who] of connected()) if (who.kind === 'gateway' && who.username === username) n++;
      return n;
    },
    async revalidate(username) {
      for (const [client, who] of connected()) {
        if (username !== undefined && who.kind === 'gateway' && who.username !== username) continue;
        if (await access.stillValid(who)) continue;
        identities.delete(client);
        log.info({ client: client.id, kind: who.kind }, 'MQTT client disconnected: its login changed');
        client.close();
      }
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
