import type { AppContext } from '../context.ts';
import { refreshAllPredictedIntervals } from '../instruments/predicted-interval.ts';
import { AfterCommit } from '../notifications/after-commit.ts';
import { CalibrationDueCheck } from '../planning/due-check.ts';
import { raiseCalibrationWorkAhead } from '../planning/lead-time-work.ts';
import { scanPmPlans } from '../pm/pm-plan-service.ts';
import { cmmsSettings } from '../settings/cmms-settings.ts';
import { flagSlaBreaches } from '../work-orders/work-order-service.ts';
import { type OverdueScanResult, scanCalibrationOverdue } from '../workflows/calibration-overdue-scan.ts';

/**
 * The calibration overdue scan and the PM schedule run hourly (and once at start); a cheap check
 * every CALIBRATION_DUE_CHECK_SECONDS runs the overdue scan as soon as a due time passes.
 */
export const CALIBRATION_SCAN_MS = 60 * 60_000;
/** SLA breaches are flagged every 5 minutes: an urgent order's SLA is only a few hours. */
export const SLA_SCAN_MS = 5 * 60_000;

export interface ScanSummary {
  at: string;
  predicted_intervals_changed: number;
  calibration: OverdueScanResult;
  /** Calibration work orders raised CALIBRATION_LEAD_DAYS ahead of their due date. */
  calibration_work_orders_ahead: number;
  pm_work_orders_created: number;
  sla_breaches_flagged: number;
}

type Ctx = Pick<AppContext, 'db' | 'config' | 'clock' | 'log' | 'events' | 'mailer'>;
type SchedulerCtx = Ctx & Pick<AppContext, 'leases'>;

/** The lease under which the timed maintenance scans run (one process of several). */
export const MAINTENANCE_LEASE = 'scan.maintenance';

/**
 * Every scan, at the given time (the injected clock's now by default): refresh the predicted
 * intervals (new drift alerts), raise overdue calibrations, open due PM work, flag SLA breaches.
 * Each step is idempotent, so running it twice, or in two processes, changes nothing the second time.
 */
export async function runAllScans(ctx: Ctx, now: Date = ctx.clock.now()): Promise<ScanSummary> {
  const after = new AfterCommit();
  const deps = { now, settings: cmmsSettings(ctx.config), after };
  try {
    const predicted = await refreshAllPredictedIntervals(ctx.db, now);
    const calibration = await scanCalibrationOverdue(ctx.db, deps, (err, instrumentId) =>
      ctx.log.error({ err, instrumentId }, 'calibration overdue scan failed for an instrument'),
    );
    const ahead = await raiseCalibrationWorkAhead(ctx.db, deps, (err, instrumentId) =>
      ctx.log.error({ err, instrumentId }, 'raising calibration work ahead failed for an instrument'),
    );
    const pm = await scanPmPlans(ctx.db, deps);
    const sla = await flagSlaBreaches(ctx.db, deps);
    return {
      at: now.toISOString(),
      predicted_intervals_changed: predicted,
      calibration,
      calibration_work_orders_ahead: ahead,
      pm_work_orders_created: pm,
      sla_breaches_flagged: sla,
    };
  } finally {
    // Whatever committed before a failure still sends its e-mails.
    after.dispatch(ctx);
  }
}

export async function runSlaScan(ctx: Ctx, now: Date = ctx.clock.now()): Promise<number> {
  const after = new AfterCommit();
  try {
    return await flagSlaBreaches(ctx.db, { now, settings: cmmsSettings(ctx.config), after });
  } finally {
    after.dispatch(ctx);
  }
}

// One queue per app: the timers and POST /api/maintenance/scan-now never run two scans at once.
const queues = new WeakMap<object, Promise<unknown>>();

function serialized<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(ctx) ?? Promise.resolve()).then(fn);
  queues.set(
    ctx,
    run.catch(() => {}),
  );
  return run;
}

/** Runs every scan now, after any scan in progress, at the given time (default: the injected clock). */
export function scanNow(ctx: Ctx, now?: Date): Promise<ScanSummary> {
  return serialized(ctx, () => runAllScans(ctx, now ?? ctx.clock.now()));
}

export interface Scheduler {
  stop(): Promise<void>;
}

/** Starts the CMMS timers, with one scan at start. stop() waits for a scan in progress. */
export function startMaintenanceScheduler(ctx: SchedulerCtx): Scheduler {
  let stopped = false;
  // With several processes, the timed scans run only where the lease is held; a process that takes
  // the lease over (its holder died or stopped) scans at once.
  const background = (name: string, fn: () => Promise<unknown>) => {
    if (stopped) return;
    ctx.leases
      .runExclusive(MAINTENANCE_LEASE, () =>
        serialized(ctx, async () => {
          const summary = await fn();
          ctx.log.info({ scan: name, summary, holder: ctx.leases.holder }, 'maintenance scan ran');
        }),
      )
      .catch((err) => ctx.log.error({ err }, `${name} failed`));
  };
  ctx.leases.want(MAINTENANCE_LEASE, () =>
    background('maintenance scan on takeover', () => runAllScans(ctx)),
  );
  background('start-up maintenance scan', () => runAllScans(ctx));
  const hourly = setInterval(
    () => background('hourly maintenance scan', () => runAllScans(ctx)),
    CALIBRATION_SCAN_MS,
  );
  const sla = setInterval(() => background('SLA scan', () => runSlaScan(ctx)), SLA_SCAN_MS);
  // Between hourly scans, calibration_overdue is raised within a minute of a due time passing.
  const dueCheck = new CalibrationDueCheck(ctx.clock.now());
  const due = setInterval(() => {
    if (stopped) return;
    ctx.leases
      .runExclusive(MAINTENANCE_LEASE, () => serialized(ctx, () => dueCheck.run(ctx)))
      .catch((err) => ctx.log.error({ err }, 'calibration due check failed'));
  }, ctx.config.planning.dueCheckSeconds * 1000);
  hourly.unref();
  sla.unref();
  due.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(hourly);
      clearInterval(sla);
      clearInterval(due);
      await queues.get(ctx);
    },
  };
}
