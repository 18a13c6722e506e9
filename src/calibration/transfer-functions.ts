// Transfer functions of a transmitter whose input and output differ: the output (in the
// instrument's unit and range) expected for an applied input. Pure, shared with the web modal.
//   linear  output = out_min + (x - in_min) / in_span * out_span
//   sqrt    output = out_min + sqrt((x - in_min) / in_span) * out_span  (flow from differential pressure)
//   pt100   output = temperature in degC for a resistance in ohm (IEC 60751 Callendar-Van Dusen)
//   type_k  output = temperature in degC for an EMF in mV (NIST ITS-90 type K reference function)

export type TransferFunction =
  | { kind: 'linear' | 'sqrt'; input_min: number; input_max: number; input_unit: string }
  | { kind: 'pt100' }
  | { kind: 'type_k' };

export type TransferKind = TransferFunction['kind'];

interface OutputRange {
  range_min: number;
  range_max: number;
}

// IEC 60751 coefficients for platinum, alpha = 0.00385.
const R0 = 100;
const CVD_A = 3.9083e-3;
const CVD_B = -5.775e-7;
const CVD_C = -4.183e-12;

/** Pt100 resistance (ohm) at a temperature (degC), valid -200 to 850 degC. */
export function pt100Resistance(t: number): number {
  const c = t < 0 ? CVD_C : 0;
  return R0 * (1 + CVD_A * t + CVD_B * t * t + c * (t - 100) * t * t * t);
}

/** Temperature (degC) of a Pt100 at a resistance (ohm): closed form above 0 degC, Newton below. */
export function pt100Temperature(r: number): number {
  if (r >= R0) return (-CVD_A + Math.sqrt(CVD_A * CVD_A - 4 * CVD_B * (1 - r / R0))) / (2 * CVD_B);
  return newton(pt100Resistance, r, (r / R0 - 1) / CVD_A);
}

// NIST ITS-90 type K: E(t) in mV, t in degC (NIST Monograph 175 coefficients).
const K_NEG = [
  0, 0.39450128025e-1, 0.23622373598e-4, -0.32858906784e-6, -0.49904828777e-8, -0.67509059173e-10,
  -0.57410327428e-12, -0.31088872894e-14, -0.10451609365e-16, -0.19889266878e-19, -0.16322697486e-22,
];
const K_POS = [
  -0.17600413686e-1, 0.38921204975e-1, 0.18558770032e-4, -0.99457592874e-7, 0.31840945719e-9,
  -0.56072844889e-12, 0.56075059059e-15, -0.32020720003e-18, 0.97151147152e-22, -0.12104721275e-25,
];
const K_A0 = 0.1185976;
const K_A1 = -0.1183432e-3;
const K_A2 = 126.9686;

const poly = (c: readonly number[], x: number) => c.reduceRight((acc, k) => acc * x + k, 0);

/** Type K thermocouple EMF (mV) at a temperature (degC), reference junction at 0 degC; -270 to 1372 degC. */
export function typeKEmf(t: number): number {
  if (t < 0) return poly(K_NEG, t);
  return poly(K_POS, t) + K_A0 * Math.exp(K_A1 * (t - K_A2) ** 2);
}

/** Temperature (degC) for a type K EMF (mV): the reference function inverted by Newton's method. */
export function typeKTemperature(mv: number): number {
  return newton(typeKEmf, mv, mv / 0.0405);
}

/** Solves f(t) = y for t; the functions here are smooth and monotonic over their ranges. */
function newton(f: (t: number) => number, y: number, t0: number): number {
  let t = t0;
  for (let i = 0; i < 60; i++) {
    const h = 1e-4;
    const slope = (f(t + h) - f(t - h)) / (2 * h);
    const step = (f(t) - y) / slope;
    t -= step;
    if (Math.abs(step) < 1e-10) break;
  }
  return t;
}

/** The output expected for an applied input. */
export function expectedOutput(tf: TransferFunction, input: number, out: OutputRange): number {
  const outSpan = out.range_max - out.range_min;
  switch (tf.kind) {
    case 'linear':
      return out.range_min + ((input - tf.input_min) / (tf.input_max - tf.input_min)) * outSpan;
    case 'sqrt': {
      // Below zero differential pressure a square-root extractor reads zero flow.
      const frac = Math.max(0, (input - tf.input_min) / (tf.input_max - tf.input_min));
      return out.range_min + Math.sqrt(frac) * outSpan;
    }
    case 'pt100':
      return pt100Temperature(input);
    case 'type_k':
      return typeKTemperature(input);
  }
}

/** The input to apply for a test point at `pct` % of the output span. */
export function inputForOutputPct(tf: TransferFunction, pct: number, out: OutputRange): number {
  const t = out.range_min + (pct / 100) * (out.range_max - out.range_min);
  switch (tf.kind) {
    case 'linear':
      return tf.input_min + (pct / 100) * (tf.input_max - tf.input_min);
    case 'sqrt':
      return tf.input_min + (pct / 100) ** 2 * (tf.input_max - tf.input_min);
    case 'pt100':
      return pt100Resistance(t);
    case 'type_k':
      return typeKEmf(t);
  }
}

/** The input's unit: ohm for Pt100, mV for type K, as declared for linear and square root. */
export function inputUnit(tf: TransferFunction): string {
  if (tf.kind === 'pt100') return 'ohm';
  if (tf.kind === 'type_k') return 'mV';
  return tf.input_unit;
}

/** The input's span, for judging how far an applied input is from its nominal test point. */
export function inputSpan(tf: TransferFunction, out: OutputRange): number {
  return Math.abs(inputForOutputPct(tf, 100, out) - inputForOutputPct(tf, 0, out));
}

/**
 * d(output)/d(input) at an input: carries an uncertainty of the applied input into the output
 * (u_out = |slope| x u_in). Infinite at zero differential pressure for a square root.
 */
export function outputSlope(tf: TransferFunction, input: number, out: OutputRange): number {
  const h = Math.max(1e-6, inputSpan(tf, out) * 1e-5);
  if (tf.kind === 'sqrt' && input - h < tf.input_min) {
    const up = (expectedOutput(tf, input + h, out) - expectedOutput(tf, input, out)) / h;
    return up;
  }
  return (expectedOutput(tf, input + h, out) - expectedOutput(tf, input - h, out)) / (2 * h);
}
