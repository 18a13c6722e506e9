// Leases on periodic duties (the maintenance scans, the alarm scan, downsampling and retention), so
// that with several processes on one PostgreSQL each duty runs in exactly one process at a time,
// and moves to a survivor when its holder dies (docs/scaling.md).
//
// A lease is a row of `leases` (migration 0022) held until `expires_at`, in database time so the
// processes' clocks never matter. One guarded upsert takes a free or expired lease, or renews our
// own; the holder renews every lease it holds every third of LEASE_TTL_SECONDS and tries to take
// the ones it wants but does not hold, so a dead holder's duty resumes within about the TTL. On
// SQLite there is one process, which always holds every lease.
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.ts';

export interface LeaseDeps {
  db: Kysely<DB>;
  dialect: 'sqlite' | 'postgres';
  log: Logger;
  /** PROCESS_NAME (or host-pid). */
  processName: string;
  ttlSeconds: number;
}

export interface LeaseHealth {
  holder: string;
  held: string[];
  wanted: string[];
}

export class Leases {
  /** This instance's holder id: the process name plus a random part (two apps in one test process differ). */
  readonly holder: string;
  private readonly held = new Set<string>();
  /** Duties this process runs when it holds them, and what to do on taking one over. */
  private readonly wanted = new Map<string, () => void>();
  /** Duties whose first run has asked for the lease: only those does the heartbeat take over. */
  private readonly armed = new Set<string>();
  /** One lease query at a time per name, so "did we just take it?" is answered once. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private beat: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: LeaseDeps) {
    this.holder = `${deps.processName}#${randomBytes(3).toString('hex')}`;
  }

  /**
   * Declares a duty this process runs when it holds its lease; `onTakeover` runs when the heartbeat
   * takes the lease over (a holder died or left), so the duty resumes at once, not at its next tick.
   */
  want(name: string, onTakeover: () => void = () => {}): void {
    this.wanted.set(name, onTakeover);
  }

  /** Starts the heartbeat that renews held leases and takes over expired ones. */
  start(): void {
    if (this.deps.dialect !== 'postgres' || this.timer) return;
    const everyMs = (this.deps.ttlSeconds * 1000) / 3;
    this.timer = setInterval(() => {
      this.beat ??= this.heartbeat().finally(() => {
        this.beat = null;
      });
    }, everyMs);
    this.timer.unref();
  }

  /** Stops renewing and hands every held lease back, so a survivor takes over without waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beat;
    if (this.deps.dialect !== 'postgres' || this.held.size === 0) return;
    try {
      await this.deps.db
        .deleteFrom('leases')
        .where('holder', '=', this.holder)
        .where('name', 'in', [...this.held])
        .execute();
    } catch (err) {
      this.deps.log.warn({ err }, 'could not release leases; they expire on their own');
    }
    this.held.clear();
  }

  holds(name: string): boolean {
    return this.deps.dialect !== 'postgres' || this.held.has(name);
  }

  /**
   * Runs `fn` if this process holds (or can take) the lease `name`; otherwise returns null, because
   * another live process runs this duty.
   */
  async runExclusive<T>(name: string, fn: () => Promise<T>): Promise<T | null> {
    if (this.stopped) return null;
    const got = await this.acquire(name);
    this.armed.add(name);
    if (got === 'none') return null;
    return fn();
  }

  health(): LeaseHealth {
    return {
      holder: this.holder,
      held: this.deps.dialect === 'postgres' ? [...this.held].sort() : [...this.wanted.keys()].sort(),
      wanted: [...this.wanted.keys()].sort(),
    };
  }

  /** Hands leases back at once (a survivor or a newcomer takes them without waiting for expiry). */
  async release(names: readonly string[]): Promise<void> {
    if (this.deps.dialect !== 'postgres' || names.length === 0) return;
    await this.deps.db
      .deleteFrom('leases')
      .where('holder', '=', this.holder)
      .where('name', 'in', names)
      .execute();
    for (const n of names) this.held.delete(n);
  }

  /** How many unexpired leases have names starting with `prefix` (1 on SQLite: one process). */
  async countHeld(prefix: string): Promise<number> {
    if (this.deps.dialect !== 'postgres') return 1;
    const row = await sql<{ n: string | number }>`
      select count(*) as n from leases where name like ${`${prefix}%`} and expires_at > now()`.execute(
      this.deps.db,
    );
    return Number(row.rows[0]?.n ?? 0);
  }

  /** Deletes leases under `prefix` that expired over an hour ago (per-process names pile up otherwise). */
  async purgeExpired(prefix: string): Promise<void> {
    if (this.deps.dialect !== 'postgres') return;
    await sql`delete from leases where name like ${`${prefix}%`} and expires_at < now() - interval '1 hour'`.execute(
      this.deps.db,
    );
  }

  /** Takes a free or expired lease ('taken'), renews our own ('renewed'), or finds another holder's. */
  acquire(name: string): Promise<'taken' | 'renewed' | 'none'> {
    const run = (this.chains.get(name) ?? Promise.resolve()).then(() => this.query(name));
    this.chains.set(
      name,
      run.catch(() => {}),
    );
    return run;
  }

  private async query(name: string): Promise<'taken' | 'renewed' | 'none'> {
    if (this.deps.dialect !== 'postgres') return 'renewed';
    const ttl = this.deps.ttlSeconds;
    let mine = false;
    try {
      const row = await sql<{ holder: string }>`
        insert into leases (name, holder, expires_at)
        values (${name}, ${this.holder}, now() + make_interval(secs => ${ttl}))
        on conflict (name) do update
          set holder = excluded.holder, expires_at = excluded.expires_at
          where leases.holder = excluded.holder or leases.expires_at < now()
        returning holder`.execute(this.deps.db);
      mine = row.rows.length === 1;
    } catch (err) {
      // Cannot tell: act as if another process holds it (never run a duty twice).
      this.deps.log.warn({ err, lease: name }, 'lease check failed');
    }
    const had = this.held.has(name);
    if (mine && !had) {
      this.held.add(name);
      this.deps.log.info({ lease: name, holder: this.holder }, 'lease taken');
    } else if (!mine && had) {
      this.held.delete(name);
      this.deps.log.warn({ lease: name, holder: this.holder }, 'lease lost');
    }
    return mine ? (had ? 'renewed' : 'taken') : 'none';
  }

  private async heartbeat(): Promise<void> {
    for (const [name, onTakeover] of this.wanted) {
      if (this.stopped) return;
      if (!this.armed.has(name)) continue;
      if ((await this.acquire(name)) === 'taken') onTakeover();
    }
  }
}
