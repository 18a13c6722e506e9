// What the several-process tests share: one run id and topic prefix, the broker settings each
// process gets, a PostgreSQL client on the run's schema, and the readings a process's detectors saw.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freshDatabaseUrl, type TestApp } from '../helpers/test-app.ts';

export const externalBroker = process.env.TEST_MQTT_URL;

export interface ClusterRun {
  id: string;
  prefix: string;
  /** The run's own PostgreSQL schema (dropped by `cleanup`). */
  dbUrl: string;
  /** MQTT settings of process `name`: `own` gives it its own topic and shared group, so the test
   * decides which process receives an instrument's readings (as the broker's hash would); `shared`
   * puts every process in one group on one topic, so the broker splits the readings; `all` gives
   * every process every reading (tag partitions decide). */
  brokerEnv(name: string, split: 'own' | 'shared' | 'all'): Record<string, string>;
  /** Runs on `cleanup`, last added first. */
  onCleanup(fn: () => Promise<void> | void): void;
  cleanup(): Promise<void>;
}

export async function clusterRun(label: string, dataDir?: string): Promise<ClusterRun> {
  const id = randomBytes(5).toString('hex');
  const prefix = `cmms-test/${id}`;
  const db = await freshDatabaseUrl(dataDir ?? mkdtempSync(path.join(tmpdir(), `cmms-${label}-`)));
  const cleanups: (() => Promise<void> | void)[] = [db.drop];
  return {
    id,
    prefix,
    dbUrl: db.url,
    brokerEnv: (name, split) => ({
      PROCESS_NAME: name,
      MQTT_BROKER: externalBroker as string,
      MQTT_CLIENT_ID: `cmms-test-${id}`,
      MQTT_TOPIC: split === 'own' ? `${prefix}/${name}/#` : `${prefix}/#`,
      ...(split === 'all'
        ? {}
        : { MQTT_SHARED_GROUP: split === 'own' ? `cmms-${id}-${name}` : `cmms-${id}` }),
      MQTT_SESSION_EXPIRY_SECONDS: '60',
    }),
    onCleanup: (fn) => void cleanups.push(fn),
    async cleanup() {
      for (const fn of cleanups.splice(0).reverse()) await fn();
    },
  };
}

/** A client on the run's schema, for what no API does (backdating rows, counting stored readings). */
export async function sqlClient(run: ClusterRun): Promise<pg.Client> {
  const schema = new URL(run.dbUrl).searchParams.get('schema');
  const client = new pg.Client({
    connectionString: run.dbUrl.replace(/\?.*$/, ''),
    options: `-c search_path=${schema}`,
  });
  await client.connect();
  run.onCleanup(() => client.end());
  return client;
}

/** How many readings of the instrument this process's detectors have processed. */
export function readingsSeen(t: TestApp, instrumentId: number): number {
  const s = t.server.ctx.monitor.snapshot(instrumentId) as { readings?: Record<string, number> } | null;
  return Object.values(s?.readings ?? {}).reduce((x, y) => x + y, 0);
}
