// SIMULATOR_SPARKPLUG=true: the simulator publishes as a Sparkplug B edge node, and this makes sure
// a Sparkplug source exists that takes its metrics (named by tag) into the pipeline, so the demo
// shows the connector end to end. Created once (by whichever process gets there first), audited as
// the system; an admin may disable or change it like any other source.

import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import type { SecretBox } from './secret-box.ts';
import { createSource } from './source-service.ts';

export const SIMULATOR_SPARKPLUG_NODE = { group: 'cbu-plant', node: 'simulator' } as const;
export const SIMULATOR_SOURCE_NAME = 'Plant simulator (Sparkplug B)';

/** Returns the new source's id, or null when it existed already. */
export async function ensureSimulatorSource(
  db: Database,
  box: SecretBox,
  config: Config,
  now: Date,
  after: AfterCommit,
): Promise<number | null> {
  const existing = await db
    .selectFrom('connector_sources')
    .select('id')
    .where('deleted_at', 'is', null)
    .where('name', '=', SIMULATOR_SOURCE_NAME)
    .executeTakeFirst();
  if (existing) return null;
  const external = config.mqtt.broker !== 'embedded';
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(config.mqtt.broker)
    ? config.mqtt.broker
    : `mqtt://${config.mqtt.broker}:${config.mqtt.port}`;
  try {
    const s = await createSource(
      db,
      box,
      null,
      {
        kind: 'sparkplug',
        name: SIMULATOR_SOURCE_NAME,
        enabled: true,
        config: {
          broker: external ? url : 'embedded',
          ...(external && config.mqtt.username ? { username: config.mqtt.username } : {}),
          ...(external && config.mqtt.password ? { password: config.mqtt.password } : {}),
          group_id: SIMULATOR_SPARKPLUG_NODE.group,
          map_metric_names: true,
        },
        points: [],
      },
      now,
      after,
    );
    return s.id;
  } catch (e) {
    // Another process created it meanwhile.
    if ((e as { code?: string }).code === 'connector_source_name_taken') return null;
    throw e;
  }
}
