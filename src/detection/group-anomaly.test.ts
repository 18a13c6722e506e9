import { describe, expect, it } from 'vitest';
import { GROUP_ANOMALY_CONDITION, GroupAnomalyMonitor, slidingGroupRows } from './group-anomaly.ts';
import { trainPcaModel } from './pca-model.ts';
import { mulberry32, normalSampler } from './random.ts';

// A pump: flow, discharge pressure and motor current move together with the speed.
const rnd = normalSampler(mulberry32(7));
const point = (speed: number) => [
  10 * speed + 0.2 * rnd(),
  4 * speed + 0.1 * rnd(),
  2 * speed + 0.05 * rnd(),
];
const labels = { group: 'P-101', members: ['FT-1', 'PT-1', 'IT-1'] };

function trained() {
  const samples = Array.from({ length: 400 }, (_, i) => point(1 + 0.05 * Math.sin(i / 20)));
  const perMember = [0, 1, 2].map((j) => new Map(samples.map((row, b) => [b, row[j]])));
  return trainPcaModel(slidingGroupRows(perMember, 5));
}

/** Feeds one complete sample (all three members) at second `s`; returns the events. */
function feed(mon: GroupAnomalyMonitor, s: number, row: number[]) {
  return row.flatMap((v, j) => mon.update(j, { ts: s * 1000, value: v }));
}

describe('GroupAnomalyMonitor', () => {
  const model = trained();

  it('stays quiet while the group runs as trained', () => {
    const mon = new GroupAnomalyMonitor(model, labels, 5, 1000);
    const events = [];
    for (let s = 0; s < 600; s++) events.push(...feed(mon, s, point(1 + 0.05 * Math.sin(s / 20))));
    expect(events).toEqual([]);
    expect(mon.lastScore?.score).toBeLessThan(1);
  });

  it('raises at once on a large move, names the members that moved, and clears with hysteresis', () => {
    const mon = new GroupAnomalyMonitor(model, labels, 5, 1000);
    for (let s = 0; s < 20; s++) feed(mon, s, point(1));
    // The pump drops to 60 % speed: flow, pressure and current leave the trained region together.
    const raised = [];
    for (let s = 20; s < 40; s++) raised.push(...feed(mon, s, point(0.6)));
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      kind: 'raise',
      alertType: 'anomaly',
      condition: GROUP_ANOMALY_CONDITION,
    });
    // Score-weighted persistence: a score >= 3x the limit needs one window, the window mean needs a
    // couple of the 5 samples to move it: raised within the first few seconds.
    expect(raised[0].ts).toBeLessThanOrEqual(25_000);
    expect(raised[0].message).toMatch(/P-101: the group left its trained operating region .*FT-1/);
    expect(Object.keys(raised[0].details?.contributions as object)).toEqual(labels.members);
    const cleared = [];
    for (let s = 40; s < 80; s++) cleared.push(...feed(mon, s, point(1)));
    expect(cleared).toHaveLength(1);
    expect(cleared[0].kind).toBe('clear');
    // Three in-limit windows after the return (hysteresis), not the first one.
    expect(cleared[0].ts).toBeGreaterThanOrEqual(43_000);
  });

  it('needs several windows for a marginal excursion', () => {
    const mon = new GroupAnomalyMonitor(model, labels, 5, 1000, { persistence: 3 });
    for (let s = 0; s < 20; s++) feed(mon, s, point(1));
    // Find a speed whose score sits between 1 and 3 (out of limit, not by much).
    let speed = 1;
    while (
      mon.scoreWindow(
        point(speed).map((v, j) => (j === 0 ? v : v)),
        0,
      ).score < 1.3
    )
      speed += 0.01;
    const events = [];
    let first: number | null = null;
    for (let s = 20; s < 60 && first === null; s++) {
      const e = feed(mon, s, [10 * speed, 4 * speed, 2 * speed]);
      events.push(...e);
      if (e.length) first = s;
    }
    expect(first).not.toBeNull();
    // More than one window after the window mean got there.
    expect((first as number) - 20).toBeGreaterThanOrEqual(5);
  });

  it('scores a sample only when every member has it, and restarts the window after a gap', () => {
    const mon = new GroupAnomalyMonitor(model, labels, 5, 1000);
    // Member 2 is silent: nothing is scored however far out the others are.
    for (let s = 0; s < 30; s++) {
      mon.update(0, { ts: s * 1000, value: 0 });
      mon.update(1, { ts: s * 1000, value: 9 });
    }
    expect(mon.lastScore).toBeNull();
    for (let s = 100; s < 104; s++) feed(mon, s, point(1));
    expect(mon.lastScore).toBeNull(); // 4 samples: the 5-sample window is not full
    feed(mon, 104, point(1));
    expect(mon.lastScore?.at).toBe(105_000);
    // A fault-quality reading is not a sample.
    expect(mon.update(0, { ts: 105_000, value: 1e9, quality: 'fault' })).toEqual([]);
  });

  it('state round-trips through JSON', () => {
    const a = new GroupAnomalyMonitor(model, labels, 5, 1000);
    for (let s = 0; s < 10; s++) feed(a, s, point(1));
    feed(a, 10, point(0.6));
    const b = new GroupAnomalyMonitor(model, labels, 5, 1000, {}, JSON.parse(JSON.stringify(a.toJSON())));
    for (let s = 11; s < 30; s++) {
      const row = point(0.6);
      expect(feed(b, s, row)).toEqual(feed(a, s, row));
    }
    expect(b.active).toBe(true);
  });
});
