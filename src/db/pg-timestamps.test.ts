import { describe, expect, it } from 'vitest';
import { timestampToIso, timestamptzToIso } from './pg-timestamps.ts';

// The fast path must give exactly what Date gives (truncated milliseconds included) for every
// shape PostgreSQL sends, and fall back for the rest.
describe('PostgreSQL timestamp text to ISO 8601', () => {
  const values: string[] = [];
  for (let i = 0; i < 500; i++) {
    const iso = new Date(Date.UTC(1990, 0, 1) + i * 98_765_432_123).toISOString();
    const [date, rest] = iso.slice(0, -1).split('T');
    const [time, ms] = rest.split('.');
    for (const frac of ['', `.${ms}`, `.${ms}456`, `.${ms.slice(0, 1)}`, `.${ms.slice(0, 2)}`])
      values.push(`${date} ${time}${frac}`);
  }

  it('timestamptz in UTC, with 0 to 6 fraction digits', () => {
    for (const v of values) expect(timestamptzToIso(`${v}+00`), v).toBe(new Date(`${v}+00`).toISOString());
  });

  it('timestamp without time zone, read as UTC', () => {
    for (const v of values) expect(timestampToIso(v), v).toBe(new Date(`${v}Z`).toISOString());
  });

  it('other session time zones and shapes go through Date', () => {
    expect(timestamptzToIso('2026-03-01 10:15:30.5+02')).toBe('2026-03-01T08:15:30.500Z');
    expect(timestamptzToIso('2026-03-01 10:15:30+05:30')).toBe('2026-03-01T04:45:30.000Z');
    expect(timestamptzToIso('2026-03-01 00:15:30-01')).toBe('2026-03-01T01:15:30.000Z');
  });
});
