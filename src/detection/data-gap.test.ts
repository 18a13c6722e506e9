import { describe, expect, it } from 'vitest';
import { isGap, type LastSeen, SourceGapClock } from './data-gap.ts';

describe('isGap', () => {
  const seen = (lastTs: number, publishIntervalSeconds = 10): LastSeen => ({
    lastTs,
    publishIntervalSeconds,
  });

  it('holds once now - lastTs exceeds 2 x the publish interval', () => {
    expect(isGap(20_000, seen(0))).toBe(false);
    expect(isGap(20_001, seen(0))).toBe(true);
  });

  it('uses each instrument its own publish interval', () => {
    expect(isGap(5_000, seen(0, 1))).toBe(true);
    expect(isGap(5_000, seen(0, 60))).toBe(false);
  });
});

describe('SourceGapClock: the storm rules', () => {
  const T = 1_000_000;
  const GRACE = 300_000;
  const THRESHOLD = 60_000;

  it('raises ONE source gap once nothing has arrived for longer than the threshold, clears at the next reading', () => {
    const c = new SourceGapClock(T, GRACE);
    c.recordReading(T + 1_000, T + 1_000, THRESHOLD);
    expect(c.check(T + 61_000, THRESHOLD)).toEqual([]); // exactly the threshold: not yet
    const raised = c.check(T + 61_001, THRESHOLD, { connected: false });
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      kind: 'raise',
      alertType: 'data_gap',
      ts: T + 61_001,
      details: { source: 'ingestion', subscriber_connected: false },
    });
    expect(raised[0].message).toMatch(/no reading from any instrument.*disconnected/);
    expect(c.check(T + 3_600_000, THRESHOLD)).toEqual([]); // once per episode
    const resumed = c.recordReading(T + 3_700_000, T + 3_700_000, THRESHOLD);
    expect(resumed.resumed).toBe(true);
    expect(resumed.events).toMatchObject([{ kind: 'clear', ts: T + 3_700_000 }]);
    expect(c.isOpen).toBe(false);
    // A new episode after the clear raises again.
    expect(c.check(T + 3_761_001, THRESHOLD)).toHaveLength(1);
  });

  it('before the first reading the source has the grace period from start-up', () => {
    const c = new SourceGapClock(T, GRACE);
    expect(c.check(T + THRESHOLD + 1, THRESHOLD)).toEqual([]);
    const raised = c.check(T + GRACE + 1, THRESHOLD);
    expect(raised).toHaveLength(1);
    expect(raised[0].message).toMatch(/since start-up/);
    expect(raised[0].details).toMatchObject({ last_seen: null });
  });

  it('follows event time: "now" is the newest reading advanced by the wall time since it arrived', () => {
    const c = new SourceGapClock(T, GRACE);
    const past = T - 86_400_000; // a replayed historian export
    c.recordReading(past, T, THRESHOLD);
    expect(c.eventNow(T + 5_000)).toBe(past + 5_000);
    // A reading stamped older than the newest does not move the clock back.
    c.recordReading(past - 10_000, T + 6_000, THRESHOLD);
    expect(c.newestTs).toBe(past);
  });

  it('a silence of the whole source inside a fast replay is raised and cleared at once, in event time', () => {
    const c = new SourceGapClock(T, GRACE);
    const h = T - 86_400_000;
    for (let s = 0; s < 10; s++) expect(c.recordReading(h + s * 1000, T, THRESHOLD).events).toEqual([]);
    const out = c.recordReading(h + 9_000 + 120_000, T, THRESHOLD);
    expect(out.resumed).toBe(true);
    expect(out.events.map((e) => [e.kind, e.ts])).toEqual([
      ['raise', h + 9_000 + THRESHOLD],
      ['clear', h + 129_000],
    ]);
    // No wall time passed: the live check sees no silence.
    expect(c.check(T, THRESHOLD)).toEqual([]);
  });

  it('an open source gap found at start is cleared by the first reading, never raised twice', () => {
    const c = new SourceGapClock(T, GRACE);
    c.restoreOpen();
    expect(c.check(T + GRACE + 1, THRESHOLD)).toEqual([]);
    expect(c.recordReading(T + 1, T + 1, THRESHOLD).events).toMatchObject([{ kind: 'clear' }]);
  });
});
