// A reference standard's expanded uncertainty carried to a test point: first into the unit of the
// quantity the standard applied (the instrument's output unit, or the transfer function's input
// unit), then through the transfer function into the instrument's unit. Pure.
import { expectedOutput, outputSlope, type TransferFunction } from './transfer-functions.ts';

/** Factors to a base unit per kind of quantity; only units of one kind convert. */
const UNITS: Record<string, { kind: string; factor: number }> = {
  pa: { kind: 'pressure', factor: 1 },
  kpa: { kind: 'pressure', factor: 1e3 },
  mpa: { kind: 'pressure', factor: 1e6 },
  bar: { kind: 'pressure', factor: 1e5 },
  mbar: { kind: 'pressure', factor: 100 },
  psi: { kind: 'pressure', factor: 6894.757293168 },
  inh2o: { kind: 'pressure', factor: 249.08891 },
  mmh2o: { kind: 'pressure', factor: 9.80665 },
  // A temperature uncertainty is a difference: degC and K are the same size.
  '°c': { kind: 'temperature', factor: 1 },
  degc: { kind: 'temperature', factor: 1 },
  c: { kind: 'temperature', factor: 1 },
  k: { kind: 'temperature', factor: 1 },
  ma: { kind: 'current', factor: 1e-3 },
  a: { kind: 'current', factor: 1 },
  mv: { kind: 'voltage', factor: 1e-3 },
  v: { kind: 'voltage', factor: 1 },
  ohm: { kind: 'resistance', factor: 1 },
  Ω: { kind: 'resistance', factor: 1 },
  ω: { kind: 'resistance', factor: 1 },
};

const norm = (u: string) => u.trim().toLowerCase().replace(/\s+/g, '');

/** value in `from` expressed in `to`, or null when the units do not convert. */
export function convertUnit(value: number, from: string, to: string): number | null {
  if (norm(from) === norm(to)) return value;
  const a = UNITS[norm(from)];
  const b = UNITS[norm(to)];
  if (!a || !b || a.kind !== b.kind) return null;
  return (value * a.factor) / b.factor;
}

export interface StandardUncertainty {
  value: number;
  /** An engineering unit, or '%' for % of the applied value. */
  unit: string;
}

/**
 * The standard's expanded uncertainty at a point, in the instrument's unit, or null when it has
 * none or its unit does not convert (the caller warns).
 */
export function uncertaintyAtPoint(
  u: StandardUncertainty | null,
  applied: number,
  appliedUnit: string,
  tf: TransferFunction | null,
  range: { range_min: number; range_max: number },
): number | null {
  if (!u) return null;
  const inApplied =
    u.unit.trim() === '%' ? (Math.abs(applied) * u.value) / 100 : convertUnit(u.value, u.unit, appliedUnit);
  if (inApplied === null) return null;
  if (!tf) return inApplied;
  const slope = outputSlope(tf, applied, range);
  const out = Math.abs(slope) * inApplied;
  // At zero differential pressure the square root's slope is unbounded: no meaningful figure.
  if (!Number.isFinite(out) || !Number.isFinite(expectedOutput(tf, applied, range))) return null;
  return out;
}
