import { TooManyRequestsError } from '../shared/errors.ts';

/**
 * Counts failed logins per employee number and per client address in a sliding window, and
 * refuses further attempts once either passes the limit. In memory: each process guards itself,
 * which is enough to make password guessing slow (documented in docs/operations.md).
 */
export class LoginThrottle {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Throws 429 when the employee number or the address has failed too often. */
  check(employeeNumber: string, address: string, now: number): void {
    for (const key of [`emp:${employeeNumber.toLowerCase()}`, `ip:${address}`]) {
      const list = this.recent(key, now);
      // Addresses get more room than accounts: a shared tablet or NAT serves a whole crew.
      const limit = key.startsWith('ip:') ? this.maxFailures * 4 : this.maxFailures;
      if (list.length >= limit) {
        const retry = Math.ceil((list[0] + this.windowMs - now) / 1000);
        throw new TooManyRequestsError(`too many failed logins; try again in ${retry} s`, retry);
      }
    }
  }

  fail(employeeNumber: string, address: string, now: number): void {
    for (const key of [`emp:${employeeNumber.toLowerCase()}`, `ip:${address}`]) {
      const list = this.recent(key, now);
      list.push(now);
      this.failures.set(key, list);
    }
  }

  succeed(employeeNumber: string): void {
    this.failures.delete(`emp:${employeeNumber.toLowerCase()}`);
  }
}
