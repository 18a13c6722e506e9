import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { storageFault } from '../db/storage-faults.ts';
import { TooManyRequestsError } from '../shared/errors.ts';

/**
 * Limits login attempts per employee number and per client address in a fixed window, in the
 * database (table login_throttle): the counters survive a restart and hold across processes.
 *
 * An attempt is counted before the password is checked (one atomic upsert per key), so a burst
 * of concurrent guesses cannot all slip in under the limit. A successful login clears its
 * employee number and gives its attempt back to the address. The employee number must be passed
 * normalised exactly as the user lookup matches it (normalizeEmployeeNumber).
 */
export class LoginThrottle {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  private keys(employeeNumber: string, address: string) {
    // Addresses get more room than accounts: a shared tablet or NAT serves a whole crew.
    return [
      { key: `emp:${employeeNumber}`, limit: this.maxFailures },
      { key: `ip:${address}`, limit: this.maxFailures * 4 },
    ];
  }

  /** Counts an attempt; throws 429 when the employee number or the address is over its limit. */
  async attempt(employeeNumber: string, address: string, now: Date): Promise<void> {
    const at = now.toISOString();
    const expired = new Date(now.getTime() - this.windowMs).toISOString();
    for (const { key, limit } of this.keys(employeeNumber, address)) {
      const row = await tolerateStorageFault(() =>
        this.db
          .insertInto('login_throttle')
          .values({ key, window_start: at, attempts: 1, updated_at: at })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              attempts: sql`case when login_throttle.window_start <= ${expired} then 1 else login_throttle.attempts + 1 end`,
              window_start: sql`case when login_throttle.window_start <= ${expired} then excluded.window_start else login_throttle.window_start end`,
              updated_at: at,
            }),
          )
          .returning(['attempts', 'window_start'])
          .executeTakeFirstOrThrow(),
      );
      if (row && row.attempts > limit) {
        const retry = Math.max(
          1,
          Math.ceil((Date.parse(row.window_start) + this.windowMs - now.getTime()) / 1000),
        );
        throw new TooManyRequestsError(`too many failed logins; try again in ${retry} s`, retry);
      }
    }
  }

  /** After a successful login: the account starts afresh, the address gets its attempt back. */
  async succeeded(employeeNumber: string, address: string, now: Date): Promise<void> {
    const [emp, ip] = this.keys(employeeNumber, address);
    const at = now.toISOString();
    const expired = new Date(now.getTime() - this.windowMs).toISOString();
    await tolerateStorageFault(async () => {
      await this.db.deleteFrom('login_throttle').where('key', '=', emp.key).execute();
      await this.db
        .updateTable('login_throttle')
        .set({ attempts: sql`attempts - 1`, updated_at: at })
        .where('key', '=', ip.key)
        .where('attempts', '>', 0)
        .execute();
      // Forget windows that ended long ago, so the table stays the size of current activity.
      await this.db.deleteFrom('login_throttle').where('window_start', '<=', expired).execute();
    });
  }
}

/**
 * A database that refuses writes (full disk, read-only file) must not lock everyone out: the
 * attempt goes uncounted (the refusal is logged and shown in /health by the database layer).
 */
async function tolerateStorageFault<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (storageFault(e)) return null;
    throw e;
  }
}
