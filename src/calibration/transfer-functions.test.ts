import { describe, expect, it } from 'vitest';
import {
  expectedOutput,
  inputForOutputPct,
  outputSlope,
  pt100Resistance,
  pt100Temperature,
  typeKEmf,
  typeKTemperature,
} from './transfer-functions.ts';

describe('transfer functions against published values', () => {
  it('Pt100 (IEC 60751): 100.00 ohm at 0 degC, 138.51 at 100, 175.86 at 200, 18.52 at -200, and back', () => {
    expect(pt100Resistance(0)).toBeCloseTo(100, 6);
    expect(pt100Resistance(100)).toBeCloseTo(138.5055, 4);
    expect(pt100Resistance(200)).toBeCloseTo(175.856, 3);
    expect(pt100Resistance(-100)).toBeCloseTo(60.256, 3);
    expect(pt100Resistance(-200)).toBeCloseTo(18.52, 2);
    for (const t of [-200, -50, 0, 25.5, 100, 400, 850])
      expect(pt100Temperature(pt100Resistance(t))).toBeCloseTo(t, 6);
    expect(pt100Temperature(138.51)).toBeCloseTo(100.01, 2);
  });

  it('type K (NIST ITS-90): 4.096 mV at 100 degC, 41.276 at 1000, -3.554 at -100, and back', () => {
    expect(typeKEmf(0)).toBeCloseTo(0, 6);
    expect(typeKEmf(100)).toBeCloseTo(4.096, 3);
    expect(typeKEmf(500)).toBeCloseTo(20.644, 3);
    expect(typeKEmf(1000)).toBeCloseTo(41.276, 3);
    expect(typeKEmf(-100)).toBeCloseTo(-3.554, 3);
    for (const t of [-200, -20, 0, 100, 750, 1300]) expect(typeKTemperature(typeKEmf(t))).toBeCloseTo(t, 6);
  });

  it('square root: 25 % DP gives 50 % flow; 50 % flow needs 25 % DP; linear maps span to span', () => {
    const sqrt = { kind: 'sqrt' as const, input_min: 0, input_max: 250, input_unit: 'mbar' };
    const flow = { range_min: 0, range_max: 120 };
    expect(expectedOutput(sqrt, 62.5, flow)).toBeCloseTo(60, 9);
    expect(expectedOutput(sqrt, 0, flow)).toBe(0);
    expect(expectedOutput(sqrt, -1, flow)).toBe(0);
    expect(inputForOutputPct(sqrt, 50, flow)).toBeCloseTo(62.5, 9);
    // Near full scale the slope is out_span / (2 in_span) x sqrt(in_span / x).
    expect(outputSlope(sqrt, 250, flow)).toBeCloseTo(120 / 500, 3);
    const lin = { kind: 'linear' as const, input_min: 4, input_max: 20, input_unit: 'mA' };
    expect(expectedOutput(lin, 12, { range_min: -1, range_max: 9 })).toBeCloseTo(4, 9);
    expect(inputForOutputPct(lin, 25, { range_min: -1, range_max: 9 })).toBe(8);
    // Pt100 at 0 degC (100 ohm): dR/dT = R0 x A = 0.39083 ohm/degC, so 1 ohm is 2.5587 degC.
    expect(outputSlope({ kind: 'pt100' }, 100, { range_min: 0, range_max: 200 })).toBeCloseTo(1 / 0.39083, 3);
  });
});
