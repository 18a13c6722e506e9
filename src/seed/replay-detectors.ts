// The demo's alerts are found, not written: the generated history is replayed, in event-time order,
// through the live pipeline's own detector bundle (InstrumentMonitor: signal fault, rules, stuck,
// CUSUM drift; not the data-gap clock, see below) and its events go through the one alert aggregator, exactly as live
// readings do. The monitors' final states are checkpointed, so the live service continues from the
// end of the history (a drift still present stays one open alert, not a second).
import type { Kysely } from 'kysely';
import { AlertAggregator } from '../alerts/aggregator.ts';
import type { DB } from '../db/schema.ts';
import type { CusumOptions } from '../detection/cusum.ts';
import { type MonitorDefaults, referenceBaseline, toMonitorConfig } from '../detection/instrument-config.ts';
import type { DetectorEvent } from '../detection/types.ts';
import { saveMonitorCheckpoints } from '../monitoring/checkpoints.ts';
import { InstrumentMonitor } from '../monitoring/instrument-monitor.ts';

export interface ReplaySettings {
  defaults: MonitorDefaults;
  cusum: CusumOptions;
  /** Step of the history's grid (default 60 s). */
  historyStepSeconds?: number;
}

export interface ReplayResult {
  readings: number;
  events: number;
  raised: Record<string, number>;
}

/** Feeds `readings` (event-time order) through the detectors; alerts land through the aggregator. */
export async function replayDetectors(
  db: Kysely<DB>,
  readings: Iterable<{ instrumentId: number; ts: number; value: number }>,
  settings: ReplaySettings,
  now: Date,
  log: (m: string) => void = () => {},
): Promise<ReplayResult> {
  const rows = await db.selectFrom('instruments').selectAll().where('deleted_at', 'is', null).execute();
  const monitors = new Map<number, InstrumentMonitor>();
  for (const r of rows) {
    monitors.set(
      r.id,
      // A CUSUM window counts as complete by the samples the publish interval promises: on the
      // history's grid that is one reading per history step.
      new InstrumentMonitor(
        {
          ...toMonitorConfig(r, settings.defaults),
          publishIntervalSeconds: Math.max(r.publish_interval_seconds, settings.historyStepSeconds ?? 60),
        },
        {
          cusum: settings.cusum,
          baseline: referenceBaseline(r),
          // The history is on a coarser grid than the instruments publish at: the gap clock would call
          // every pause between two history points a data gap.
          gapDetection: false,
        },
      ),
    );
  }
  const aggregator = new AlertAggregator({
    db,
    log: {
      info: () => {},
      warn: (o, m) => log(`replay: ${m ?? ''} ${JSON.stringify(o)}`),
      error: (o, m) => log(`replay: ${m ?? ''} ${JSON.stringify(o)}`),
    },
    now: () => now.getTime(),
    types: ['rule_violation', 'instrument_fault', 'data_gap', 'drift'],
  });
  await aggregator.load();

  const raised: Record<string, number> = {};
  let n = 0;
  let events = 0;
  const count = (e: DetectorEvent) => {
    const k = `${e.alertType}/${e.condition}`;
    raised[k] = (raised[k] ?? 0) + 1;
  };
  const submit = (id: number, list: readonly DetectorEvent[]) => {
    for (const e of list) {
      events++;
      if (e.kind === 'raise') count(e);
      aggregator.submit(id, e);
    }
  };
  let clock = 0;
  for (const r of readings) {
    const m = monitors.get(r.instrumentId);
    if (!m) continue;
    n++;
    // The clock every monitor sees (CUSUM windows close by time), once per instant of the history.
    if (r.ts !== clock) {
      for (const [id, mm] of monitors) {
        const ev = mm.tick(r.ts);
        if (ev.length) submit(id, ev);
      }
      clock = r.ts;
    }
    const ev = m.process({ ts: r.ts, value: r.value });
    if (ev.length) submit(r.instrumentId, ev);
    aggregator.touch(r.instrumentId, r.ts);
    // Let the aggregator write what it has queued, now and then.
    if (n % 50_000 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await aggregator.drain();
  await saveMonitorCheckpoints(
    db,
    [...monitors].map(([instrumentId, m]) => ({ instrumentId, state: m.toJSON() })),
    now.toISOString(),
  );
  log(`replayed ${n} readings through the detectors: ${events} events, raised ${JSON.stringify(raised)}`);
  return { readings: n, events, raised };
}
