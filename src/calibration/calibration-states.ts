// What the health score needs of each instrument's calibrations, kept in memory so the dashboard's
// score pass over 2,000 instruments costs no calibration query per poll (issue 16): when it was last
// calibrated (records in force that reset the due date) and whether the latest record in force left
// it out of tolerance. The rules are in-force.ts's SQL, read here and nowhere else.
//
// Loaded at start; reloaded per instrument on 'calibration.recorded' (recorded, corrected or
// imported from a calibrator, in this process or, through the event bridge, another); re-read whole
// on 'calibrations.imported' (a spreadsheet history import) and every minute, so a write that sends
// no event is still seen within a minute, as with the instrument cache.
//
// A load that started later always wins over one that started earlier, whatever order they finish
// in: the load an event starts begins after that change committed, so the newest load has seen
// every change. Readers await `settled()` first, so the request after a calibration is recorded
// already sees it (the reload starts when the event is emitted, before the response is sent).

import type { Logger } from 'pino';
import { batchesOf } from '../db/batches.ts';
import type { Database } from '../db/database.ts';
import type { EventBus } from '../shared/events.ts';
import { lastCalibratedAt, outOfTolerance } from './in-force.ts';

export interface CalibrationState {
  /** The latest calibration in force that resets the due date, or null (never calibrated). */
  readonly lastAt: string | null;
  /** The latest calibration in force failed as-left (issue 13). */
  readonly outOfTolerance: boolean;
}

/** What the score pass reads: one instrument's state, after any reload in flight has finished. */
export interface CalibrationStateView {
  settled(): Promise<void>;
  get(instrumentId: number): CalibrationState;
}

const NEVER: CalibrationState = Object.freeze({ lastAt: null, outOfTolerance: false });
const FULL_REFRESH_MS = 60_000;

export class CalibrationStates implements CalibrationStateView {
  private states = new Map<number, CalibrationState>();
  /** Per instrument, the number of the load that last set its state. */
  private setBy = new Map<number, number>();
  /** Loads are numbered as they start. */
  private started = 0;
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private readonly onRecorded = (id: number) => this.track(this.load([id]), id);
  private readonly onImported = () => this.track(this.load(null));

  constructor(
    private readonly db: Database,
    private readonly events: EventBus,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.load(null);
    this.events.on('calibration.recorded', this.onRecorded);
    this.events.on('calibrations.imported', this.onImported);
    this.timer = setInterval(() => {
      this.load(null).catch((err) => this.log.error({ err }, 'calibration state refresh failed'));
    }, FULL_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    this.events.off('calibration.recorded', this.onRecorded);
    this.events.off('calibrations.imported', this.onImported);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Waits for the reloads that changes asked for (not the periodic refresh); at once when none. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  get(instrumentId: number): CalibrationState {
    return this.states.get(instrumentId) ?? NEVER;
  }

  /** Re-reads the given instruments, or every one (null). */
  async load(ids: readonly number[] | null): Promise<void> {
    const n = ++this.started;
    const rows = [];
    for (const batch of ids === null ? [null] : batchesOf([...ids])) {
      let q = this.db
        .selectFrom('instruments')
        .select([
          'instruments.id',
          lastCalibratedAt('instruments.id').as('last_at'),
          outOfTolerance('instruments.id').as('oot'),
        ]);
      q =
        batch === null
          ? q.where('instruments.deleted_at', 'is', null)
          : q.where('instruments.id', 'in', batch);
      rows.push(...(await q.execute()));
    }
    const seen = new Set<number>();
    for (const r of rows) {
      seen.add(r.id);
      if ((this.setBy.get(r.id) ?? 0) > n) continue; // a later load got there first
      this.setBy.set(r.id, n);
      this.states.set(
        r.id,
        Object.freeze({ lastAt: r.last_at ?? null, outOfTolerance: Number(r.oot) === 1 }),
      );
    }
    // Instruments asked for but not returned (deleted meanwhile) fall back to NEVER.
    for (const id of ids ?? [...this.states.keys()])
      if (!seen.has(id) && (this.setBy.get(id) ?? 0) < n) {
        this.states.delete(id);
        this.setBy.set(id, n);
      }
  }

  private track(p: Promise<void>, instrumentId?: number): void {
    const done = p
      .catch((err) => this.log.error({ err, instrument_id: instrumentId }, 'calibration state reload failed'))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }
}
