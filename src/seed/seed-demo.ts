import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { createInstrument } from '../instruments/instrument-service.ts';
import { createProcessUnit } from '../process-units/process-unit-service.ts';
import { createUser, findUserByEmployeeNumber } from '../users/user-service.ts';
import { DEMO_INSTRUMENTS, DEMO_PROCESS_UNITS, DEMO_REFERENCE_STANDARDS } from './demo-instruments.ts';

const DAY = 86_400_000;

export const DEMO_TECHNICIANS = [
  {
    employee_number: 'T-1001',
    full_name: 'Mwila Chanda',
    email: 'mwila.chanda@example.com',
    password: 'technician1',
  },
  {
    employee_number: 'T-1002',
    full_name: 'Bwalya Mutale',
    email: 'bwalya.mutale@example.com',
    password: 'technician2',
  },
];

export interface SeedResult {
  seeded: boolean;
  instruments: number;
  users: string[];
}

/** Demo data for a new plant. Does nothing when instruments already exist, so it is safe to rerun. */
export async function seedDemo(
  db: Kysely<DB>,
  now: Date,
  log: (m: string) => void = () => {},
): Promise<SeedResult> {
  const existing = await db.selectFrom('instruments').select('id').limit(1).executeTakeFirst();
  if (existing) return { seeded: false, instruments: 0, users: [] };
  const at = now.toISOString();

  const users: string[] = [];
  const technicianIds: number[] = [];
  for (const t of DEMO_TECHNICIANS) {
    const found = await findUserByEmployeeNumber(db, t.employee_number);
    if (found) {
      technicianIds.push(found.id);
      continue;
    }
    const { user } = await createUser(db, null, { ...t, role: 'technician' }, at);
    technicianIds.push(user.id);
    users.push(`${t.employee_number} / ${t.password} (technician)`);
  }

  const unitIds = new Map<string, number>();
  for (const u of DEMO_PROCESS_UNITS) {
    const pu = await createProcessUnit(db, null, u, at);
    unitIds.set(u.name, pu.id);
  }

  const standards: { id: number; identifier: string }[] = [];
  for (const s of DEMO_REFERENCE_STANDARDS) {
    const calibrated = new Date(now.getTime() - s.calibrated_on_days_ago * DAY);
    const due = new Date(calibrated.getTime() + s.valid_days * DAY);
    const row = await db
      .insertInto('reference_standards')
      .values({
        identifier: s.identifier,
        description: s.description,
        certificate_number: s.certificate_number,
        accuracy: s.accuracy,
        calibrated_on: calibrated.toISOString().slice(0, 10),
        due_date: due.toISOString().slice(0, 10),
        created_at: at,
        updated_at: at,
      })
      .returning(['id', 'identifier'])
      .executeTakeFirstOrThrow();
    standards.push(row);
  }

  let n = 0;
  for (const [index, d] of DEMO_INSTRUMENTS.entries()) {
    const { unit_name, ...input } = d;
    // Registered two years ago so the calibration history has room.
    const registered = new Date(now.getTime() - 730 * DAY);
    const inst = await createInstrument(
      db,
      null,
      { ...input, process_unit_id: unitIds.get(unit_name) ?? null },
      registered,
    );
    n++;
    await seedCalibrationHistory(db, inst, index, technicianIds, standards, now);
  }
  log(
    `seeded ${n} demo instruments, ${DEMO_PROCESS_UNITS.length} process units, ${standards.length} reference standards`,
  );
  return { seeded: true, instruments: n, users };
}

/**
 * Past calibrations at the instrument's interval, with multi-point as-found/as-left data. A few
 * instruments are left overdue and one has a failed as-found, so the dashboard shows real work.
 */
async function seedCalibrationHistory(
  db: Kysely<DB>,
  inst: {
    id: number;
    range_min: number;
    range_max: number;
    accuracy_class: number;
    calibration_interval_days: number;
    tag: string;
  },
  index: number,
  technicianIds: number[],
  standards: { id: number }[],
  now: Date,
) {
  const span = inst.range_max - inst.range_min;
  const overdue = index % 7 === 3; // three demo instruments are past due
  const lastAgeDays = overdue
    ? inst.calibration_interval_days + 10 + index
    : (index * 37) % Math.max(30, inst.calibration_interval_days - 20);
  const dates = [
    lastAgeDays + inst.calibration_interval_days * 2,
    lastAgeDays + inst.calibration_interval_days,
    lastAgeDays,
  ]
    .filter((d) => d < 720)
    .map((d) => new Date(now.getTime() - d * DAY - 3_600_000 * 10));
  let seed = index * 7919 + 17;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (const [k, when] of dates.entries()) {
    const failed = index === 5 && k === dates.length - 2;
    const tol = inst.accuracy_class;
    const points = [0, 25, 50, 75, 100].map((pct, seq) => {
      const ref = inst.range_min + (span * pct) / 100;
      const foundErrPct = failed ? tol * (1.4 + rand() * 0.5) : (rand() - 0.5) * tol * 1.2;
      const leftErrPct = (rand() - 0.5) * tol * 0.3;
      const as_found = ref + (foundErrPct / 100) * span;
      const as_left = ref + (leftErrPct / 100) * span;
      return { seq, ref, as_found, as_left, foundErrPct, leftErrPct };
    });
    const afPass = points.every((p) => Math.abs(p.foundErrPct) <= tol);
    const alPass = points.every((p) => Math.abs(p.leftErrPct) <= tol);
    const at = when.toISOString();
    await db.transaction().execute(async (trx) => {
      const rec = await trx
        .insertInto('calibration_records')
        .values({
          instrument_id: inst.id,
          performed_at: at,
          technician_id: technicianIds[(index + k) % technicianIds.length],
          reference_standard_id: standards[(index + k) % 3].id,
          notes: failed
            ? 'As-found out of tolerance at upper points; zero and span adjusted.'
            : 'Routine calibration.',
          tolerance_pct: tol,
          as_found_passed: afPass ? 1 : 0,
          as_left_passed: alPass ? 1 : 0,
          passed: afPass && alPass ? 1 : 0,
          max_as_found_error_pct: Math.max(...points.map((p) => Math.abs(p.foundErrPct))),
          max_as_left_error_pct: Math.max(...points.map((p) => Math.abs(p.leftErrPct))),
          corrects_id: null,
          work_order_id: null,
          next_due_at: new Date(when.getTime() + inst.calibration_interval_days * DAY).toISOString(),
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('calibration_points')
        .values(
          points.map((p) => ({
            calibration_id: rec.id,
            seq: p.seq,
            reference_value: round(p.ref),
            as_found: round(p.as_found),
            as_left: round(p.as_left),
            as_found_error_pct: round(p.foundErrPct),
            as_left_error_pct: round(p.leftErrPct),
            as_found_passed: Math.abs(p.foundErrPct) <= tol ? 1 : 0,
            as_left_passed: Math.abs(p.leftErrPct) <= tol ? 1 : 0,
            created_at: at,
            updated_at: at,
          })),
        )
        .execute();
      await recordAudit(trx, {
        userId: null,
        action: 'create',
        entityType: 'calibration_record',
        entityId: rec.id,
        newValue: {
          instrument_id: inst.id,
          tag: inst.tag,
          performed_at: at,
          passed: afPass && alPass,
          source: 'seed',
        },
        at,
      });
    });
  }
}

const round = (v: number) => Number(v.toFixed(4));
