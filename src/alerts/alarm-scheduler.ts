// The periodic alarm scan (every ALARM_SCAN_SECONDS, and once at start): timed shelves whose time
// is up return, and cleared + acknowledged alerts past their ALERT_AUTO_RESOLVE_MINUTES are
// resolved. Runs on the injected clock like the maintenance scans; POST /api/alerts/scan-now runs
// it at once (tests move a ManualClock and call it). Each step is idempotent and guarded, so two
// processes scanning at once change each alert once.
import type { AppContext } from '../context.ts';
import { autoResolveAlerts } from './auto-resolve.ts';
import { expireShelves } from './shelving.ts';

type Ctx = Pick<AppContext, 'db' | 'config' | 'clock' | 'log' | 'events' | 'leases'>;

export interface AlarmScanSummary {
  at: string;
  unshelved: number;
  auto_resolved: number;
}

export async function runAlarmScan(ctx: Ctx, now: Date = ctx.clock.now()): Promise<AlarmScanSummary> {
  const unshelved = await expireShelves(ctx.db, now);
  const resolved = await autoResolveAlerts(ctx.db, ctx.config.alarms.autoResolveMinutes, now);
  for (const id of resolved) {
    const row = await ctx.db
      .selectFrom('alert_records')
      .select('instrument_id')
      .where('id', '=', id)
      .executeTakeFirst();
    // The live aggregator forgets the row, as after a manual resolve.
    ctx.events.emit('alert.resolved', id, row?.instrument_id ?? null);
  }
  if (unshelved || resolved.length) {
    ctx.log.info({ unshelved, auto_resolved: resolved.length }, 'alarm scan');
  }
  return { at: now.toISOString(), unshelved, auto_resolved: resolved.length };
}

const queues = new WeakMap<object, Promise<unknown>>();

/** Runs the scan after any scan in progress (timer and scan-now never overlap in one process). */
export function alarmScanNow(ctx: Ctx, now?: Date): Promise<AlarmScanSummary> {
  const run = (queues.get(ctx) ?? Promise.resolve()).then(() => runAlarmScan(ctx, now ?? ctx.clock.now()));
  queues.set(
    ctx,
    run.catch(() => {}),
  );
  return run;
}

export function startAlarmScheduler(ctx: Ctx): { stop(): Promise<void> } {
  let stopped = false;
  // With several processes, the timed scan runs where the 'scan.alarms' lease is held.
  ctx.leases.want('scan.alarms');
  const tick = () => {
    if (stopped) return;
    ctx.leases
      .runExclusive('scan.alarms', () => alarmScanNow(ctx))
      .catch((err) => ctx.log.error({ err }, 'alarm scan failed'));
  };
  tick();
  const timer = setInterval(tick, ctx.config.alarms.scanSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await queues.get(ctx);
    },
  };
}
