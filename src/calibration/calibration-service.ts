import { type Kysely, PostgresAdapter } from 'kysely';
import { clearAlertCondition, listAlerts } from '../alerts/alert-service.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { sealCalibration } from '../audit/record-hash.ts';
import type { DB, Role } from '../db/schema.ts';
import { deviceInstalledAt } from '../devices/installations.ts';
import { extendSuppressionWindow } from '../instruments/instrument-service.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { assertStandardUsable } from '../reference-standards/reference-standard-service.ts';
import type { CmmsSettings } from '../settings/cmms-settings.ts';
import { beforeMinuteOf } from '../shared/clock.ts';
import { bool } from '../shared/db-values.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { isOpenStatus } from '../work-orders/lifecycle.ts';
import { createGeneratedWorkOrder } from '../work-orders/work-order-service.ts';
import {
  correctionOf,
  findCalibration,
  findCalibrationRow,
  type PublicCalibration,
} from './calibration-records.ts';
import { effectiveIntervalDays, isOverdue, nextDueDate } from './due-dates.ts';
import { openImpactAssessment } from './impact-assessment.ts';
import { countsForDueDate, inForce } from './in-force.ts';
import { refreshPredictedInterval } from './interval-service.ts';
import { evaluatePoints } from './point-errors.ts';
import {
  type CalibrationWarning,
  preparePoints,
  type RawPoint,
  turWarning,
} from './procedure-enforcement.ts';
import { signIfNeeded } from './signing.ts';
import { describeRule } from './tolerances.ts';

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
  const pg = trx.getExecutor().adapter instanceof PostgresAdapter;
  await trx
    .selectFrom('calibration_records')
    .select('id')
    .where('id', '=', id)
    .$if(pg, (q) => q.forUpdate())
    .execute();
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

/**
 * Records a calibration: computes every point's as-found / as-left error (% of span) and verdict
 * against the instrument's tolerance, stores the record, and in the same transaction starts the
 * alert suppression window, refreshes the condition-based interval, opens a corrective work order
 * when the instrument was found (or left) out of tolerance, and clears an overdue condition the
 * new due date ends. The CUSUM reset follows from the `calibration.recorded` event after commit.
 */
export async function recordCalibration(
  db: Kysely<DB>,
  actor: { id: number; role: Role },
  input: CalibrationInput,
  deps: CalibrationDeps,
  /** An approved correction is written by the approving admin on behalf of its requester. */
  opts: { correctedBy?: number } = {},
): Promise<PublicCalibration & { warnings: CalibrationWarning[] }> {
  const { now } = deps;
  const at = now.toISOString();
  const performedAt = input.performed_at ? new Date(input.performed_at).toISOString() : at;
  if (Date.parse(performedAt) > now.getTime() + FUTURE_SLACK_MS) {
    throw new ValidationError('performed_at', 'performed_at cannot be in the future');
  }
  const run = async (trx: Kysely<DB>) => {
    const inst = await trx
      .selectFrom('instruments')
      .selectAll()
      .where('id', '=', input.instrument_id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!inst) throw new ValidationError('instrument_id', `instrument ${input.instrument_id} does not exist`);
    let technicianId = await assertTechnician(trx, actor, input.technician_id);
    const { certificate } = await assertStandardUsable(trx, input.reference_standard_id, performedAt);

    // Issue 13 (procedures, tolerances, uncertainty): points checked against the procedure and resolved.
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

    if (input.work_order_id !== undefined) {
      const wo = await trx
        .selectFrom('work_orders')
        .select([
          'id',
          'instrument_id',
          'type',
          'status',
          'calibration_record_id',
          'assigned_to',
          'created_at',
        ])
        .where('id', '=', input.work_order_id)
        .executeTakeFirst();
      if (!wo || wo.instrument_id !== inst.id || wo.type !== 'calibration' || !isOpenStatus(wo.status)) {
        throw new ValidationError(
          'work_order_id',
          `work order ${input.work_order_id} is not an open calibration work order for ${inst.tag}`,
        );
      }
      if (beforeMinuteOf(performedAt, wo.created_at)) {
        // Issue 13: work done before the order existed was not done for it.
        throw new ValidationError(
          'performed_at',
          `work order #${wo.id} was opened at ${wo.created_at}; a calibration performed before it is not the one it asks for`,
        );
      }
      if (actor.role !== 'admin' && wo.assigned_to !== null && wo.assigned_to !== actor.id) {
        throw new ForbiddenError(
          `work order #${wo.id} is assigned to another user: technicians may record work only under their own or unassigned work orders`,
          'work_order_not_assigned',
          { assigned_to: wo.assigned_to },
        );
      }
    }

    const result = evaluatePoints(prepared.points, inst, prepared.rule);
    const warnings = [...prepared.warnings];
    const lowTur = turWarning(result.points);
    if (lowTur) warnings.push(lowTur);
    const row = await trx
      .insertInto('calibration_records')
      .values({
        instrument_id: inst.id,
        performed_at: performedAt,
        technician_id: technicianId,
        reference_standard_id: input.reference_standard_id,
        notes: input.notes?.trim() || null,
        tolerance_pct: result.tolerance_pct,
        as_found_passed: result.as_found_passed ? 1 : 0,
        as_left_passed: result.as_left_passed ? 1 : 0,
        passed: result.passed ? 1 : 0,
        max_as_found_error_pct: result.max_as_found_error_pct,
        max_as_left_error_pct: result.max_as_left_error_pct,
        corrects_id: input.corrects_id ?? null,
        corrected_by: correctedBy,
        work_order_id: input.work_order_id ?? null,
        // Issue 13: the record belongs to the device in the position when it was performed.
        device_id: await deviceInstalledAt(trx, inst.id, performedAt),
        next_due_at: null,
        procedure_id: prepared.procedure?.id ?? null,
        procedure_revision: prepared.procedure?.revision ?? null,
        reduced_check: prepared.reduced_check ? 1 : 0,
        resets_due_date: prepared.resets_due_date ? 1 : 0,
        hysteresis_as_found_pct: result.hysteresis_as_found_pct,
        hysteresis_as_left_pct: result.hysteresis_as_left_pct,
        repeatability_as_found_pct: result.repeatability_as_found_pct,
        repeatability_as_left_pct: result.repeatability_as_left_pct,
        reference_certificate_id: certificate.id,
        min_tur: result.min_tur,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('calibration_points')
      .values(
        result.points.map((p) => ({
          calibration_id: row.id,
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
        })),
      )
      .execute();

    // The new record is now part of the history the prediction reads.
    const prediction = await refreshPredictedInterval(trx, inst.id, now);
    const interval = effectiveIntervalDays({
      ...inst,
      predicted_interval_days: prediction.predicted_interval_days,
    });
    const last = await trx
      .selectFrom('calibration_records as cr')
      .where('cr.instrument_id', '=', inst.id)
      .where(inForce('cr.id'))
      .where(countsForDueDate('cr'))
      .select((eb) => eb.fn.max('cr.performed_at').as('m'))
      .executeTakeFirstOrThrow();
    const nextDue = nextDueDate(last.m ?? performedAt, inst.created_at, interval);
    await trx
      .updateTable('calibration_records')
      .set({ next_due_at: nextDue })
      .where('id', '=', row.id)
      .execute();

    const suppressedUntil = new Date(
      Date.parse(performedAt) + deps.settings.suppressionMinutes * 60_000,
    ).toISOString();
    await extendSuppressionWindow(trx, inst.id, suppressedUntil, at);

    if (input.work_order_id !== undefined) {
      const linked = await trx
        .updateTable('work_orders')
        .set({ calibration_record_id: row.id, updated_at: at })
        .where('id', '=', input.work_order_id)
        .where('status', 'in', ['open', 'in_progress'])
        .executeTakeFirst();
      if (Number(linked.numUpdatedRows) !== 1) {
        throw new ConflictError(
          'work_order_closed',
          `work order #${input.work_order_id} was closed meanwhile`,
        );
      }
      await recordAudit(trx, {
        userId: actor.id,
        action: 'link_calibration',
        entityType: 'work_order',
        entityId: input.work_order_id,
        newValue: { calibration_record_id: row.id },
        at,
      });
    }

    if (!result.as_found_passed || !result.as_left_passed) {
      const failing = result.points.filter((p) => !p.as_found_passed || !p.as_left_passed);
      const stillOut = !result.as_left_passed;
      const describe = failing
        .map(
          (p) =>
            `reference ${p.reference_value} ${inst.unit}: as-found ${p.as_found} (${p.as_found_error_pct} %), ` +
            `as-left ${p.as_left} (${p.as_left_error_pct} %)`,
        )
        .join('; ');
      const corrective = await createGeneratedWorkOrder(
        trx,
        {
          instrument_id: inst.id,
          title: stillOut
            ? `${inst.tag}: out of tolerance after calibration, repair or replace`
            : `${inst.tag}: calibration found out of tolerance, investigate cause and impact`,
          description:
            `Calibration record #${row.id} on ${performedAt.slice(0, 10)}: tolerance ${describeRule(prepared.rule, inst.unit)}. ` +
            `Failing points: ${describe}.`,
          type: 'corrective',
          priority: stillOut ? 'urgent' : 'high',
        },
        {
          source: 'calibration_failed',
          source_key: `calibration_failed:${correctedRoot ?? row.id}`,
          calibration_record_id: row.id,
        },
        deps,
      );
      if (!result.as_found_passed) {
        // Issue 13: what was measured with it since the last good calibration needs assessing.
        await openImpactAssessment(trx, {
          workOrderId: corrective.workOrder.id,
          calibrationId: row.id,
          instrumentId: inst.id,
          performedAt,
          at,
        });
      }
    }

    if (!isOverdue(nextDue, now)) {
      const open = await listAlerts(trx, {
        instrument_id: inst.id,
        alert_type: 'calibration_overdue',
        status: 'active',
        include_suppressed: true,
        limit: 100,
        offset: 0,
      });
      for (const a of open.items) {
        await clearAlertCondition(
          trx,
          { instrumentId: inst.id, alertType: 'calibration_overdue', conditionKey: a.condition },
          at,
        );
      }
    }

    const record = await findCalibration(trx, row.id);
    if (!record) throw new NotFoundError('calibration', row.id);
    const contentHash = await sealCalibration(trx, row.id);
    await recordAudit(trx, {
      userId: actor.id,
      action: input.corrects_id ? 'correct' : 'create',
      entityType: 'calibration_record',
      entityId: row.id,
      newValue: {
        ...record,
        suppressed_until: suppressedUntil,
        use_predicted_interval: bool(inst.use_predicted_interval),
        content_hash: contentHash,
      },
      at,
    });
    await signIfNeeded(trx, actor, row.id, input.signature, deps.now, opts.correctedBy !== undefined);
    deps.after.emit('calibration.recorded', inst.id, performedAt);
    return { ...record, warnings };
  };
  // Approving a correction records it inside the approval's transaction.
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

export async function getCalibration(db: Kysely<DB>, id: number) {
  const r = await findCalibration(db, id);
  if (!r) throw new NotFoundError('calibration', id);
  return r;
}
