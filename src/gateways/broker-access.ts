// The embedded broker's logins: the app's own (MQTT_USERNAME/MQTT_PASSWORD, or a pair generated per
// process for the in-process simulator when none is configured), the gateways' (database, bcrypt),
// and anonymous clients, which are accepted only in development while no credentials exist at all
// (no MQTT_USERNAME and no enabled gateway), so `npm run demo` works on a fresh machine.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { BrokerAccess } from '../ingestion/broker.ts';
import type { BrokerIdentity } from '../ingestion/broker-acl.ts';
import { bool } from '../shared/db-values.ts';
import { anyActiveGateway, findGatewayByUsername, verifyGatewayLogin } from './gateway-service.ts';

export interface AppCredentials {
  username: string;
  password: string;
}

const sameSecret = (a: string, b: Buffer) => {
  const x = Buffer.from(a);
  return x.length === b.length && timingSafeEqual(x, b);
};

export interface GatewayBrokerAccess extends BrokerAccess {
  /** The login the app's own clients (simulator) use on this broker. */
  readonly app: AppCredentials;
  anonymousAllowed(): Promise<boolean>;
}

export function gatewayBrokerAccess(
  db: Kysely<DB>,
  opts: { username: string | null; password: string | null; production: boolean },
): GatewayBrokerAccess {
  const configured = opts.username !== null;
  const app: AppCredentials = configured
    ? { username: opts.username as string, password: opts.password ?? '' }
    : {
        username: `cmms-internal-${randomBytes(6).toString('hex')}`,
        password: randomBytes(24).toString('hex'),
      };

  const anonymousAllowed = async () => !opts.production && !configured && !(await anyActiveGateway(db));

  return {
    app,
    anonymousAllowed,
    async login(username, password): Promise<BrokerIdentity | 'bad_credentials' | 'not_authorized'> {
      if (username === undefined || username === '') {
        return (await anonymousAllowed()) ? { kind: 'anonymous' } : 'not_authorized';
      }
      const secret = password ?? Buffer.alloc(0);
      if (username === app.username)
        return sameSecret(app.password, secret) ? { kind: 'app' } : 'bad_credentials';
      const g = await verifyGatewayLogin(db, username, secret.toString('utf8'));
      return g
        ? { kind: 'gateway', username: g.username, passwordChangedAt: g.password_changed_at }
        : 'bad_credentials';
    },
    async stillValid(who) {
      if (who.kind === 'app') return true;
      if (who.kind === 'anonymous') return anonymousAllowed();
      const g = await findGatewayByUsername(db, who.username);
      return g !== undefined && bool(g.is_active) && g.password_changed_at === who.passwordChangedAt;
    },
  };
}
