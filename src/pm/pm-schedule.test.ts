import { describe, expect, it } from 'vitest';
import { nextOccurrence } from './pm-plan-service.ts';

describe('PM schedule', () => {
  const from = '2026-01-01T06:00:00.000Z';
  it('steps a due plan by whole intervals to the first date after now', () => {
    expect(nextOccurrence(from, 7, new Date('2026-01-01T07:00:00Z'))).toBe('2026-01-08T06:00:00.000Z');
    expect(nextOccurrence(from, 7, new Date('2026-01-08T06:00:00Z'))).toBe('2026-01-15T06:00:00.000Z');
    expect(nextOccurrence(from, 30, new Date('2026-04-15T00:00:00Z'))).toBe('2026-05-01T06:00:00.000Z');
  });
  it('leaves a future date alone', () => {
    expect(nextOccurrence(from, 7, new Date('2025-12-31T00:00:00Z'))).toBe(from);
  });
});
