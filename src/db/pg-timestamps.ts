// PostgreSQL sends timestamps as text ("2026-03-01 08:15:30.123456+00"); the rows carry ISO 8601
// UTC strings with milliseconds, as on SQLite. `new Date(text).toISOString()` takes the slow,
// legacy parse (about 1 µs a value, several ms for a page of 2,000 rows), so the common shape, a
// UTC value with a four-digit year, is rewritten as text; anything else (another session time
// zone, infinity, BC, year 10000+) still goes through Date.

/** timestamptz text -> ISO 8601 UTC, truncated to milliseconds as Date does. */
export function timestamptzToIso(v: string): string {
  const n = v.length;
  if (n >= 22 && v.endsWith('+00') && v.charCodeAt(10) === 32 && v.charCodeAt(4) === 45) {
    return withMillis(v, n - 3) ?? new Date(v).toISOString();
  }
  return new Date(v).toISOString();
}

/** timestamp (without time zone, stored as UTC) text -> ISO 8601 UTC. */
export function timestampToIso(v: string): string {
  if (v.length >= 19 && v.charCodeAt(10) === 32 && v.charCodeAt(4) === 45) {
    return withMillis(v, v.length) ?? new Date(`${v}Z`).toISOString();
  }
  return new Date(`${v}Z`).toISOString();
}

/** "YYYY-MM-DD HH:MM:SS[.f...]" ending at `end` -> "YYYY-MM-DDTHH:MM:SS.fffZ"; null for another shape. */
function withMillis(v: string, end: number): string | null {
  if (end === 19) return `${v.slice(0, 10)}T${v.slice(11, 19)}.000Z`;
  if (v.charCodeAt(19) !== 46 || end < 21) return null;
  const frac = v.slice(20, end);
  for (let i = 0; i < frac.length; i++) {
    const c = frac.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return `${v.slice(0, 10)}T${v.slice(11, 19)}.${`${frac}00`.slice(0, 3)}Z`;
}
