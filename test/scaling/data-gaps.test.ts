// Issue 12 part 4, data gaps with several processes: each process records the newest reading per
// instrument it received (instrument_last_seen) and only the holder of the data-gap lease judges
// gaps. An instrument whose readings move to the other process (the broker re-balanced, or the
// process stopped) raises no data_gap alert; an instrument that really goes silent raises exactly
// one, which survives the lease moving and is cleared by the new holder when readings resume.
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DATA_GAP_LEASE } from '../../src/monitoring/monitor-service.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';
import { alertsOf } from '../monitoring/live-helpers.ts';
import { type ClusterRun, clusterRun, externalBroker } from './cluster.ts';

const pg = inject('pgRunUrl') !== null;

describe.skipIf(!externalBroker || !pg)('data gaps across processes', () => {
  const apps: TestApp[] = [];
  let run: ClusterRun | undefined;
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    await run?.cleanup();
  });

  it('readings moving between processes are no gap; a real gap is one alert, kept and cleared across a lease move', {
    timeout: 120_000,
  }, async () => {
    run = await clusterRun('gaps');
    const { id, prefix, dbUrl } = run;
    const envOf = (name: string) => ({
      ...(run as ClusterRun).brokerEnv(name, 'own'),
      LEASE_TTL_SECONDS: '10',
      // Checked every second; the judge allows the other processes' writes two checks of lag.
      DATA_GAP_CHECK_SECONDS: '1',
      DATA_GAP_GRACE_SECONDS: '30',
      ALERT_FLUSH_MS: '100',
    });
    const a = await startTestApp({ databaseUrl: dbUrl, env: envOf('a') });
    apps.push(a);
    const held = async (t: TestApp) => (await t.api('GET', '/health')).body.leases.held as string[];
    await waitUntil(
      () => held(a),
      (h) => h.includes(DATA_GAP_LEASE),
      { what: 'a judges the data gaps' },
    );
    const b = await startTestApp({ databaseUrl: dbUrl, env: envOf('b') });
    apps.push(b);
    // Both publish every 2 s: a gap is 4 s of silence.
    const x = await makeInstrument(a, { publish_interval_seconds: 2 });
    const y = await makeInstrument(a, { publish_interval_seconds: 2 });
    // b knows both instruments (through the event bridge) before any reading reaches it.
    await waitUntil(() => [x, y].every((i) => b.server.ctx.monitor.snapshot(i.id) !== null), Boolean, {
      what: 'b tracks both instruments',
    });

    const publisher: MqttClient = await mqtt.connectAsync(externalBroker as string, {
      clientId: `test-pub-${id}`,
      reconnectPeriod: 0,
    });
    /**
     * Live readings, every half second of real time as the gateway stamps them, each to the
     * process named, until `done` holds (each step waits for its readings to reach that process).
     */
    const stream = async (
      routes: { inst: { id: number; tag: string }; to: TestApp; name: string }[],
      done: () => Promise<boolean>,
      timeoutMs = 60_000,
    ) => {
      const deadline = Date.now() + timeoutMs;
      let next = Date.now();
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error('stream: condition not reached');
        // Live data: the next reading is due half a second after the last one.
        await waitUntil(
          () => Date.now(),
          (now) => now >= next,
          { what: 'the next reading time', intervalMs: 20 },
        );
        const ts = Date.now();
        next = ts + 500;
        await Promise.all(
          routes.map((r) =>
            publisher.publishAsync(
              `${prefix}/${r.name}/${r.inst.tag}`,
              JSON.stringify(reading(r.inst.tag, ts, 5)),
              {
                qos: 1,
              },
            ),
          ),
        );
        for (const r of routes) {
          await waitUntil(
            () => r.to.server.ctx.monitor.snapshot(r.inst.id)?.last_reading?.timestamp,
            (last) => last !== undefined && Date.parse(last) >= ts,
            { what: `${r.inst.tag} reached ${r.name}` },
          );
        }
      }
    };
    const gaps = (inst: { id: number }) => alertsOf(b, inst.id, { alert_type: 'data_gap' });
    const since = (ms: number) => {
      const start = Date.now();
      return async () => Date.now() - start >= ms;
    };
    try {
      // Both instruments on a; then x moves to b for longer than its gap threshold.
      await stream(
        [
          { inst: x, to: a, name: 'a' },
          { inst: y, to: a, name: 'a' },
        ],
        since(3_000),
      );
      await stream(
        [
          { inst: x, to: b, name: 'b' },
          { inst: y, to: a, name: 'a' },
        ],
        since(8_000),
      );
      // y goes silent: one data_gap alert, raised by the judge (a).
      await stream([{ inst: x, to: b, name: 'b' }], async () => (await gaps(y)).length > 0, 30_000);
      // a stops: the lease moves to b, which keeps the one open alert and raises no second one.
      await a.stop();
      apps.splice(apps.indexOf(a), 1);
      await stream([{ inst: x, to: b, name: 'b' }], async () => (await held(b)).includes(DATA_GAP_LEASE));
      await stream([{ inst: x, to: b, name: 'b' }], since(6_000));
      // y comes back, at b: the gap b took over is cleared there.
      await stream(
        [
          { inst: x, to: b, name: 'b' },
          { inst: y, to: b, name: 'b' },
        ],
        async () => (await gaps(y))[0]?.cleared_at !== null,
        30_000,
      );
    } finally {
      await publisher.endAsync();
    }
    expect(await gaps(x)).toHaveLength(0);
    const [gap, ...more] = await gaps(y);
    expect(more).toHaveLength(0);
    expect(gap).toMatchObject({ occurrence_count: 1, condition: 'data_gap' });
    expect(gap.cleared_at).not.toBeNull();
  });
});
