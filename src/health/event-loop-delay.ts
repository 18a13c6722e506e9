// How late the event loop runs its callbacks (perf_hooks.monitorEventLoopDelay): on the thread that
// ingests readings, every millisecond here is a millisecond added to each acknowledgement. Kept
// over a recent window (the last one to two WINDOW_MS), not since start, so a stall shows while it
// matters and fades after.

import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

const WINDOW_MS = 10_000;
const RESOLUTION_MS = 10;

export interface EventLoopDelaySnapshot {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Seconds the figures cover. */
  window_seconds: number;
}

// A sample is the time between two ticks of the monitor's RESOLUTION_MS timer: the delay is what
// exceeds that period.
const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);

export class EventLoopDelay {
  // Two monitors reset in turn, one per window: the older one always covers the last one to two
  // windows (an ELD histogram cannot be merged into another).
  private readonly monitors: { h: IntervalHistogram; since: number }[] = [0, 1].map(() => ({
    h: monitorEventLoopDelay({ resolution: RESOLUTION_MS }),
    since: performance.now(),
  }));
  private turn = 0;
  private rotation: NodeJS.Timeout | null = null;

  constructor(registry: Registry) {
    const delay = this;
    new Gauge({
      name: 'cmms_event_loop_delay_ms',
      help: `Event-loop delay of the ingesting thread over the last ${WINDOW_MS / 1000}-${(2 * WINDOW_MS) / 1000} s, in ms`,
      labelNames: ['stat'],
      registers: [registry],
      collect() {
        const s = delay.snapshot();
        this.set({ stat: 'p50' }, s.p50_ms);
        this.set({ stat: 'p99' }, s.p99_ms);
        this.set({ stat: 'max' }, s.max_ms);
      },
    });
  }

  start(): void {
    if (this.rotation) return;
    for (const m of this.monitors) {
      m.h.reset();
      m.h.enable();
      m.since = performance.now();
    }
    this.rotation = setInterval(() => this.rotate(), WINDOW_MS);
    this.rotation.unref();
  }

  stop(): void {
    if (this.rotation) clearInterval(this.rotation);
    this.rotation = null;
    for (const m of this.monitors) m.h.disable();
  }

  private rotate(): void {
    const m = this.monitors[this.turn];
    m.h.reset();
    m.since = performance.now();
    this.turn = 1 - this.turn;
  }

  /** p50, p99 and max over the recent window (one to two WINDOW_MS). */
  snapshot(): EventLoopDelaySnapshot {
    const oldest = this.monitors[0].since <= this.monitors[1].since ? this.monitors[0] : this.monitors[1];
    const { h } = oldest;
    const window_seconds = Math.round((performance.now() - oldest.since) / 1000);
    if (h.count === 0) return { p50_ms: 0, p99_ms: 0, max_ms: 0, window_seconds };
    return { p50_ms: ms(h.percentile(50)), p99_ms: ms(h.percentile(99)), max_ms: ms(h.max), window_seconds };
  }
}
