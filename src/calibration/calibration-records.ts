import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { bool } from '../shared/db-values.ts';
import type { EvaluatedPoint } from './point-errors.ts';

const selectCalibration = (db: Kysely<DB>) =>
  db
    .selectFrom('calibration_records as c')
    .innerJoin('instruments as i', 'i.id', 'c.instrument_id')
    .innerJoin('users as tech', 'tech.id', 'c.technician_id')
    .leftJoin('users as fixer', 'fixer.id', 'c.corrected_by')
    .leftJoin('reference_standards as rs', 'rs.id', 'c.reference_standard_id')
    .leftJoin('devices as dev', 'dev.id', 'c.device_id')
    // Issue 13: the procedure followed and the standard's certificate in force on the day.
    .leftJoin('calibration_procedures as proc', 'proc.id', 'c.procedure_id')
    .leftJoin('reference_standard_certificates as rsc', 'rsc.id', 'c.reference_certificate_id')
    .selectAll('c')
    .select([
      'i.tag as tag',
      'i.unit as unit',
      'tech.full_name as technician_name',
      'fixer.full_name as corrected_by_name',
      'rs.identifier as reference_standard_identifier',
      'rs.certificate_number as reference_standard_certificate',
      'dev.serial_number as device_serial_number',
      'dev.manufacturer as device_manufacturer',
      'dev.model as device_model',
      'proc.name as procedure_name',
      'rsc.certificate_number as certificate_in_force',
      'rsc.uncertainty_value as certificate_uncertainty_value',
      'rsc.uncertainty_unit as certificate_uncertainty_unit',
    ])
    .select((eb) =>
      eb
        .selectFrom('calibration_records as fix')
        .whereRef('fix.corrects_id', '=', 'c.id')
        .select((e) => e.fn.max('fix.id').as('x'))
        .as('corrected_by_id'),
    )
    // A technician's correction of this record waiting for an admin (the record stays in force).
    .select((eb) =>
      eb
        .selectFrom('calibration_corrections as cc')
        .whereRef('cc.calibration_id', '=', 'c.id')
        .where('cc.status', '=', 'pending')
        .select((e) => e.fn.max('cc.id').as('p'))
        .as('pending_correction_id'),
    )
    .select((eb) =>
      eb
        .selectFrom('work_orders as wo')
        .whereRef('wo.calibration_record_id', '=', 'c.id')
        .where('wo.source', '=', 'calibration_failed')
        .select((e) => e.fn.max('wo.id').as('w'))
        .as('corrective_work_order_id'),
    );

type CalibrationJoined = NonNullable<
  Awaited<ReturnType<ReturnType<typeof selectCalibration>['executeTakeFirst']>>
>;

type PointRow = Awaited<ReturnType<typeof loadPoints>>[number];

/** The `calibration_points` row of an evaluated test point: one mapping for recorded and imported records. */
export function pointInsertRow(calibrationId: number, p: EvaluatedPoint, at: string) {
  return {
    calibration_id: calibrationId,
    seq: p.seq,
    reference_value: p.reference_value,
    as_found: p.as_found,
    as_left: p.as_left,
    as_found_error_pct: p.as_found_error_pct,
    as_left_error_pct: p.as_left_error_pct,
    as_found_passed: p.as_found_passed ? 1 : 0,
    as_left_passed: p.as_left_passed ? 1 : 0,
    direction: p.direction,
    nominal_pct: p.nominal_pct,
    input_value: p.input_value,
    adjust_limit: p.adjust_limit,
    fail_limit: p.fail_limit,
    acceptance_limit: p.acceptance_limit,
    as_found_verdict: p.as_found_verdict,
    as_left_verdict: p.as_left_verdict,
    std_uncertainty: p.std_uncertainty,
    tur: p.tur,
    created_at: at,
    updated_at: at,
  };
}
/** Bind parameters of one pointInsertRow (for batching). */
export const POINT_ROW_PARAMS = 21;

function toPublicPoint(p: PointRow) {
  return {
    seq: p.seq,
    reference_value: p.reference_value,
    as_found: p.as_found,
    as_left: p.as_left,
    as_found_error_pct: p.as_found_error_pct,
    as_left_error_pct: p.as_left_error_pct,
    as_found_passed: bool(p.as_found_passed),
    as_left_passed: bool(p.as_left_passed),
    direction: p.direction,
    nominal_pct: p.nominal_pct,
    input_value: p.input_value,
    adjust_limit: p.adjust_limit,
    fail_limit: p.fail_limit,
    acceptance_limit: p.acceptance_limit,
    as_found_verdict: p.as_found_verdict,
    as_left_verdict: p.as_left_verdict,
    std_uncertainty: p.std_uncertainty,
    tur: p.tur,
  };
}

/**
 * How the calibration went, for the history: passed, adjusted back into tolerance after a failed
 * as-found (the failure that triggers a corrective work order), or still out after adjustment.
 */
export function calibrationOutcome(asFoundPassed: boolean, asLeftPassed: boolean) {
  if (!asLeftPassed) return 'failed_as_left' as const;
  if (!asFoundPassed) return 'failed_as_found' as const;
  return 'passed' as const;
}

export function toPublicCalibration(r: CalibrationJoined, points: PointRow[]) {
  const asFound = bool(r.as_found_passed);
  const asLeft = bool(r.as_left_passed);
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    unit: r.unit,
    // Issue 13: the device calibrated; instrument_id/tag is the position it held.
    device_id: r.device_id ?? null,
    device_serial_number: r.device_serial_number ?? null,
    device_manufacturer: r.device_manufacturer ?? null,
    device_model: r.device_model ?? null,
    performed_at: r.performed_at,
    technician_id: r.technician_id,
    // Issue 18: an imported record keeps the performer and standard its file named when they are
    // not a user or a registered standard here (technician_id is then the importing admin).
    technician_name: r.performed_by_name ?? r.technician_name,
    reference_standard_id: r.reference_standard_id,
    reference_standard_identifier: r.reference_standard_identifier ?? r.reference_standard_text ?? null,
    import_kind: r.import_kind,
    performed_by_name: r.performed_by_name,
    reference_standard_text: r.reference_standard_text,
    // The certificate in force when it was performed (a later certificate does not rewrite history).
    reference_standard_certificate: r.certificate_in_force ?? r.reference_standard_certificate ?? null,
    notes: r.notes,
    tolerance_pct: r.tolerance_pct,
    as_found_passed: asFound,
    as_left_passed: asLeft,
    passed: bool(r.passed),
    outcome: calibrationOutcome(asFound, asLeft),
    max_as_found_error_pct: r.max_as_found_error_pct,
    max_as_left_error_pct: r.max_as_left_error_pct,
    corrects_id: r.corrects_id,
    /** Who recorded this correction (technician_id stays the original performer). */
    corrected_by: r.corrected_by,
    corrected_by_name: r.corrected_by_name ?? null,
    corrected_by_id: r.corrected_by_id ?? null,
    pending_correction_id: r.pending_correction_id ?? null,
    superseded: r.corrected_by_id !== null && r.corrected_by_id !== undefined,
    work_order_id: r.work_order_id,
    corrective_work_order_id: r.corrective_work_order_id ?? null,
    next_due_at: r.next_due_at,
    points: points.map(toPublicPoint),
    created_at: r.created_at,
    ...procedureFields(r),
  };
}
export type PublicCalibration = ReturnType<typeof toPublicCalibration>;

/** Issue 13 (procedures, tolerances, uncertainty): what the record followed and what it measured. */
function procedureFields(r: CalibrationJoined) {
  return {
    procedure_id: r.procedure_id,
    procedure_name: r.procedure_name ?? null,
    procedure_revision: r.procedure_revision,
    reduced_check: bool(r.reduced_check),
    resets_due_date: bool(r.resets_due_date),
    hysteresis_as_found_pct: r.hysteresis_as_found_pct,
    hysteresis_as_left_pct: r.hysteresis_as_left_pct,
    repeatability_as_found_pct: r.repeatability_as_found_pct,
    repeatability_as_left_pct: r.repeatability_as_left_pct,
    reference_certificate_id: r.reference_certificate_id,
    reference_standard_uncertainty:
      r.certificate_uncertainty_value !== null && r.certificate_uncertainty_value !== undefined
        ? `±${r.certificate_uncertainty_value} ${r.certificate_uncertainty_unit ?? ''}`.trim()
        : null,
    min_tur: r.min_tur,
  };
}

function loadPoints(db: Kysely<DB>, calibrationIds: number[]) {
  return db
    .selectFrom('calibration_points')
    .select([
      'calibration_id',
      'seq',
      'reference_value',
      'as_found',
      'as_left',
      'as_found_error_pct',
      'as_left_error_pct',
      'as_found_passed',
      'as_left_passed',
      'direction',
      'nominal_pct',
      'input_value',
      'adjust_limit',
      'fail_limit',
      'acceptance_limit',
      'as_found_verdict',
      'as_left_verdict',
      'std_uncertainty',
      'tur',
    ])
    .where('calibration_id', 'in', calibrationIds)
    .orderBy('calibration_id')
    .orderBy('seq')
    .execute();
}

async function withPoints(db: Kysely<DB>, rows: CalibrationJoined[]) {
  if (rows.length === 0) return [];
  const points = await loadPoints(
    db,
    rows.map((r) => r.id),
  );
  const byRecord = new Map<number, PointRow[]>();
  for (const p of points) {
    const list = byRecord.get(p.calibration_id) ?? [];
    list.push(p);
    byRecord.set(p.calibration_id, list);
  }
  return rows.map((r) => toPublicCalibration(r, byRecord.get(r.id) ?? []));
}

export async function findCalibration(db: Kysely<DB>, id: number): Promise<PublicCalibration | null> {
  const r = await selectCalibration(db).where('c.id', '=', id).executeTakeFirst();
  if (!r) return null;
  return (await withPoints(db, [r]))[0];
}

/** Bare record fields used by validations (same instrument, already corrected, ...). */
export function findCalibrationRow(db: Kysely<DB>, id: number) {
  return db
    .selectFrom('calibration_records')
    .select([
      'id',
      'instrument_id',
      'technician_id',
      'corrects_id',
      'work_order_id',
      'as_found_passed',
      'as_left_passed',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function correctionOf(db: Kysely<DB>, id: number) {
  return db.selectFrom('calibration_records').select('id').where('corrects_id', '=', id).executeTakeFirst();
}

export interface CalibrationQuery {
  instrument_id?: number;
  tag?: string;
  device_id?: number;
  reference_standard_id?: number;
  technician_id?: number;
  passed?: boolean;
  /** Leave out records superseded by a correction. */
  current_only?: boolean;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export async function listCalibrations(db: Kysely<DB>, q: CalibrationQuery) {
  let query = selectCalibration(db);
  if (q.instrument_id) query = query.where('c.instrument_id', '=', q.instrument_id);
  if (q.tag) query = query.where('i.tag', '=', q.tag);
  if (q.device_id) query = query.where('c.device_id', '=', q.device_id);
  if (q.reference_standard_id) query = query.where('c.reference_standard_id', '=', q.reference_standard_id);
  if (q.technician_id) query = query.where('c.technician_id', '=', q.technician_id);
  if (q.passed !== undefined) query = query.where('c.passed', '=', q.passed ? 1 : 0);
  if (q.from) query = query.where('c.performed_at', '>=', q.from);
  if (q.to) query = query.where('c.performed_at', '<=', q.to);
  if (q.current_only) {
    query = query.where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('calibration_records as f2').select('f2.id').whereRef('f2.corrects_id', '=', 'c.id'),
        ),
      ),
    );
  }
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('c.performed_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: await withPoints(db, rows), total: Number(n), limit: q.limit, offset: q.offset };
}
