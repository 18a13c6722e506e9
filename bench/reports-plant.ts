import type { Insertable, Kysely } from 'kysely';
import type { LiveView } from '../src/context.ts';
import type {
  AlertRecordsTable,
  CalibrationPointsTable,
  CalibrationRecordsTable,
  DB,
  MaintenanceRecordsTable,
  WorkOrdersTable,
} from '../src/db/schema.ts';
import { LiveStore } from '../src/readings/live-store.ts';

// A synthetic plant with years of history, bulk-inserted straight into the tables (seconds, not the
// minutes the API would take). Used by bench/reports.ts and by the large-export tests.

const DAY = 86_400_000;
const HOUR = 3_600_000;

const TYPES = [
  { type: 'pressure', unit: 'bar', min: 0, max: 16, prefix: 'PT' },
  { type: 'temperature', unit: '°C', min: 0, max: 400, prefix: 'TT' },
  { type: 'flow', unit: 'm³/h', min: 0, max: 250, prefix: 'FT' },
  { type: 'level', unit: '%', min: 0, max: 100, prefix: 'LT' },
] as const;
const CRITICALITIES = ['low', 'medium', 'high', 'critical'];
const INTERVALS = [90, 180, 365];
const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
const SLA_HOURS = { low: 168, medium: 72, high: 24, urgent: 4 };
const WO_TYPES = ['corrective', 'preventive', 'inspection', 'calibration'];
const ACTIONS = ['corrective', 'preventive', 'inspection'];
const UNITS = [
  'Crusher',
  'Concentrator',
  'Smelter',
  'Acid Plant',
  'Tank House',
  'Boiler House',
  'Water Treatment',
  'Tailings',
];

export interface PlantOptions {
  instruments: number;
  years: number;
  now: Date;
  seed?: number;
}

export interface PlantStats {
  instruments: number;
  calibrations: number;
  points: number;
  work_orders: number;
  maintenance: number;
  alerts: number;
}

function random(seed: number) {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

async function insertChunks<T extends keyof DB>(
  db: Kysely<DB>,
  table: T,
  rows: Insertable<DB[T]>[],
  per = 400,
) {
  for (let i = 0; i < rows.length; i += per) {
    await db
      .insertInto(table)
      .values(rows.slice(i, i + per) as never)
      .execute();
  }
}

export async function buildPlant(db: Kysely<DB>, o: PlantOptions): Promise<PlantStats> {
  const rand = random(o.seed ?? 42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const nowMs = o.now.getTime();
  const start = nowMs - o.years * 365 * DAY;
  const iso = (ms: number) => new Date(ms).toISOString();
  const at = iso(start - 30 * DAY);

  const techIds: number[] = [];
  for (let i = 1; i <= 6; i++) {
    const u = await db
      .insertInto('users')
      .values({
        employee_number: `B-${1000 + i}`,
        full_name: `Bench Technician ${i}`,
        email: null,
        role: 'technician',
        password_hash: 'x',
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    techIds.push(u.id);
  }
  const unitIds: number[] = [];
  for (const name of UNITS) {
    const u = await db
      .insertInto('process_units')
      .values({
        name: `${name} ${o.seed ?? 42}`,
        description: null,
        plant_area: null,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    unitIds.push(u.id);
  }
  const stdIds: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const s = await db
      .insertInto('reference_standards')
      .values({
        identifier: `BRS-${o.seed ?? 42}-${i}`,
        description: 'Multifunction calibrator',
        certificate_number: `C-${i}`,
        accuracy: '0.02 %',
        calibrated_on: iso(start - 60 * DAY).slice(0, 10),
        due_date: iso(nowMs + 365 * DAY).slice(0, 10),
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    stdIds.push(s.id);
  }

  const instruments: {
    id: number;
    min: number;
    max: number;
    interval: number;
    created: number;
    tol: number;
  }[] = [];
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < o.instruments; i++) {
      const t = TYPES[i % TYPES.length];
      const interval = INTERVALS[i % INTERVALS.length];
      const created = start - Math.floor(rand() * 20) * DAY;
      const row = await trx
        .insertInto('instruments')
        .values({
          tag: `${t.prefix}-${o.seed ?? 42}-${String(i + 1).padStart(4, '0')}`,
          type: t.type,
          measured_variable: null,
          unit: t.unit,
          range_min: t.min,
          range_max: t.max,
          nominal_value: (t.min + t.max) / 2,
          location: `Bay ${1 + (i % 40)}`,
          equipment: null,
          accuracy_class: 0.5,
          criticality: CRITICALITIES[i % CRITICALITIES.length],
          process_unit_id: unitIds[i % unitIds.length],
          calibration_interval_days: interval,
          description: null,
          alarm_low_critical: null,
          alarm_low_warning: null,
          alarm_high_warning: null,
          alarm_high_critical: null,
          alarm_deadband: (t.max - t.min) * 0.01,
          alarm_on_delay_seconds: 5,
          publish_interval_seconds: 5,
          stuck_deadband: 0,
          stuck_window_minutes: null,
          signal_low_ma: 3.8,
          signal_high_ma: 20.5,
          max_rate_per_second: null,
          cusum_k: null,
          cusum_h: null,
          baseline_mean: null,
          baseline_std: null,
          suppressed_until: null,
          created_at: iso(created),
          updated_at: iso(created),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      instruments.push({ id: row.id, min: t.min, max: t.max, interval, created, tol: 0.5 });
    }
  });

  const cals: Insertable<CalibrationRecordsTable>[] = [];
  const calPoints: Omit<Insertable<CalibrationPointsTable>, 'calibration_id'>[][] = [];
  const wos: Insertable<WorkOrdersTable>[] = [];
  const maint: Insertable<MaintenanceRecordsTable>[] = [];
  const alerts: Insertable<AlertRecordsTable>[] = [];
  for (const inst of instruments) {
    const span = inst.max - inst.min;
    // Calibrations around each due date: mostly a little early, sometimes late, a few skipped at the end.
    let last = inst.created;
    for (;;) {
      const next = last + inst.interval * DAY * (0.85 + rand() * 0.25);
      if (next > nowMs - (rand() < 0.06 ? inst.interval * DAY : 0)) break;
      const failed = rand() < 0.04;
      const points = [0, 25, 50, 75, 100].map((p, seq) => {
        const ref = inst.min + (span * p) / 100;
        const afErr = failed && seq >= 3 ? inst.tol * (1.2 + rand()) : (rand() - 0.5) * inst.tol * 1.4;
        const alErr = (rand() - 0.5) * inst.tol * 0.3;
        const stamp = iso(next);
        return {
          seq,
          reference_value: ref,
          as_found: Number((ref + (afErr / 100) * span).toFixed(4)),
          as_left: Number((ref + (alErr / 100) * span).toFixed(4)),
          as_found_error_pct: Number(afErr.toFixed(4)),
          as_left_error_pct: Number(alErr.toFixed(4)),
          as_found_passed: Math.abs(afErr) <= inst.tol ? 1 : 0,
          as_left_passed: 1,
          created_at: stamp,
          updated_at: stamp,
        };
      });
      const afPassed = points.every((p) => p.as_found_passed === 1);
      cals.push({
        instrument_id: inst.id,
        performed_at: iso(next),
        technician_id: pick(techIds),
        reference_standard_id: pick(stdIds),
        notes: failed ? 'As-found out of tolerance; adjusted.' : 'Routine calibration.',
        tolerance_pct: inst.tol,
        as_found_passed: afPassed ? 1 : 0,
        as_left_passed: 1,
        passed: afPassed ? 1 : 0,
        max_as_found_error_pct: Math.max(...points.map((p) => Math.abs(p.as_found_error_pct))),
        max_as_left_error_pct: Math.max(...points.map((p) => Math.abs(p.as_left_error_pct))),
        corrects_id: null,
        work_order_id: null,
        next_due_at: iso(next + inst.interval * DAY),
        created_at: iso(next),
        updated_at: iso(next),
      });
      calPoints.push(points);
      last = next;
    }

    // About one work order every two months, one maintenance record a quarter, an alert a season.
    for (let w = start + rand() * 60 * DAY; w < nowMs; w += (30 + rand() * 60) * DAY) {
      const priority = pick(PRIORITIES);
      const due = w + SLA_HOURS[priority] * HOUR;
      const age = nowMs - w;
      const done = age > 14 * DAY || rand() < 0.4;
      const hours = SLA_HOURS[priority] * (0.2 + rand() * 1.1);
      const completed = done ? Math.min(nowMs - HOUR, w + hours * HOUR) : null;
      const estimated = 30 + Math.floor(rand() * 8) * 15;
      wos.push({
        instrument_id: inst.id,
        title: `${pick(['Check', 'Repair', 'Inspect', 'Replace', 'Clean'])} ${pick(['impulse lines', 'transmitter', 'cable gland', 'manifold', 'sensor'])}`,
        description: null,
        type: pick(WO_TYPES),
        priority,
        status: completed ? 'completed' : rand() < 0.5 ? 'in_progress' : 'open',
        assigned_to: pick(techIds),
        created_by: null,
        due_date: iso(due),
        estimated_duration_minutes: estimated,
        actual_duration_minutes: completed ? Math.round(estimated * (0.6 + rand() * 0.9)) : null,
        parts_used: completed ? 'none' : null,
        completion_notes: completed ? 'Done and tested.' : null,
        cancel_reason: null,
        calibration_record_id: null,
        alert_id: null,
        source_key: null,
        started_at: completed ? iso(w + HOUR) : null,
        completed_at: completed ? iso(completed) : null,
        cancelled_at: null,
        sla_breached: completed ? (completed > due ? 1 : 0) : due < nowMs ? 1 : 0,
        sla_breached_at: null,
        pm_plan_id: null,
        created_at: iso(w),
        updated_at: iso(completed ?? w),
      });
    }
    for (let m = start + rand() * 90 * DAY; m < nowMs; m += (60 + rand() * 60) * DAY) {
      maint.push({
        instrument_id: inst.id,
        performed_at: iso(m),
        action_type: pick(ACTIONS),
        technician_id: pick(techIds),
        description: 'Impulse lines blown down, connections checked, zero verified at the manifold.',
        parts_used: rand() < 0.3 ? '1 x gasket, 2 x ferrules' : null,
        duration_minutes: 15 + Math.floor(rand() * 10) * 10,
        work_order_id: null,
        created_at: iso(m),
        updated_at: iso(m),
      });
    }
    for (let a = start + rand() * 120 * DAY; a < nowMs; a += (80 + rand() * 120) * DAY) {
      const drift = rand() < 0.6;
      const resolved = nowMs - a > 10 * DAY;
      alerts.push({
        instrument_id: inst.id,
        alert_type: drift ? 'drift' : 'anomaly',
        condition_key: `${drift ? 'cusum_up' : 'isolation_forest'}#${Math.floor(a)}`,
        severity: drift ? 'warning' : rand() < 0.3 ? 'critical' : 'warning',
        status: resolved ? 'resolved' : 'raised',
        message: drift
          ? 'drift up: mean shifted above baseline'
          : 'anomalous pattern: variance and slope unusual',
        details: JSON.stringify(
          drift
            ? { direction: 'up', shift_pct_of_span: rand() * 2, drift_rate_pct_span_per_day: rand() * 0.2 }
            : { score: 0.6 + rand() * 0.3, top_features: [{ feature: 'std', z: 3 + rand() * 2 }] },
        ),
        first_seen: iso(a),
        last_seen: iso(a + 6 * HOUR),
        cleared_at: null,
        acknowledged_by: resolved ? pick(techIds) : null,
        acknowledged_at: resolved ? iso(a + 2 * HOUR) : null,
        resolved_by: resolved ? pick(techIds) : null,
        resolved_at: resolved ? iso(a + 30 * HOUR) : null,
        resolution_notes: resolved ? 'Checked on site; recalibrated.' : null,
        created_at: iso(a),
        updated_at: iso(a),
      });
    }
  }

  let points = 0;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < cals.length; i += 300) {
      const ids = await trx
        .insertInto('calibration_records')
        .values(cals.slice(i, i + 300))
        .returning('id')
        .execute();
      const rows = ids.flatMap((r, k) => calPoints[i + k].map((p) => ({ ...p, calibration_id: r.id })));
      points += rows.length;
      await insertChunks(trx, 'calibration_points', rows);
    }
    await insertChunks(trx, 'work_orders', wos, 200);
    await insertChunks(trx, 'maintenance_records', maint);
    await insertChunks(trx, 'alert_records', alerts, 300);
  });
  return {
    instruments: instruments.length,
    calibrations: cals.length,
    points,
    work_orders: wos.length,
    maintenance: maint.length,
    alerts: alerts.length,
  };
}

/**
 * A live value on every instrument, as with readings flowing: written straight into the server's
 * in-memory live store (what the dashboard cards read); publishing them over MQTT would only be
 * slower. Used by bench/dashboard.ts and the dashboard-at-scale browser test.
 */
export async function seedLiveReadings(db: Kysely<DB>, live: LiveView, now: Date): Promise<number> {
  if (!(live instanceof LiveStore)) throw new Error('the live view is not a LiveStore');
  const rows = await db.selectFrom('instruments').select(['id', 'range_max']).execute();
  for (const [i, r] of rows.entries())
    live.record(live.entry(r.id), now.getTime() - (i % 5) * 1000, r.range_max * 0.5, 'good', 5);
  return rows.length;
}
