// Issue 12 part 4: three server processes (`node --import tsx src/cli.ts serve`) on one PostgreSQL
// schema and the machine's Mosquitto, splitting the readings by a shared subscription. One is
// killed with SIGKILL mid-stream and restarted under its name (its broker session holds what it had
// not acknowledged). Every reading the broker acknowledged is stored once, and each overdue
// calibration gets exactly one alert and one work order, raised by the survivor that takes the
// scans over.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { reading } from '../helpers/mqtt.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type ChildServer, childEnv, spawnServer } from '../ingestion/child-server.ts';
import { type ClusterRun, clusterRun, externalBroker, sqlClient as runSqlClient } from './cluster.ts';

const pgRun = inject('pgRunUrl') !== null;
const DAY_MS = 86_400_000;

describe.skipIf(!externalBroker || !pgRun)('three processes', () => {
  const servers: ChildServer[] = [];
  let run: ClusterRun | undefined;
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGTERM');
    await run?.cleanup();
  });

  it('SIGKILL mid-stream: every reading stored once; one alert and one work order per overdue calibration', {
    timeout: 180_000,
  }, async () => {
    run = await clusterRun('three');
    const { id, prefix } = run;
    const sqlClient = await runSqlClient(run);
    const envOf = (name: string) => ({
      ...childEnv(mkdtempSync(path.join(tmpdir(), `cmms-${name}-`)), (run as ClusterRun).dbUrl),
      ...(run as ClusterRun).brokerEnv(name, 'shared'),
      AUDIT_KEY: 'one-audit-key-for-every-process-of-this-plant',
      LEASE_TTL_SECONDS: '2',
      MQTT_SESSION_EXPIRY_SECONDS: '120',
    });

    const p1 = await spawnServer(envOf('p1'));
    servers.push(p1);
    const tags: { id: number; tag: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await p1.api('POST', '/api/instruments', {
        body: {
          tag: `PT-${id}-${i}`,
          type: 'pressure',
          unit: 'bar',
          range_min: 0,
          range_max: 10,
          nominal_value: 5,
        },
      });
      expect(res.status).toBe(201);
      tags.push(res.body);
    }
    // Five instruments were installed 400 days ago and never calibrated (interval 180 days): overdue.
    const overdue = tags.slice(0, 5).map((t) => t.id);
    await sqlClient.query('update instruments set created_at = $1 where id = any($2)', [
      new Date(Date.now() - 400 * DAY_MS).toISOString(),
      overdue,
    ]);
    const [p2, p3] = await Promise.all([spawnServer(envOf('p2')), spawnServer(envOf('p3'))]);
    servers.push(p2, p3);
    const health = async (s: ChildServer) => (await s.api('GET', '/health')).body;
    await waitUntil(
      () => Promise.all([p1, p2, p3].map(async (s) => (await health(s)).broker.connected)),
      (c) => c.every(Boolean),
      { what: 'three processes subscribed', timeoutMs: 30_000 },
    );
    expect((await health(p1)).leases.held).toContain('scan.maintenance');

    const publisher = await mqtt.connectAsync(externalBroker as string, {
      clientId: `test-pub-${id}`,
      reconnectPeriod: 0,
    });
    const t0 = Date.now() - 2 * 3_600_000;
    const all = Array.from({ length: 40 }, (_, i) =>
      tags.map((t, k) => reading(t.tag, t0 + i * 1000, 5 + k / 100)),
    ).flat();
    const half = all.length / 2;
    try {
      // Publish in slices; SIGKILL p1 (holder of the scans' lease) halfway.
      for (let i = 0; i < all.length; i += 100) {
        if (i === half) await p1.kill('SIGKILL');
        await Promise.all(
          all
            .slice(i, i + 100)
            .map((r) => publisher.publishAsync(`${prefix}/${r.tag}`, JSON.stringify(r), { qos: 1 })),
        );
      }
    } finally {
      await publisher.endAsync();
    }

    // A survivor takes the scans over and raises the overdue calibrations.
    const records = async () => {
      const a = await sqlClient.query(
        `select instrument_id, count(*)::int as n from alert_records where alert_type = 'calibration_overdue' group by instrument_id`,
      );
      const w = await sqlClient.query(
        `select instrument_id, count(*)::int as n from work_orders where type = 'calibration' group by instrument_id`,
      );
      return { alerts: a.rows, orders: w.rows };
    };
    const r = await waitUntil(records, (x) => x.alerts.length === 5 && x.orders.length === 5, {
      what: 'overdue alerts and work orders',
      timeoutMs: 30_000,
    });
    for (const row of [...r.alerts, ...r.orders]) {
      expect(overdue).toContain(row.instrument_id);
      expect(row.n).toBe(1);
    }
    const holders = await Promise.all(
      [p2, p3].map(async (s) => (await health(s)).leases.held.includes('scan.maintenance')),
    );
    expect(holders.filter(Boolean)).toHaveLength(1);

    // p1 comes back under its name: its broker session hands it what it had not acknowledged.
    const p1again = await spawnServer(envOf('p1'));
    servers.push(p1again);
    const count = async () =>
      (
        await sqlClient.query(
          'select count(*)::int as n, count(distinct (instrument_id, ts))::int as d from raw_readings',
        )
      ).rows[0];
    const c = await waitUntil(count, (x) => x.n >= all.length, {
      what: `${all.length} readings stored`,
      timeoutMs: 60_000,
    });
    expect(c.n).toBe(all.length);
    expect(c.d).toBe(all.length);
    // Still one of each after every process has scanned what it holds.
    const again = await records();
    expect(again.alerts.every((row) => row.n === 1) && again.orders.every((row) => row.n === 1)).toBe(true);
  });
});
