// Fault specifications: the types, and the one validator shared by the CLI and the admin API
// (POST /api/simulator/faults with body { tag, kind, ...params }).
import { InvalidFaultError } from './errors.ts';

interface FaultTiming {
  /** The fault clears itself after this long; without it, it lasts until cleared. */
  durationSeconds?: number;
}

/** Calibration drift growing linearly from the start. Give exactly one of the two rates. */
export interface DriftFault extends FaultTiming {
  kind: 'drift';
  /** % of span per day (signed). */
  ratePctPerDay?: number;
  /** Engineering units per day (signed). */
  ratePerDay?: number;
}

/** A step offset (zero shift). Give exactly one of the two. */
export interface BiasFault extends FaultTiming {
  kind: 'bias';
  /** Engineering units (signed). */
  offset?: number;
  /** % of span (signed). */
  offsetPct?: number;
}

/** Frozen output (plugged impulse line, hung transmitter): no noise, no process movement. */
export interface StuckFault extends FaultTiming {
  kind: 'stuck';
  /** Freeze at this value; by default at the value shown when the fault starts. */
  value?: number;
}

/** Single-reading spikes (EMI, loose terminal). At most one of magnitude / magnitudePct. */
export interface SpikeFault extends FaultTiming {
  kind: 'spike';
  /** Engineering units (signed); default 30 % of span towards the side with more room. */
  magnitude?: number;
  magnitudePct?: number;
  /** Repeat a spike every this many seconds; without it a single spike. */
  intervalSeconds?: number;
}

/** Loop current outside the valid window (sensor burn-out, open loop, NAMUR NE43 failure). */
export interface OutOfRangeFault extends FaultTiming {
  kind: 'out_of_range';
  /** Default 'high' (upscale burn-out). */
  direction?: 'low' | 'high';
  /** Loop current to show; default 3.5 mA (low) or 22 mA (high). Must be outside 3.8–20.5 mA. */
  mA?: number;
}

/** No readings at all (transmitter power loss, network outage). */
export interface DropoutFault extends FaultTiming {
  kind: 'dropout';
}

/** A sustained sinusoid on top of the process (control-loop hunting, sticky valve). */
export interface OscillationFault extends FaultTiming {
  kind: 'oscillation';
  periodSeconds: number;
  /** Engineering units; default 5 % of span. At most one of amplitude / amplitudePct. */
  amplitude?: number;
  amplitudePct?: number;
}

export type FaultSpec =
  | DriftFault
  | BiasFault
  | StuckFault
  | SpikeFault
  | OutOfRangeFault
  | DropoutFault
  | OscillationFault;

export type FaultKind = FaultSpec['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'drift',
  'bias',
  'stuck',
  'spike',
  'out_of_range',
  'dropout',
  'oscillation',
];

/** Parameters each kind accepts (besides kind and durationSeconds); used to reject typos. */
export const PARAMS: Record<FaultKind, readonly string[]> = {
  drift: ['ratePctPerDay', 'ratePerDay'],
  bias: ['offset', 'offsetPct'],
  stuck: ['value'],
  spike: ['magnitude', 'magnitudePct', 'intervalSeconds'],
  out_of_range: ['direction', 'mA'],
  dropout: [],
  oscillation: ['periodSeconds', 'amplitude', 'amplitudePct'],
};

/** Valid loop current window (NAMUR NE43); an out_of_range fault must land outside it. */
export const VALID_MA_LOW = 3.8;
export const VALID_MA_HIGH = 20.5;

type Body = Record<string, unknown>;

function num(
  body: Body,
  field: string,
  opts: { required?: boolean; positive?: boolean } = {},
): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (opts.required) throw new InvalidFaultError(field, 'is required');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new InvalidFaultError(field, 'must be a finite number');
  if (opts.positive && v <= 0) throw new InvalidFaultError(field, 'must be greater than 0');
  return v;
}

/** Exactly one (or, with optional, at most one) of two alternative fields. */
function oneOf<A extends string, B extends string>(
  body: Body,
  a: A,
  b: B,
  optional = false,
): Partial<Record<A | B, number>> {
  const va = num(body, a);
  const vb = num(body, b);
  if (va !== undefined && vb !== undefined)
    throw new InvalidFaultError(a, `give either ${a} or ${b}, not both`);
  if (va !== undefined) return { [a]: va } as Partial<Record<A | B, number>>;
  if (vb !== undefined) return { [b]: vb } as Partial<Record<A | B, number>>;
  if (optional) return {};
  throw new InvalidFaultError(a, `one of ${a} or ${b} is required`);
}

/**
 * Validates an untrusted fault description and returns a clean, typed copy (only known fields).
 * A `tag` field is ignored so an API body can be passed as is; any other unknown field is an error,
 * which catches typos such as ratePctPerday that would otherwise silently fall back to defaults.
 */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidFaultError('body', 'must be an object with a kind');
  }
  const body = input as Body;
  const kind = body.kind;
  if (typeof kind !== 'string' || !FAULT_KINDS.includes(kind as FaultKind)) {
    throw new InvalidFaultError('kind', `must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const k = kind as FaultKind;
  const allowed = new Set(['kind', 'tag', 'durationSeconds', ...PARAMS[k]]);
  for (const field of Object.keys(body)) {
    if (!allowed.has(field)) {
      const accepted = ['durationSeconds', ...PARAMS[k]].join(', ');
      throw new InvalidFaultError(field, `is not a parameter of ${k} (accepted: ${accepted})`);
    }
  }
  const durationSeconds = num(body, 'durationSeconds', { positive: true });
  const timing = durationSeconds === undefined ? {} : { durationSeconds };

  switch (k) {
    case 'drift':
      return { kind: k, ...oneOf(body, 'ratePctPerDay', 'ratePerDay'), ...timing };
    case 'bias':
      return { kind: k, ...oneOf(body, 'offset', 'offsetPct'), ...timing };
    case 'stuck': {
      const value = num(body, 'value');
      return { kind: k, ...(value === undefined ? {} : { value }), ...timing };
    }
    case 'spike': {
      const intervalSeconds = num(body, 'intervalSeconds', { positive: true });
      const magnitude = oneOf(body, 'magnitude', 'magnitudePct', true);
      for (const [field, v] of Object.entries(magnitude)) {
        if (v === 0 || v === undefined) throw new InvalidFaultError(field, 'must not be 0');
      }
      return {
        kind: k,
        ...magnitude,
        ...(intervalSeconds === undefined ? {} : { intervalSeconds }),
        ...timing,
      };
    }
    case 'out_of_range':
      return { kind: k, ...parseOutOfRange(body), ...timing };
    case 'dropout':
      return { kind: k, ...timing };
    case 'oscillation': {
      const periodSeconds = num(body, 'periodSeconds', { required: true, positive: true }) as number;
      const amplitude = oneOf(body, 'amplitude', 'amplitudePct', true);
      for (const [field, v] of Object.entries(amplitude)) {
        if (v === undefined || v <= 0) throw new InvalidFaultError(field, 'must be greater than 0');
      }
      return { kind: k, periodSeconds, ...amplitude, ...timing };
    }
  }
}

function parseOutOfRange(body: Body): Omit<OutOfRangeFault, 'kind'> {
  const direction = body.direction;
  if (direction !== undefined && direction !== 'low' && direction !== 'high') {
    throw new InvalidFaultError('direction', "must be 'low' or 'high'");
  }
  const mA = num(body, 'mA');
  if (mA !== undefined) {
    if (mA < 0 || mA > 24) throw new InvalidFaultError('mA', 'must be between 0 and 24');
    if (mA >= VALID_MA_LOW && mA <= VALID_MA_HIGH) {
      throw new InvalidFaultError(
        'mA',
        `must be outside the valid ${VALID_MA_LOW}–${VALID_MA_HIGH} mA window`,
      );
    }
    const side = mA < VALID_MA_LOW ? 'low' : 'high';
    if (direction !== undefined && direction !== side) {
      throw new InvalidFaultError('direction', `${mA} mA is a ${side} failure, not ${direction}`);
    }
  }
  return {
    ...(direction === undefined ? {} : { direction }),
    ...(mA === undefined ? {} : { mA }),
  };
}

/** An admin API body `{ tag, kind, ...params }` split into the tag and the validated spec. */
export function parseFaultRequest(input: unknown): { tag: string; spec: FaultSpec } {
  const spec = parseFaultSpec(input);
  const tag = (input as Body).tag;
  if (typeof tag !== 'string' || tag.trim() === '') throw new InvalidFaultError('tag', 'is required');
  return { tag: tag.trim(), spec };
}

/** The parameters of a spec without its kind, for status listings. */
export function faultParams(spec: FaultSpec): Record<string, unknown> {
  const { kind: _kind, ...params } = spec;
  return params;
}
