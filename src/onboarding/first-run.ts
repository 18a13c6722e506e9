// First run of a real plant (issue 18, part 4): what the dashboard's empty state needs to walk a new
// admin through the first steps (instruments, connecting data, users), and how far the plant is.
// The connection facts come from the settings and the running broker, so the mosquitto_pub example
// the web builds from them works as printed; no secret is ever included.
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import { anyActiveGateway } from '../gateways/gateway-service.ts';
import type { BrokerState } from '../ingestion/ingestion-runtime.ts';
import { topicPrefixOf } from '../simulator/runtime.ts';
import type { Connection, FirstRun } from './schemas.ts';

const EXAMPLE = { tag: 'PT-101', unit: 'bar', value: 4.2 };

async function progress(db: Kysely<DB>) {
  const { n } = await db
    .selectFrom('instruments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  const { u } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('u'))
    .where('is_active', '=', 1)
    .executeTakeFirstOrThrow();
  // Raw readings age out after 7 days; the tiers keep older history.
  let readings = false;
  for (const table of ['raw_readings', 'readings_1m', 'readings_1h', 'readings_1d'] as const) {
    const row = await db.selectFrom(table).select('instrument_id').limit(1).executeTakeFirst();
    if (row) {
      readings = true;
      break;
    }
  }
  return { instruments: Number(n), active_users: Number(u), readings };
}

async function connection(db: Kysely<DB>, config: Config, broker: BrokerState | null): Promise<Connection> {
  const first = await db
    .selectFrom('instruments')
    .select(['tag', 'unit', 'range_min', 'range_max', 'nominal_value'])
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  const sample = first
    ? {
        tag: first.tag,
        unit: first.unit,
        value: Number((first.nominal_value ?? (first.range_min + first.range_max) / 2).toPrecision(6)),
        tag_is_real: true,
      }
    : { ...EXAMPLE, tag_is_real: false };
  const topic_prefix = topicPrefixOf(config.mqtt.topic);
  const target = config.mqtt.target;
  if (target.mode === 'external') {
    const url = new URL(target.url);
    const tls = url.protocol === 'mqtts:';
    return {
      broker: 'external',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (tls ? 8883 : 1883)),
      tls,
      loopback_only: false,
      auth_required: config.mqtt.username !== null,
      topic_prefix,
      ...sample,
    };
  }
  const listen = config.mqtt.host;
  const anyInterface = listen === '0.0.0.0' || listen === '::';
  const auth = config.production || config.mqtt.username !== null || (await anyActiveGateway(db));
  return {
    broker: 'embedded',
    // Listening everywhere: the address users reach this server at (PUBLIC_URL), else the browser's.
    host: anyInterface ? (config.publicUrl ? new URL(config.publicUrl).hostname : null) : listen,
    port: broker?.port ?? config.mqtt.port,
    tls: false,
    loopback_only: listen === '127.0.0.1' || listen === '::1' || listen === 'localhost',
    auth_required: auth,
    topic_prefix,
    ...sample,
  };
}

export async function firstRun(
  db: Kysely<DB>,
  config: Config,
  broker: BrokerState | null,
  isAdmin: boolean,
): Promise<FirstRun> {
  const p = await progress(db);
  return {
    ...p,
    complete: p.instruments > 0 && p.readings,
    connection: isAdmin ? await connection(db, config, broker) : null,
  };
}
