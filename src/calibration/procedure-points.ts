// The test points a calibration procedure asks for, in order, and how submitted points are matched
// to them. Pure, shared with the web modal (which presets its rows from the same list).
import type { Direction } from './point-errors.ts';
import type { ToleranceRule } from './tolerances.ts';
import { inputForOutputPct, type TransferFunction } from './transfer-functions.ts';

export type ProcedureDirection = 'up' | 'down' | 'up_down';

/** What the arithmetic needs of a procedure. */
export interface ProcedureSpec {
  test_points: number[];
  direction: ProcedureDirection;
  cycles: number;
  tolerance: ToleranceRule;
  transfer_function: TransferFunction | null;
  allow_reduced_check: boolean;
}

export interface NominalPoint {
  nominal_pct: number;
  direction: Direction;
}

/**
 * up: ascending; down: descending; up_down: ascending then back down without repeating the top
 * point (which counts as approached going up). The whole sequence repeats `cycles` times.
 */
export function procedureSequence(
  p: Pick<ProcedureSpec, 'test_points' | 'direction' | 'cycles'>,
): NominalPoint[] {
  const asc = [...p.test_points].sort((a, b) => a - b);
  const one: NominalPoint[] =
    p.direction === 'down'
      ? [...asc].reverse().map((n) => ({ nominal_pct: n, direction: 'down' }))
      : asc.map((n) => ({ nominal_pct: n, direction: 'up' }));
  if (p.direction === 'up_down') {
    for (const n of asc.slice(0, -1).reverse()) one.push({ nominal_pct: n, direction: 'down' });
  }
  const out: NominalPoint[] = [];
  for (let c = 0; c < Math.max(1, p.cycles); c++) out.push(...one);
  return out;
}

/** How far (in % of the applied quantity's span) a point may sit from its nominal value. */
export const POINT_MATCH_PCT = 2;

/** The value to apply at a nominal point: the input through the transfer function, else the output. */
export function nominalApplied(
  nominalPct: number,
  tf: TransferFunction | null,
  range: { range_min: number; range_max: number },
): number {
  if (tf) return inputForOutputPct(tf, nominalPct, range);
  return range.range_min + (nominalPct / 100) * (range.range_max - range.range_min);
}
