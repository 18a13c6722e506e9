import { describe, expect, it } from 'vitest';
import { generateHistory } from '../simulator/history.ts';
import type { SimInstrument } from '../simulator/signals.ts';
import { alignedWindowMeans, DEFAULT_GROUP_WINDOW_SECONDS, GroupResidualMonitor } from './group-residuals.ts';
import { trainPcaModel } from './pca-model.ts';
import type { DetectorEvent } from './types.ts';
import { monitorConfig } from './types.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

// One process unit: a pressure transmitter, its redundant twin and a flow transmitter, all driven by
// the unit's shared wandering process (simulator process units), 10 s publishing.
const members: SimInstrument[] = [
  {
    id: 1,
    tag: 'PT-1A',
    type: 'pressure',
    unit: 'bar',
    rangeMin: 0,
    rangeMax: 10,
    nominalValue: 5.2,
    publishIntervalSeconds: 10,
    processUnit: 'U1',
  },
  {
    id: 2,
    tag: 'PT-1B',
    type: 'pressure',
    unit: 'bar',
    rangeMin: 0,
    rangeMax: 10,
    nominalValue: 5.2,
    publishIntervalSeconds: 10,
    processUnit: 'U1',
  },
  {
    id: 3,
    tag: 'FT-1',
    type: 'flow',
    unit: 'm³/h',
    rangeMin: 0,
    rangeMax: 100,
    nominalValue: 42,
    publishIntervalSeconds: 10,
    processUnit: 'U1',
  },
];
const cfgs = members.map((m) =>
  monitorConfig({
    tag: m.tag,
    unit: m.unit,
    rangeMin: m.rangeMin,
    rangeMax: m.rangeMax,
    publishIntervalSeconds: 10,
  }),
);

function run(seed: number, driftStart: number | null) {
  const baselineEnd = 2 * DAY;
  const faults =
    driftStart === null
      ? []
      : [{ tag: 'PT-1A', spec: { kind: 'drift' as const, ratePctPerDay: 1 }, startMs: driftStart }];
  const base: { ts: number; value: number }[][] = [[], [], []];
  let monitor: GroupResidualMonitor | null = null;
  const events: { member: number; e: DetectorEvent }[] = [];
  for (const r of generateHistory(members, 0, 5 * DAY, 10, seed, { faults })) {
    const j = r.instrumentId - 1;
    if (r.ts < baselineEnd) {
      base[j].push({ ts: r.ts, value: r.value });
      continue;
    }
    if (!monitor) {
      const { rows } = alignedWindowMeans(base, DEFAULT_GROUP_WINDOW_SECONDS, [180, 180, 180]);
      monitor = new GroupResidualMonitor(trainPcaModel(rows), cfgs, DEFAULT_GROUP_WINDOW_SECONDS);
    }
    const out = monitor.update(j, { ts: r.ts, value: r.value });
    for (let member = 0; member < out.length; member++) {
      for (const e of out[member]) events.push({ member, e });
    }
  }
  return { events, monitor: monitor! };
}

describe('GroupResidualMonitor (issue 11)', () => {
  it('flags the drifting sensor within 12 h with its rate; its twin and the flow stay quiet', () => {
    const driftStart = 2.5 * DAY;
    const { events, monitor } = run(21, driftStart);
    const raises = events.filter((x) => x.e.kind === 'raise');
    expect(raises.map((x) => x.member)).toEqual([0]);
    const [{ e }] = raises;
    expect(e.condition).toBe('cusum_up');
    expect(e.ts - driftStart).toBeLessThan(12 * HOUR);
    // 1 % of span per day, recovered from the change point (within a factor the bench reports).
    expect(e.details!.drift_rate_pct_span_per_day as number).toBeGreaterThan(0.5);
    expect(e.details!.drift_rate_pct_span_per_day as number).toBeLessThan(2);
    expect(monitor.latched(0)).toBe(true);
    // JSON round trip keeps the state.
    const copy = new GroupResidualMonitor(
      trainPcaModel([
        [1, 2, 3],
        [2, 4, 6.1],
        [3, 6, 9],
        [4, 8.2, 12],
        [5, 10, 15.3],
      ]),
      cfgs,
      3600,
      monitor.toJSON(),
    );
    expect(copy.latched(0)).toBe(true);
  });

  it('a process moving all members together raises nothing (three clean days)', () => {
    const { events } = run(22, null);
    expect(events.filter((x) => x.e.kind === 'raise')).toEqual([]);
  });

  it('a reset (calibration) clears the flagged member', () => {
    const { monitor } = run(21, 2.5 * DAY);
    const cleared = monitor.reset(0, 5 * DAY);
    expect(cleared.map((e) => `${e.kind}:${e.condition}`)).toEqual(['clear:cusum_up']);
    expect(monitor.latched(0)).toBe(false);
  });
});
