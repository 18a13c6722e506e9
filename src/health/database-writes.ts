import type { Logger } from 'pino';
import { type StorageFault, storageFault, type WriteObserver } from '../db/storage-faults.ts';
import type { Clock } from '../shared/clock.ts';

export interface WriteRefusal {
  /** The first real error of this episode (SQLITE_FULL, SQLITE_READONLY, disk_full (53100)...). */
  code: string;
  message: string;
  since: string;
  /** Statements refused since (any code). */
  refused_statements: number;
}

/**
 * Whether the database takes writes. The database layer reports each refused statement and each
 * committed write (db/storage-faults.ts). The first refusal of an episode is logged once, by name;
 * while it lasts, other modules' error lines about the same fault are demoted to debug (see
 * `repeats`), and the first accepted write ends the episode with one line.
 */
export class DatabaseWrites implements WriteObserver {
  private refusal: WriteRefusal | null = null;
  log: Logger | null = null;

  constructor(private readonly clock: Clock) {}

  refused(fault: StorageFault): void {
    if (this.refusal) {
      this.refusal.refused_statements++;
      return;
    }
    this.refusal = { ...fault, since: this.clock.now().toISOString(), refused_statements: 1 };
    this.log?.error(
      { code: fault.code, error: fault.message },
      `the database refuses writes: ${fault.code} (${fault.message}); /health reports degraded, ` +
        'readings wait unacknowledged, logins work without recording last_login_at',
    );
  }

  accepted(): void {
    if (!this.refusal) return;
    const r = this.refusal;
    this.refusal = null;
    this.log?.info(
      { code: r.code, since: r.since, refused_statements: r.refused_statements },
      `the database takes writes again (after ${r.refused_statements} refused statements)`,
    );
  }

  /** The current episode, or null while writes succeed. */
  current(): WriteRefusal | null {
    return this.refusal ? { ...this.refusal } : null;
  }

  /** True for an error line about the storage fault already named this episode. */
  repeats(err: unknown): boolean {
    return this.refusal !== null && storageFault(err) !== null;
  }
}
