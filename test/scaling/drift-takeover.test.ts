// Issue 12 part 4: a drift that starts in an instrument of a process killed with SIGKILL is still
// detected after takeover. Two server processes (`src/cli.ts serve` children) on PostgreSQL and
// Mosquitto, each alone in its shared group on its own topic, so the test decides which one receives
// the instrument's readings (as the broker's hash would). The drift is too short in each process
// alone to cross h: only the survivor that restores the killed process's checkpoint raises it.
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
const MIN = 60_000;

describe.skipIf(!externalBroker || !pgRun)('drift after takeover', () => {
  const servers: ChildServer[] = [];
  let run: ClusterRun | undefined;
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGTERM');
    await run?.cleanup();
  });

  it('the survivor restores the killed process’s CUSUM and raises the drift', {
    timeout: 180_000,
  }, async () => {
    run = await clusterRun('drift');
    const { id, prefix } = run;
    const sqlClient = await runSqlClient(run);
    const envOf = (name: string) => ({
      ...childEnv(mkdtempSync(path.join(tmpdir(), `cmms-${name}-`)), (run as ClusterRun).dbUrl),
      ...(run as ClusterRun).brokerEnv(name, 'own'),
      AUDIT_KEY: 'one-audit-key-for-every-process-of-this-plant',
      // 1-minute CUSUM windows; state checkpointed every second (what a SIGKILL leaves behind).
      CUSUM_WINDOW_MINUTES: '1',
      MONITOR_CHECKPOINT_SECONDS: '1',
      ALERT_FLUSH_MS: '100',
    });
    const [a, b] = await Promise.all([spawnServer(envOf('a'), 90_000), spawnServer(envOf('b'), 90_000)]);
    servers.push(a, b);
    const created = await a.api('POST', '/api/instruments', {
      body: { tag: `PT-${id}`, type: 'pressure', unit: 'bar', range_min: 0, range_max: 10, nominal_value: 5 },
    });
    expect(created.status).toBe(201);
    const inst = created.body as { id: number; tag: string };
    // A reference baseline (5 bar, sigma of window means 0.01): the CUSUM scores from the first
    // window. Written directly, then announced by an edit so both processes reload the row.
    await sqlClient.query('update instruments set baseline_mean = 5, baseline_std = 0.01 where id = $1', [
      inst.id,
    ]);
    expect(
      (await a.api('PATCH', `/api/instruments/${inst.id}`, { body: { description: 'drift test' } })).status,
    ).toBe(200);
    const tracked = async (s: ChildServer) =>
      (await s.api('GET', `/api/instruments/${inst.id}/status`)).body?.cusum?.baseline_source;
    await waitUntil(
      () => Promise.all([a, b].map(tracked)),
      (x) => x.every((v) => v !== undefined && v !== null),
      { what: 'both processes use the reference baseline' },
    );

    const publisher = await mqtt.connectAsync(externalBroker as string, {
      clientId: `test-pub-${id}`,
      reconnectPeriod: 0,
    });
    // Each drifted window (mean 5.02: z = 2) adds z - k = 1.5 to S+; h = 5 needs four of them.
    const t0 = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
    const minute = (m: number, value: number) =>
      Array.from({ length: 12 }, (_, i) => reading(inst.tag, t0 + m * MIN + i * 5_000, value));
    const send = async (to: string, rs: ReturnType<typeof reading>[]) => {
      for (const r of rs)
        await publisher.publishAsync(`${prefix}/${to}/${r.tag}`, JSON.stringify(r), { qos: 1 });
    };
    const checkpoint = async () => {
      const r = await sqlClient.query(
        `select state from detector_checkpoints where instrument_id = $1 and detector = 'monitor'`,
        [inst.id],
      );
      return r.rows[0] ? (JSON.parse(r.rows[0].state) as { lastTs: number | null }) : null;
    };
    try {
      // a: two normal windows, two drifted ones (S+ = 3), and the reading that closes the second.
      const first = [
        ...minute(0, 5),
        ...minute(1, 5),
        ...minute(2, 5.02),
        ...minute(3, 5.02),
        ...minute(4, 5.02).slice(0, 1),
      ];
      await send('a', first);
      const last = first[first.length - 1];
      await waitUntil(checkpoint, (c) => (c?.lastTs ?? 0) >= Date.parse(last.timestamp), {
        what: "a's checkpoint of the drifting windows",
      });
      const sPlus = (await a.api('GET', `/api/instruments/${inst.id}/status`)).body.cusum.s_plus;
      expect(sPlus).toBeGreaterThan(2.5);
      expect(sPlus).toBeLessThan(5);
      await a.kill('SIGKILL');
      // b: the drift goes on for three more windows (alone: S+ 4.5, under h).
      await send('b', [
        ...minute(4, 5.02).slice(1),
        ...minute(5, 5.02),
        ...minute(6, 5.02),
        ...minute(7, 5.02).slice(0, 1),
      ]);
    } finally {
      await publisher.endAsync();
    }
    const drift = await waitUntil(
      async () =>
        (await b.api('GET', `/api/alerts?instrument_id=${inst.id}&alert_type=drift&status=all`)).body.items,
      (items: unknown[]) => items.length > 0,
      {
        // On a timeout, say how far b got (a loaded CI machine once ran past 30 s here).
        what: () =>
          `the drift alert raised by b (b's log: ${JSON.stringify(
            b.logs.filter((l) => /checkpoint|drift|handover/.test(String(l.msg))).map((l) => l.msg),
          )})`,
        timeoutMs: 60_000,
      },
    );
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ alert_type: 'drift', condition: 'cusum_up' });
    expect(
      b.logs.some((l) => l.msg === 'detector state taken over from the checkpoint of another process'),
    ).toBe(true);
  });
});
