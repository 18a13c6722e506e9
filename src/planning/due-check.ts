// The calibration due check (issue 18, part 6): calibration_overdue is raised within
// CALIBRATION_DUE_CHECK_SECONDS (at most a minute) of a due time passing, not at the next hourly
// scan. Every tick reads the due dates (one query) and runs the overdue scan only when a due time
// has passed since the previous tick, so a quiet plant costs one query a minute. The scheduler runs
// it under the maintenance lease and in the same queue as the other scans (src/scans/scheduler.ts),
// so with several processes one runs it, and the overdue scan's keys make a repeat change nothing.
import { calibrationDueList } from '../calibration/due-list.ts';
import type { AppContext } from '../context.ts';
import { AfterCommit } from '../notifications/after-commit.ts';
import { cmmsSettings } from '../settings/cmms-settings.ts';
import { type OverdueScanResult, scanCalibrationOverdue } from '../workflows/calibration-overdue-scan.ts';

type Ctx = Pick<AppContext, 'db' | 'config' | 'clock' | 'log' | 'events' | 'mailer'>;

export interface DueCheckResult {
  at: string;
  /** Instruments whose due time passed since the previous check. */
  passed: number[];
  /** The overdue scan's result when one ran. */
  calibration: OverdueScanResult | null;
}

export class CalibrationDueCheck {
  /** Due times in [since, now) have passed since the previous check (overdue means due < now). */
  private since: number;

  constructor(start: Date) {
    this.since = start.getTime();
  }

  async run(ctx: Ctx, now: Date = ctx.clock.now()): Promise<DueCheckResult> {
    const from = this.since;
    const to = now.getTime();
    const passed = (await calibrationDueList(ctx.db))
      .filter((d) => {
        const t = Date.parse(d.due_at);
        return t >= from && t < to;
      })
      .map((d) => d.instrument_id);
    // Moved on only once read: a failed query leaves the window for the next tick.
    this.since = Math.max(from, to);
    if (passed.length === 0) return { at: now.toISOString(), passed, calibration: null };
    const after = new AfterCommit();
    try {
      const calibration = await scanCalibrationOverdue(
        ctx.db,
        { now, settings: cmmsSettings(ctx.config), after },
        (err, instrumentId) =>
          ctx.log.error({ err, instrumentId }, 'calibration overdue scan failed for an instrument'),
      );
      ctx.log.info({ passed, calibration }, 'calibration due time passed: overdue scan ran');
      return { at: now.toISOString(), passed, calibration };
    } finally {
      after.dispatch(ctx);
    }
  }
}
