// What the polling and subscribing adapters (OPC UA, Modbus TCP) share: the reconnect back-off, the
// figures behind ConnectorStatus, and the stand-in value a bad reading carries.

import { ReadingRate } from './rate.ts';
import type { ConnectorReading, ConnectorStatus } from './types.ts';

/** Exponential back-off with jitter: initial, 2x, 4x ... up to max; reset after a good connection. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 1000,
    private readonly maxMs = 30_000,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    // +-20 % so a plant's adapters that lost one peer together do not retry in lock step.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A wait that stop() cuts short: resolves after `ms` or as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** Rejects with `message` when `promise` has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** State, last error and readings per minute of one adapter, as ConnectorStatus reports them. */
export class AdapterStatus {
  state: ConnectorStatus['state'] = 'stopped';
  lastError: string | null = null;
  private readonly rate = new ReadingRate();

  delivered(n: number): void {
    this.rate.add(n);
  }

  failed(error: unknown): void {
    this.state = 'error';
    this.lastError = errorText(error);
  }

  snapshot(): ConnectorStatus {
    return {
      state: this.state,
      lastError: this.lastError,
      lastReadingAt: this.rate.lastReadingAt(),
      readingsPerMinute: this.rate.perMinute(),
    };
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The pipeline refuses a non-finite value, but a bad reading must still reach it to flag the
 * instrument: it carries the point's last good value (0 before there is one), stamped 'bad'.
 */
export class LastValues {
  private readonly last = new Map<string, number>();

  reading(tag: string, ts: number, value: number, quality: ConnectorReading['quality']): ConnectorReading {
    if (quality !== 'bad' && Number.isFinite(value)) {
      this.last.set(tag, value);
      return { tag, ts, value, quality };
    }
    return { tag, ts, value: this.last.get(tag) ?? 0, quality: 'bad' };
  }
}
