// Backfill: the same signals and faults as the live simulator, evaluated on a fixed time grid.
// A generator, so seeding a week for many instruments streams into batched inserts in flat memory.
import { InvalidFaultError, UnknownTagError } from './errors.ts';
import { type FaultSpec, parseFaultSpec } from './fault-spec.ts';
import { InstrumentFaults } from './faults.ts';
import { mixSeed } from './seeded-random.ts';
import {
  createSharedProcess,
  createSignal,
  type SharedProcess,
  type SimInstrument,
  unitSeedId,
} from './signals.ts';

/** One shared process per process unit named by the instruments (seeded by run seed and unit name). */
export function sharedProcesses(
  instruments: readonly SimInstrument[],
  seed: number,
): Map<string, SharedProcess> {
  const out = new Map<string, SharedProcess>();
  for (const i of instruments) {
    if (i.processUnit && !out.has(i.processUnit)) {
      out.set(i.processUnit, createSharedProcess(mixSeed(seed ^ 0x2545f491, unitSeedId(i.processUnit))));
    }
  }
  return out;
}

export interface HistoryReading {
  instrumentId: number;
  tag: string;
  /** Epoch ms. */
  ts: number;
  value: number;
}

/** A fault to apply from event time startMs (e.g. a drift starting two days before "now"). */
export interface ScheduledFault {
  tag: string;
  spec: FaultSpec;
  startMs: number;
}

export interface HistoryOptions {
  faults?: readonly ScheduledFault[];
}

/**
 * Yields readings at fromMs, fromMs + step, ... up to but excluding toMs (half-open, so a live
 * simulator starting at toMs does not repeat the last timestamp), time-major: every instrument's
 * reading for one instant, then the next instant. Each instrument's signal depends only on
 * (seed, instrument id), the same derivation the live Simulator uses.
 */
export function* generateHistory(
  instruments: readonly SimInstrument[],
  fromMs: number,
  toMs: number,
  stepSeconds: number,
  seed: number,
  options: HistoryOptions = {},
): Generator<HistoryReading, void, undefined> {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) {
    throw new RangeError('generateHistory: fromMs and toMs must be finite with fromMs <= toMs');
  }
  if (!Number.isFinite(stepSeconds) || stepSeconds <= 0) {
    throw new RangeError('generateHistory: stepSeconds must be a positive number');
  }
  const units = sharedProcesses(instruments, seed);
  const tracks = instruments.map((instrument) => ({
    instrument,
    signal: createSignal(
      instrument,
      mixSeed(seed, instrument.id),
      {},
      instrument.processUnit ? units.get(instrument.processUnit) : undefined,
    ),
    faults: new InstrumentFaults(instrument),
  }));
  for (const f of options.faults ?? []) {
    const track = tracks.find((t) => t.instrument.tag === f.tag);
    if (!track) throw new UnknownTagError(f.tag);
    if (!Number.isFinite(f.startMs)) throw new InvalidFaultError('startMs', 'must be a finite epoch ms');
    track.faults.add(parseFaultSpec(f.spec), f.startMs);
  }
  const stepMs = stepSeconds * 1000;
  // Multiply instead of accumulating so long runs do not collect floating-point error.
  for (let k = 0; ; k++) {
    const ts = Math.round(fromMs + k * stepMs);
    if (ts >= toMs) return;
    for (const t of tracks) {
      const value = t.faults.apply(t.signal.next(ts), ts);
      if (value !== null) yield { instrumentId: t.instrument.id, tag: t.instrument.tag, ts, value };
    }
  }
}
