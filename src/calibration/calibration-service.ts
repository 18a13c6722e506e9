import type { Kysely, Selectable } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { calibrationHash, pointHash, pointsOf } from '../audit/record-hash.ts';
import { batchesOf, setColumnById } from '../db/batches.ts';
import { lockRow } from '../db/row-lock.ts';
import type { CalibrationPointsTable, CalibrationRecordsTable, DB, Role } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { assertStandardUsable } from '../reference-standards/reference-standard-service.ts';
import type { CmmsSettings } from '../settings/cmms-settings.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.ts';
import {
  correctionOf,
  findCalibration,
  findCalibrationRow,
  type PublicCalibration,
  pointInsertRow,
} from './calibration-records.ts';
import { effectiveIntervalDays, type IntervalSettings, nextDueDate } from './due-dates.ts';
import { countsForDueDate, inForce } from './in-force.ts';
import { evaluatePoints } from './point-errors.ts';
import { preparePoints, type RawPoint, turWarning } from './procedure-enforcement.ts';
import { describeRule } from './tolerances.ts';

// The calibration module's own steps: checks, and the writes to its tables. Recording a
// calibration, with what it does to the instrument, work orders and alerts, is a workflow
// (src/workflows/record-calibration.ts) that calls these in one transaction.

export interface CalibrationInput {
  instrument_id: number;
  performed_at?: string;
  reference_standard_id: number;
  notes?: string | null;
  points: RawPoint[];
  /** Fewer points than the procedure: a check, which resets the due date only if the procedure allows. */
  reduced_check?: boolean;
  corrects_id?: number;
  work_order_id?: number;
  technician_id?: number;
  /** The performer's signature (issue 13), checked against the calibration signature policy. */
  signature?: { password: string; comment?: string | null };
}

export interface CalibrationDeps {
  now: Date;
  settings: CmmsSettings;
  after: AfterCommit;
}

/** A clock a few minutes apart between a tablet and the server is normal; a date in the future is not. */
const FUTURE_SLACK_MS = 5 * 60_000;

async function assertTechnician(db: Kysely<DB>, actor: { id: number; role: Role }, technicianId?: number) {
  if (technicianId === undefined || technicianId === actor.id) return actor.id;
  if (actor.role !== 'admin')
    throw new ForbiddenError('only an admin may record work on behalf of another user');
  const u = await db.selectFrom('users').select('id').where('id', '=', technicianId).executeTakeFirst();
  if (!u) throw new ValidationError('technician_id', `user ${technicianId} does not exist`);
  return technicianId;
}

/** The record a correction targets, locked for this transaction on PostgreSQL (SQLite writers are serial). */
export async function lockCalibrationRow(trx: Kysely<DB>, id: number) {
  await lockRow(trx, 'calibration_records', id);
  return findCalibrationRow(trx, id);
}

/**
 * The checks every correction passes, whether saved at once or held for an admin: the record is a
 * calibration of this instrument, not corrected already, and has no correction awaiting approval.
 */
export async function assertCorrectable<T extends { instrument_id: number }>(
  trx: Kysely<DB>,
  original: T | undefined | null,
  inst: { id: number; tag: string },
  correctsId: number,
): Promise<T> {
  if (!original || original.instrument_id !== inst.id) {
    throw new ValidationError('corrects_id', `calibration ${correctsId} is not a calibration of ${inst.tag}`);
  }
  const existing = await correctionOf(trx, correctsId);
  if (existing) {
    throw new ConflictError(
      'calibration_already_corrected',
      `calibration ${correctsId} was already corrected by record ${existing.id}; correct that one instead`,
      { corrected_by_id: existing.id },
    );
  }
  await assertNoPendingCorrection(trx, correctsId);
  return original;
}

/** A record with a correction waiting for an admin takes no other correction until it is decided. */
export async function assertNoPendingCorrection(trx: Kysely<DB>, calibrationId: number) {
  const pending = await trx
    .selectFrom('calibration_corrections')
    .select('id')
    .where('calibration_id', '=', calibrationId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (pending) {
    throw new ConflictError(
      'calibration_correction_pending',
      `calibration ${calibrationId} has correction #${pending.id} awaiting an admin's approval`,
      { correction_id: pending.id },
    );
  }
}

/** The first record of a correction chain: one corrective work order per calibration event. */
async function chainRoot(db: Kysely<DB>, id: number): Promise<number> {
  let current = id;
  for (let hops = 0; hops < 100; hops++) {
    const row = await findCalibrationRow(db, current);
    if (!row?.corrects_id) return current;
    current = row.corrects_id;
  }
  return current;
}

/** The live instrument a calibration is recorded on. */
export async function calibratedInstrument(trx: Kysely<DB>, id: number) {
  const inst = await trx
    .selectFrom('instruments')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!inst) throw new ValidationError('instrument_id', `instrument ${id} does not exist`);
  return inst;
}
export type CalibratedInstrument = Awaited<ReturnType<typeof calibratedInstrument>>;

/** When the work was done: now unless given, and never in the future (beyond a clock's slack). */
export function checkedPerformedAt(input: { performed_at?: string }, now: Date): string {
  const performedAt = input.performed_at ? new Date(input.performed_at).toISOString() : now.toISOString();
  if (Date.parse(performedAt) > now.getTime() + FUTURE_SLACK_MS) {
    throw new ValidationError('performed_at', 'performed_at cannot be in the future');
  }
  return performedAt;
}

/**
 * Everything checked before a record is written: who performed it, the reference standard usable on
 * that day, the points against the procedure (issue 13), and for a correction the record it corrects.
 */
export async function prepareCalibration(
  trx: Kysely<DB>,
  actor: { id: number; role: Role },
  inst: CalibratedInstrument,
  input: CalibrationInput,
  performedAt: string,
  opts: { correctedBy?: number },
) {
  let technicianId = await assertTechnician(trx, actor, input.technician_id);
  const { certificate } = await assertStandardUsable(trx, input.reference_standard_id, performedAt);
  const prepared = await preparePoints(trx, inst, input.points, input, certificate);
  let correctedRoot: number | null = null;
  let correctedBy: number | null = null;
  if (input.corrects_id !== undefined) {
    // Locked, so of concurrent corrections of one record exactly one gets past the checks below.
    const original = await assertCorrectable(
      trx,
      await lockCalibrationRow(trx, input.corrects_id),
      inst,
      input.corrects_id,
    );
    correctedRoot = await chainRoot(trx, input.corrects_id);
    // A correction fixes the record of work someone did: the performer stays, the corrector is noted.
    if (input.technician_id === undefined) technicianId = original.technician_id;
    correctedBy = opts.correctedBy ?? actor.id;
  }
  return { technicianId, certificate, prepared, correctedRoot, correctedBy };
}
export type PreparedCalibration = Awaited<ReturnType<typeof prepareCalibration>>;

/** Every point's as-found / as-left error (% of span) and verdict, and the warnings to show. */
export function evaluateCalibration(inst: CalibratedInstrument, prep: PreparedCalibration) {
  const result = evaluatePoints(prep.prepared.points, inst, prep.prepared.rule);
  const warnings = [...prep.prepared.warnings];
  const lowTur = turWarning(result.points);
  if (lowTur) warnings.push(lowTur);
  return { result, warnings };
}
export type CalibrationResult = ReturnType<typeof evaluateCalibration>['result'];

/** Writes the record and its points; the due date is set once the prediction has seen it. */
export async function insertCalibrationRecord(
  trx: Kysely<DB>,
  r: {
    inst: CalibratedInstrument;
    input: CalibrationInput;
    prep: PreparedCalibration;
    result: CalibrationResult;
    performedAt: string;
    /** The device in the position when it was performed (issue 13): the record belongs to it. */
    deviceId: number | null;
    at: string;
  },
): Promise<number> {
  const { inst, input, prep, result, at } = r;
  const row = await trx
    .insertInto('calibration_records')
    .values({
      instrument_id: inst.id,
      performed_at: r.performedAt,
      technician_id: prep.technicianId,
      reference_standard_id: input.reference_standard_id,
      notes: input.notes?.trim() || null,
      tolerance_pct: result.tolerance_pct,
      as_found_passed: result.as_found_passed ? 1 : 0,
      as_left_passed: result.as_left_passed ? 1 : 0,
      passed: result.passed ? 1 : 0,
      max_as_found_error_pct: result.max_as_found_error_pct,
      max_as_left_error_pct: result.max_as_left_error_pct,
      corrects_id: input.corrects_id ?? null,
      corrected_by: prep.correctedBy,
      work_order_id: input.work_order_id ?? null,
      device_id: r.deviceId,
      next_due_at: null,
      procedure_id: prep.prepared.procedure?.id ?? null,
      procedure_revision: prep.prepared.procedure?.revision ?? null,
      reduced_check: prep.prepared.reduced_check ? 1 : 0,
      resets_due_date: prep.prepared.resets_due_date ? 1 : 0,
      hysteresis_as_found_pct: result.hysteresis_as_found_pct,
      hysteresis_as_left_pct: result.hysteresis_as_left_pct,
      repeatability_as_found_pct: result.repeatability_as_found_pct,
      repeatability_as_left_pct: result.repeatability_as_left_pct,
      reference_certificate_id: prep.certificate.id,
      min_tur: result.min_tur,
      created_at: at,
      updated_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('calibration_points')
    .values(result.points.map((p) => pointInsertRow(row.id, p, at)))
    .execute();
  return row.id;
}

/**
 * The record's next due date: from the latest record in force that counts for the due date, with
 * the interval the instrument now has (`predicted_interval_days` as just refreshed).
 */
export async function setNextDueDate(
  trx: Kysely<DB>,
  recordId: number,
  inst: IntervalSettings & { id: number; created_at: string },
  performedAt: string,
): Promise<string> {
  const last = await trx
    .selectFrom('calibration_records as cr')
    .where('cr.instrument_id', '=', inst.id)
    .where(inForce('cr.id'))
    .where(countsForDueDate('cr'))
    .select((eb) => eb.fn.max('cr.performed_at').as('m'))
    .executeTakeFirstOrThrow();
  const nextDue = nextDueDate(last.m ?? performedAt, inst.created_at, effectiveIntervalDays(inst));
  await trx
    .updateTable('calibration_records')
    .set({ next_due_at: nextDue })
    .where('id', '=', recordId)
    .execute();
  return nextDue;
}

/**
 * The corrective work a calibration found (or left) out of tolerance asks for, or null when it
 * passed: repair or replace when still out, else investigate cause and impact.
 */
export function correctiveWork(
  inst: { tag: string; unit: string },
  recordId: number,
  prep: PreparedCalibration,
  result: CalibrationResult,
  performedAt: string,
) {
  if (result.as_found_passed && result.as_left_passed) return null;
  const failing = result.points.filter((p) => !p.as_found_passed || !p.as_left_passed);
  const stillOut = !result.as_left_passed;
  const describe = failing
    .map(
      (p) =>
        `reference ${p.reference_value} ${inst.unit}: as-found ${p.as_found} (${p.as_found_error_pct} %), ` +
        `as-left ${p.as_left} (${p.as_left_error_pct} %)`,
    )
    .join('; ');
  return {
    title: stillOut
      ? `${inst.tag}: out of tolerance after calibration, repair or replace`
      : `${inst.tag}: calibration found out of tolerance, investigate cause and impact`,
    description:
      `Calibration record #${recordId} on ${performedAt.slice(0, 10)}: tolerance ${describeRule(prep.prepared.rule, inst.unit)}. ` +
      `Failing points: ${describe}.`,
    priority: stillOut ? ('urgent' as const) : ('high' as const),
    /** One corrective work order per calibration event, corrections included. */
    sourceKey: `calibration_failed:${prep.correctedRoot ?? recordId}`,
    /** Issue 13: what was measured with it since the last good calibration needs assessing. */
    assessImpact: !result.as_found_passed,
  };
}

/**
 * Computes a calibration's content hash (audit/record-hash.ts) from the stored row and points (read back, so both
 * dialects hash what they will later read) and stores it; the caller puts it in the audit row.
 */
export async function sealCalibration(trx: Kysely<DB>, id: number): Promise<string> {
  return (await sealCalibrations(trx, [id])).get(id) as string;
}

/** sealCalibration of many records: reads them a statement per batch. Id -> hash. */
export async function sealCalibrations(
  trx: Kysely<DB>,
  ids: readonly number[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const batch of batchesOf(ids)) {
    const records = await trx
      .selectFrom('calibration_records')
      .selectAll()
      .where('id', 'in', batch)
      .execute();
    for (const [id, hash] of await sealCalibrationRows(trx, records, await pointsOf(trx, batch)))
      out.set(id, hash);
  }
  for (const id of ids) if (!out.has(id)) throw new NotFoundError('calibration', id);
  return out;
}

/**
 * Seals records given as the database returns them (a read, or the RETURNING of their insert: the
 * same row types on both dialects), with all their points; writes a statement per batch. Id -> hash.
 */
export async function sealCalibrationRows(
  trx: Kysely<DB>,
  records: readonly Selectable<CalibrationRecordsTable>[],
  points: readonly Selectable<CalibrationPointsTable>[],
): Promise<Map<number, string>> {
  const byRecord = new Map<number, Selectable<CalibrationPointsTable>[]>();
  for (const p of points) {
    const list = byRecord.get(p.calibration_id);
    if (list) list.push(p);
    else byRecord.set(p.calibration_id, [p]);
  }
  const out = new Map<number, string>();
  const pointHashes: { id: number; value: string }[] = [];
  const recordHashes: { id: number; value: string }[] = [];
  for (const r of records) {
    // The order pointsOf reads them in: by seq, then id.
    const mine = (byRecord.get(r.id) ?? []).sort((a, b) => a.seq - b.seq || a.id - b.id);
    const hashes: string[] = [];
    for (const p of mine) {
      const h = pointHash(p);
      hashes.push(h);
      if (p.content_hash !== h) pointHashes.push({ id: p.id, value: h });
    }
    const hash = calibrationHash(r, hashes);
    recordHashes.push({ id: r.id, value: hash });
    out.set(r.id, hash);
  }
  await setColumnById(trx, 'calibration_points', 'content_hash', pointHashes);
  await setColumnById(trx, 'calibration_records', 'content_hash', recordHashes);
  return out;
}

/** Seals the record's content hash and audits its creation (or correction) with that hash. */
export async function auditCalibrationRecord(
  trx: Kysely<DB>,
  actor: { id: number },
  recordId: number,
  r: { corrects: boolean; suppressedUntil: string; usePredictedInterval: boolean; at: string },
): Promise<PublicCalibration> {
  const record = await findCalibration(trx, recordId);
  if (!record) throw new NotFoundError('calibration', recordId);
  const contentHash = await sealCalibration(trx, recordId);
  await recordAudit(trx, {
    userId: actor.id,
    action: r.corrects ? 'correct' : 'create',
    entityType: 'calibration_record',
    entityId: recordId,
    newValue: {
      ...record,
      suppressed_until: r.suppressedUntil,
      use_predicted_interval: r.usePredictedInterval,
      content_hash: contentHash,
    },
    at: r.at,
  });
  return record;
}

/**
 * Points a record at the work order it was done under (on completion of that order). Only a record
 * not linked yet is changed; its new content hash goes in the trail (docs/audit.md).
 */
export async function linkRecordToWorkOrder(
  trx: Kysely<DB>,
  actorId: number,
  recordId: number,
  workOrderId: number,
  at: string,
) {
  const linked = await trx
    .updateTable('calibration_records')
    .set({ work_order_id: workOrderId, updated_at: at })
    .where('id', '=', recordId)
    .where('work_order_id', 'is', null)
    .executeTakeFirst();
  if (Number(linked.numUpdatedRows) === 0) return;
  await recordAudit(trx, {
    userId: actorId,
    action: 'link_work_order',
    entityType: 'calibration_record',
    entityId: recordId,
    oldValue: { work_order_id: null },
    newValue: { work_order_id: workOrderId, content_hash: await sealCalibration(trx, recordId) },
    at,
  });
}

export async function getCalibration(db: Kysely<DB>, id: number) {
  const r = await findCalibration(db, id);
  if (!r) throw new NotFoundError('calibration', id);
  return r;
}
