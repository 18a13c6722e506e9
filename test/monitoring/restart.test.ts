import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import type { MonitorService } from '../../src/monitoring/monitor-service.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  alertsOf,
  connectPublisher,
  FAST_MONITORING_ENV,
  type Point,
  publish,
  simInstrument,
  simulated,
} from './live-helpers.ts';

const S = 1000;
const MIN = 60 * S;

const frozen = (from: number, n: number, value = 5.123): Point[] =>
  Array.from({ length: n }, (_, i) => ({ ts: from + i * S, value }));

/** Waits until the monitor has seen the reading at `ts`, then until the alert queue is written. */
async function settled(t: TestApp, instrumentId: number, ts: number) {
  await waitFor('the reading to reach the detectors', async () => {
    const last = t.server.ctx.monitor.snapshot(instrumentId)?.last_reading?.timestamp;
    return last !== undefined && Date.parse(last) >= ts;
  });
  await (t.server.ctx.monitor as MonitorService).drain();
}

describe('detector state across a restart', () => {
  it('restores CUSUM sums, stuck timers and open alerts; a repeat after a crash updates the open alert', async () => {
    const a = await startTestApp({ env: FAST_MONITORING_ENV });
    const { databaseUrl, dataDir } = a;
    const pubA = await connectPublisher(a);
    const cusumInst = await makeInstrument(a, { publish_interval_seconds: 10 });
    const stuckInst = await makeInstrument(a, {
      publish_interval_seconds: 1,
      stuck_window_minutes: 1,
      stuck_deadband: 0.001,
    });
    const crashInst = await makeInstrument(a, {
      publish_interval_seconds: 1,
      stuck_window_minutes: 1,
      stuck_deadband: 0.001,
    });

    const end = Math.floor(Date.now() / MIN) * MIN - 2 * MIN;
    await publish(a, pubA, cusumInst.tag, 'bar', simulated(simInstrument(cusumInst), end - 15 * MIN, end));
    const t0 = end - 5 * MIN;
    await publish(a, pubA, stuckInst.tag, 'bar', frozen(t0, 90));
    await publish(a, pubA, crashInst.tag, 'bar', frozen(t0, 90));
    for (const i of [stuckInst, crashInst]) {
      await waitFor(
        'stuck alert',
        async () => (await alertsOf(a, i.id, { alert_type: 'instrument_fault' }))[0],
      );
    }
    // The monitoring clock runs on event time: another instrument reporting a minute past the end
    // moves it on, and the last CUSUM window is closed by the clock (its end is then long past).
    const clockInst = await makeInstrument(a, { publish_interval_seconds: 10 });
    await publish(a, pubA, clockInst.tag, 'bar', [{ ts: end + MIN, value: 5 }]);
    await waitFor(
      'the CUSUM to score the last window',
      async () =>
        a.server.ctx.monitor.snapshot(cusumInst.id)?.cusum.last_window_end === new Date(end).toISOString(),
    );
    const before = a.server.ctx.monitor.snapshot(cusumInst.id);
    expect(before?.cusum).toMatchObject({ windows_processed: 15, warmup: { complete: true } });
    await pubA.endAsync();
    await a.server.stop(); // checkpoints every instrument's state on the way down

    // A crash before the checkpoint: that instrument's saved state is lost, its open alert is not.
    const h = openDatabase(parseDatabaseUrl(databaseUrl));
    try {
      const rows = await h.db
        .selectFrom('detector_checkpoints')
        .select(['instrument_id', 'detector'])
        .execute();
      expect(rows).toEqual(
        expect.arrayContaining([
          { instrument_id: cusumInst.id, detector: 'monitor' },
          { instrument_id: stuckInst.id, detector: 'monitor' },
        ]),
      );
      await h.db.deleteFrom('detector_checkpoints').where('instrument_id', '=', crashInst.id).execute();
    } finally {
      await h.close();
    }

    const b = await startTestApp({ env: FAST_MONITORING_ENV, databaseUrl, dataDir });
    try {
      const after = b.server.ctx.monitor.snapshot(cusumInst.id);
      expect(after?.cusum).toEqual(before?.cusum);
      expect(after?.last_reading).toEqual(before?.last_reading);
      expect(b.server.ctx.monitor.snapshot(stuckInst.id)?.stuck.active).toBe(true);
      expect(b.server.ctx.monitor.snapshot(crashInst.id)?.stuck.active).toBe(false);

      const pubB = await connectPublisher(b);
      try {
        // Still frozen: the restored detector knows it already raised, so nothing new.
        await publish(b, pubB, stuckInst.tag, 'bar', frozen(t0 + 90 * S, 30));
        await settled(b, stuckInst.id, t0 + 119 * S);
        const kept = await alertsOf(b, stuckInst.id, { alert_type: 'instrument_fault' });
        expect(kept).toHaveLength(1);
        expect(kept[0].occurrence_count).toBe(1);

        // The crashed one raises again after a new window: a repeat of the open condition, counted
        // on the open alert, never a second row.
        await publish(b, pubB, crashInst.tag, 'bar', frozen(t0 + 90 * S, 70));
        await waitFor('the repeat to be counted', async () => {
          const list = await alertsOf(b, crashInst.id, { alert_type: 'instrument_fault' });
          return list.length === 1 && list[0].occurrence_count === 2;
        });

        // Moving again clears the restored condition.
        await publish(b, pubB, stuckInst.tag, 'bar', [{ ts: t0 + 121 * S, value: 5.3 }]);
        await waitFor('the stuck condition to clear', async () => {
          const [x] = await alertsOf(b, stuckInst.id, { alert_type: 'instrument_fault' });
          return x.cleared_at !== null;
        });
      } finally {
        await pubB.endAsync();
      }
    } finally {
      await b.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
