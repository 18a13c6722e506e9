// What the polling and subscribing adapters (OPC UA, Modbus TCP) share: the supervisor that keeps
// them connected (SupervisedAdapter), the reconnect back-off, the figures behind ConnectorStatus,
// the stand-in value a bad reading carries and the ordered delivery of readings to the sink.

import type { Logger } from 'pino';
import { ReadingRate } from './rate.ts';
import type {
  AdapterArgs,
  ConnectorAdapter,
  ConnectorReading,
  ConnectorSink,
  ConnectorStatus,
} from './types.ts';

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

/** An error's message; modbus-serial rejects with plain objects ({ name, message, errno }). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const { message, name } = error as { message?: unknown; name?: unknown };
    if (typeof message === 'string' && message) return message;
    if (typeof name === 'string' && name) return name;
    return JSON.stringify(error);
  }
  return String(error);
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

/** How a SupervisedAdapter names itself and retries. */
export interface SupervisionOptions {
  /** 'opcua', 'modbus': the start of its log messages. */
  protocol: string;
  /** The peer, for the log: `{ endpoint }`, `{ host, port }`. */
  peer: Record<string, unknown>;
  /** Every mapped instrument, marked bad once when the connection is lost. */
  tags: string[];
  backoff: Backoff;
}

/**
 * The supervision an OPC UA client and a Modbus poller share. start() returns after the first
 * connection attempt (good or not); a loop then connects, runs a session until it fails, marks
 * every point bad once per outage (carrying its last good value), waits a back-off and connects
 * afresh, until stop(). A subclass says how to connect, what a session does (subscribe, poll) and
 * how to close; it reports connected() when the session is up and answered() when the peer delivered.
 */
export abstract class SupervisedAdapter<Connection> implements ConnectorAdapter {
  protected readonly stat = new AdapterStatus();
  protected readonly last = new LastValues();
  protected readonly log: Logger;
  private readonly sink: ConnectorSink;
  private readonly opts: SupervisionOptions;
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private settleStart: () => void = () => {};
  private pending: ConnectorReading[] = [];
  private draining: Promise<void> | null = null;
  /** Set once the points were delivered bad, so an outage flags them once, not every retry. */
  private markedBad = false;

  /** `args.log` already names the source (the manager's child logger). */
  protected constructor(args: Pick<AdapterArgs<unknown, unknown>, 'sink' | 'log'>, opts: SupervisionOptions) {
    this.sink = args.sink;
    this.opts = opts;
    this.log = args.log;
  }

  /** Opens a connection (one attempt) or throws an Error that says why in words. */
  protected abstract connect(): Promise<Connection>;
  /** Runs on an open connection until `signal` aborts (resolves) or the connection fails (throws). */
  protected abstract session(conn: Connection, signal: AbortSignal): Promise<void>;
  /** Closes a connection; never throws. */
  protected abstract disconnect(conn: Connection): Promise<void>;
  abstract testConnection(): Promise<string>;

  async start(): Promise<void> {
    if (this.loop) return;
    this.abort = new AbortController();
    const attempted = new Promise<void>((resolve) => {
      this.settleStart = resolve;
    });
    this.loop = this.run(this.abort.signal);
    await attempted;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = null;
    await this.draining;
    this.stat.state = 'stopped';
  }

  status(): ConnectorStatus {
    return this.stat.snapshot();
  }

  /** The session is up: status says connected (with what it still finds wrong) and start() returns. */
  protected connected(lastError: string | null = null): void {
    this.stat.state = 'connected';
    this.stat.lastError = lastError;
    this.log.info({ ...this.opts.peer, points: this.opts.tags.length }, `${this.opts.protocol} connected`);
    this.settleStart();
  }

  /** The peer delivered: the back-off starts over and the next outage flags the points again. */
  protected answered(): void {
    this.markedBad = false;
    this.opts.backoff.reset();
  }

  /**
   * Queues readings for the sink, in order; what arrives within one tick (the values of one
   * publish) goes as one batch. Resolves once these readings are committed (or refused: the error
   * is in status), so a poller that awaits it never runs ahead of the database.
   */
  protected deliver(readings: ConnectorReading[]): Promise<void> {
    this.pending.push(...readings);
    this.draining ??= this.drain();
    return this.draining;
  }

  private async drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.sink.submit(batch);
        this.stat.delivered(batch.length);
      } catch (e) {
        this.stat.lastError = `readings not stored: ${errorText(e)}`;
        this.log.error({ err: errorText(e) }, `${this.opts.protocol} readings not stored`);
      }
    }
    this.draining = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.stat.state = 'connecting';
      let conn: Connection | null = null;
      try {
        conn = await this.connect();
        await this.session(conn, signal);
      } catch (e) {
        if (signal.aborted) break;
        this.stat.failed(e);
        this.log.warn({ err: errorText(e), ...this.opts.peer }, `${this.opts.protocol} connection failed`);
        this.settleStart();
        await this.markAllBad();
      } finally {
        if (conn) await this.disconnect(conn);
      }
      if (!signal.aborted) await pause(this.opts.backoff.next(), signal);
    }
    this.settleStart();
  }

  private async markAllBad(): Promise<void> {
    if (this.markedBad || this.opts.tags.length === 0) return;
    this.markedBad = true;
    const ts = Date.now();
    await this.deliver(this.opts.tags.map((tag) => this.last.reading(tag, ts, Number.NaN, 'bad')));
  }
}
