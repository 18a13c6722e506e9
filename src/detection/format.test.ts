import { describe, expect, it } from 'vitest';
import { formatDuration, formatNumber, withUnit } from './format.ts';

describe('formatNumber', () => {
  it('keeps short numbers readable', () => {
    expect(formatNumber(9.82)).toBe('9.82');
    expect(formatNumber(9.5)).toBe('9.5');
    expect(formatNumber(9.823456)).toBe('9.823');
    expect(formatNumber(0.0123456)).toBe('0.01235');
    expect(formatNumber(1234.5678)).toBe('1234.6');
    expect(formatNumber(-3)).toBe('-3');
  });

  it('adds the unit when known', () => {
    expect(withUnit(9.82, 'bar')).toBe('9.82 bar');
    expect(withUnit(9.82)).toBe('9.82');
  });

  it('formats durations in the largest exact unit', () => {
    expect(formatDuration(900)).toBe('15 min');
    expect(formatDuration(7200)).toBe('2 h');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(150)).toBe('2.5 min');
  });
});
