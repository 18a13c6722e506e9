import type { Kysely } from 'kysely';
import { countActiveAlerts } from '../alerts/alert-service.ts';
import type { DB } from '../db/schema.ts';
import { ValidationError } from '../shared/errors.ts';
import { type HealthSources, instrumentHealth } from './instrument-health.ts';

const OPEN_WORK_ORDER = ['open', 'in_progress'];

async function assertProcessUnit(db: Kysely<DB>, id: number) {
  const pu = await db.selectFrom('process_units').select('id').where('id', '=', id).executeTakeFirst();
  if (!pu) throw new ValidationError('process_unit_id', `process unit ${id} does not exist`);
}

/**
 * The four KPI tiles and a health card per live instrument. With a process unit, the tiles count
 * that unit only (so they agree with the cards shown under them).
 */
export async function dashboardSummary(src: HealthSources, now: Date, processUnitId?: number) {
  if (processUnitId !== undefined) await assertProcessUnit(src.db, processUnitId);
  let wq = src.db
    .selectFrom('work_orders')
    .innerJoin('instruments', 'instruments.id', 'work_orders.instrument_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('work_orders.status', 'in', OPEN_WORK_ORDER)
    .where('instruments.deleted_at', 'is', null);
  if (processUnitId !== undefined) wq = wq.where('instruments.process_unit_id', '=', processUnitId);

  const [cards, openWorkOrders, plantActiveAlerts] = await Promise.all([
    instrumentHealth(src, now, { processUnitId }),
    wq.executeTakeFirstOrThrow(),
    processUnitId === undefined ? countActiveAlerts(src.db) : Promise.resolve(null),
  ]);
  return {
    generated_at: now.toISOString(),
    process_unit_id: processUnitId ?? null,
    total_instruments: cards.length,
    calibration_overdue: cards.filter((c) => c.calibration_overdue).length,
    // Same rule as countActiveAlerts (open, not suppressed, live instrument), per unit when filtered.
    active_alerts: plantActiveAlerts ?? cards.reduce((n, c) => n + c.open_alerts, 0),
    open_work_orders: Number(openWorkOrders.n),
    instruments: cards,
  };
}
