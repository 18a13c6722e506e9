// The demo's story on one timeline, counted back from the end of its generated history ("now",
// rounded down to the minute). The faults are the simulator's own; what the product makes of them is
// not written here: the seed replays the history through the detectors (replay-detectors.ts).
//
//   -30 d   history starts (a reading every 20 minutes: it only feeds the hourly and daily tiers)
//    -7 d   raw readings start (the raw retention), every 2 minutes; the detectors judge from here
//  -6.5 d   TT-203 (condensate return temperature) freezes for 3 h: a stuck sensor
//    -6 d   LT-402 (hypochlorite tank level) burns out (3.5 mA) for 40 minutes
//  -5.5 d   FT-302 (industrial consumers' flow) drops out for 2 hours
//  -3.5 d   start of the process units' reference baseline (three clean days)
//   -12 h   its end: a model per unit, trained on it, judges the history from here on
//   -11 h   PT-202 (feedwater pump discharge) starts drifting 6 % of span a day
//    -2 h   the four model instruments' readings at their publish interval (5 s) from here (whole hours)
//    -1 h   end of their Isolation Forests' baseline: the forests judge the last hour or so
//   ~-50 m  LT-201 (steam drum level) hunts for 16 minutes: the feedwater valve oscillates
//     0     the live simulator takes over; the drift goes on
//
// Why drift is judged by the unit models, and each instrument's own CUSUM (6 h means) only warms up
// on the days before they take over: a unit's instruments share 99.5 % of their process wander, so a
// unit-wide swing moves every member's mean at once. The own CUSUMs, their sigma learned from the
// 2-day warm-up (8 means: it comes out low as often as not), flagged such swings as ~15 "drifts" in
// the week, whole units at a time. A unit model predicts each member from the others: the swing
// explains itself, a drifting sensor does not.
import type { ScheduledFault } from '../simulator/history.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * Seed of the generated history. A drift detector has a false alarm rate: on this simulator a unit
 * model's residual CUSUM gives about one false drift in two plant-weeks. Seed 2026's history held one
 * such chance excursion (PT-301's residual at -3.4 sigma four hours before the end, flagged at some
 * times of day); 2027's raises only what the timeline puts there, at every start time tried (36,
 * spread over a day; test/monitoring/demo-start.test.ts checks the one it runs at).
 */
export const HISTORY_SEED = 2027;

export interface DemoTimeline {
  fromMs: number;
  /** Raw readings (and the detector replay) from here. */
  rawFrom: number;
  /** The process units' reference baseline [from, end); their models judge the history after it. */
  unitBaselineFrom: number;
  unitBaselineEnd: number;
  /** The model instruments' readings at their publish interval from here. */
  denseFrom: number;
  /** End of the Isolation Forests' baseline; the forests judge the history after it. */
  modelBaselineEnd: number;
  toMs: number;
}

export function demoTimeline(toMs: number, days = 30): DemoTimeline {
  return {
    fromMs: toMs - days * DAY,
    rawFrom: toMs - 7 * DAY,
    unitBaselineFrom: toMs - 3.5 * DAY,
    unitBaselineEnd: toMs - 12 * HOUR,
    // Whole hours: a unit model's hour window holds one sampling density per member.
    denseFrom: Math.floor((toMs - 2 * HOUR) / HOUR) * HOUR,
    modelBaselineEnd: Math.floor((toMs - HOUR) / HOUR) * HOUR,
    toMs,
  };
}

/**
 * Step of the raw days: what the detectors need (the stuck detector's 15-minute window holds 7 or 8
 * readings; at 5 minutes, 3 readings of a slow process sometimes fall inside its deadband by chance)
 * at half the rows, writes, replay and training of a reading a minute.
 */
export const RAW_STEP_SECONDS = 120;

/** The history's grid: coarse where only the hourly and daily tiers read it. */
export function demoSteps(t: DemoTimeline): { fromMs: number; stepSeconds: number }[] {
  return [
    { fromMs: t.fromMs, stepSeconds: 1200 },
    { fromMs: t.rawFrom, stepSeconds: RAW_STEP_SECONDS },
  ];
}

/**
 * One instrument per process unit with an Isolation Forest of its own (the per-unit model group has
 * the others): their last two hours are stored at their publish interval, which the forest's
 * 60 s feature windows need. All publish every 5 s.
 */
export const DEMO_MODEL_TAGS: Readonly<Record<string, string>> = {
  'Raw Water Intake': 'TT-101',
  'Boiler House': 'LT-201',
  Distribution: 'LT-301',
  'Storage & Tank Farm': 'LT-401',
};

/**
 * The drift the live simulator continues (system_state 'simulator.scheduled_faults', same start, so
 * the live readings carry on from the history without a jump): PT-202, found in the history by its
 * unit's model (residual CUSUM against the seven other Boiler House instruments), with the drift rate
 * the calibration interval prediction uses.
 */
export function demoDrifts(toMs: number): ScheduledFault[] {
  return [{ tag: 'PT-202', spec: { kind: 'drift', ratePctPerDay: 6 }, startMs: toMs - 11 * HOUR }];
}

/** Every fault of the history (the timeline above), on instruments the plant has. */
export function demoEpisodes(
  instruments: readonly { tag: string }[],
  fromMs: number,
  toMs: number,
): ScheduledFault[] {
  const all: ScheduledFault[] = [
    { tag: 'TT-203', spec: { kind: 'stuck', durationSeconds: 3 * 3600 }, startMs: toMs - 6.5 * DAY },
    {
      tag: 'LT-402',
      spec: { kind: 'out_of_range', direction: 'low', durationSeconds: 40 * 60 },
      startMs: toMs - 6 * DAY,
    },
    { tag: 'FT-302', spec: { kind: 'dropout', durationSeconds: 2 * 3600 }, startMs: toMs - 5.5 * DAY },
    {
      tag: 'LT-201',
      spec: { kind: 'oscillation', periodSeconds: 120, amplitudePct: 3, durationSeconds: 16 * 60 },
      startMs: Math.floor((toMs - HOUR) / HOUR) * HOUR + 10 * MINUTE,
    },
    ...demoDrifts(toMs),
  ];
  return all.filter((f) => f.startMs > fromMs && instruments.some((i) => i.tag === f.tag));
}

/**
 * Clean ranges [start, end) of the units' reference baseline, less every episode of the unit's
 * instruments that falls in it (with half an hour either side).
 */
export function unitBaselineRanges(
  t: DemoTimeline,
  unitTags: readonly string[],
  episodes: readonly ScheduledFault[],
): [number, number][] {
  const margin = 30 * MINUTE;
  let ranges: [number, number][] = [[t.unitBaselineFrom, t.unitBaselineEnd]];
  for (const f of episodes) {
    if (!unitTags.includes(f.tag)) continue;
    const cutFrom = f.startMs - margin;
    const cutTo = f.startMs + (f.spec.durationSeconds ?? Number.POSITIVE_INFINITY) * 1000 + margin;
    ranges = ranges.flatMap(([s, e]): [number, number][] =>
      cutTo <= s || cutFrom >= e
        ? [[s, e]]
        : (
            [
              [s, Math.min(e, cutFrom)],
              [Math.max(s, cutTo), e],
            ] as [number, number][]
          ).filter(([a, b]) => b > a),
    );
  }
  return ranges;
}
