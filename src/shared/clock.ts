/** Injected time source: live code uses the system clock, tests and replays a controllable one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string | number = Date.now()) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(t: Date | string | number): void {
    this.t = new Date(t).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const toIso = (d: Date | number): string => new Date(d).toISOString();

/**
 * Whether `at` falls before the minute that holds `ref` (both ISO). People enter times to the
 * minute, so work done in the minute a work order was opened counts as done under it.
 */
export const beforeMinuteOf = (at: string, ref: string): boolean =>
  Date.parse(at) < Math.floor(Date.parse(ref) / 60_000) * 60_000;
