import { describe, expect, it } from 'vitest';
import { checkGaps, DataGapMonitor, type LastSeen, SourceGapClock } from './data-gap.ts';

describe('checkGaps', () => {
  const seen = (lastTs: number, publishIntervalSeconds = 10): LastSeen => ({
    lastTs,
    publishIntervalSeconds,
  });

  it('raises only once now - lastTs exceeds 2 x the publish interval', () => {
    const lastSeen = new Map([['PT-101', seen(0)]]);
    expect(checkGaps(20_000, lastSeen, new Set()).events).toEqual([]);
    const { open, events } = checkGaps(20_001, lastSeen, new Set());
    expect([...open]).toEqual(['PT-101']);
    expect(events).toHaveLength(1);
    expect(events[0].id).toBe('PT-101');
    expect(events[0].event).toMatchObject({
      kind: 'raise',
      alertType: 'data_gap',
      condition: 'data_gap',
      severity: 'warning',
      ts: 20_001,
      details: { last_seen_ts: 0, publish_interval_seconds: 10 },
    });
    expect(events[0].event.message).toBe('PT-101 no data for 20 s (expected every 10 s)');
  });

  it('does not raise again for an open gap', () => {
    const lastSeen = new Map([['PT-101', seen(0)]]);
    expect(checkGaps(600_000, lastSeen, new Set(['PT-101'])).events).toEqual([]);
  });

  it('clears an open gap once a fresh reading is seen, timestamped at that reading', () => {
    const lastSeen = new Map([['PT-101', seen(25_000)]]);
    const { open, events } = checkGaps(30_000, lastSeen, new Set(['PT-101']));
    expect(open.size).toBe(0);
    expect(events.map((e) => [e.event.kind, e.event.ts])).toEqual([['clear', 25_000]]);
  });

  it('uses each instrument its own publish interval', () => {
    const lastSeen = new Map([
      ['fast', seen(0, 1)],
      ['slow', seen(0, 60)],
    ]);
    expect(checkGaps(5_000, lastSeen, new Set()).events.map((e) => e.id)).toEqual(['fast']);
  });

  it('clears gaps of instruments no longer monitored and leaves its inputs untouched', () => {
    const lastSeen = new Map<string, LastSeen>();
    const open = new Set(['gone']);
    const out = checkGaps(1000, lastSeen, open);
    expect(out.events.map((e) => [e.id, e.event.kind])).toEqual([['gone', 'clear']]);
    expect([...open]).toEqual(['gone']);
  });
});

describe('DataGapMonitor', () => {
  it('raises on a clock tick and clears at the next reading', () => {
    const m = new DataGapMonitor();
    m.recordReading('FT-301', 0, 5);
    expect(m.check(10_000)).toEqual([]);
    const raised = m.check(10_001);
    expect(raised.map((e) => e.event.kind)).toEqual(['raise']);
    expect(m.check(50_000)).toEqual([]); // once per gap
    expect(m.openGaps()).toEqual(['FT-301']);
    const cleared = m.recordReading('FT-301', 60_000, 5);
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ kind: 'clear', ts: 60_000, condition: 'data_gap' });
    expect(m.openGaps()).toEqual([]);
    expect(m.check(61_000)).toEqual([]);
  });

  it('a redelivered older reading neither clears the gap nor moves lastTs back', () => {
    const m = new DataGapMonitor();
    m.recordReading('A', 100_000, 5);
    m.check(200_000);
    expect(m.recordReading('A', 50_000, 5)).toEqual([]);
    expect(m.openGaps()).toEqual(['A']);
    expect(m.toJSON().lastSeen).toEqual([['A', { lastTs: 100_000, publishIntervalSeconds: 5 }]]);
  });

  it('round-trips through JSON without re-raising open gaps', () => {
    const m = new DataGapMonitor();
    m.recordReading('A', 0, 1);
    m.recordReading('B', 0, 100);
    m.check(10_000);
    const restored = DataGapMonitor.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(restored.openGaps()).toEqual(['A']);
    expect(restored.check(20_000)).toEqual([]);
    expect(restored.check(300_000).map((e) => e.id)).toEqual(['B']);
  });

  it('forget() stops monitoring and clears an open gap on the next check', () => {
    const m = new DataGapMonitor<number>();
    m.recordReading(7, 0, 1);
    m.check(5000);
    m.forget(7);
    expect(m.check(6000).map((e) => [e.id, e.event.kind])).toEqual([[7, 'clear']]);
    expect(m.openGaps()).toEqual([]);
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
