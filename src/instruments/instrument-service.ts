import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { effectiveIntervalDays, isOverdue, nextDueDate } from '../calibration/due-dates.ts';
import {
  installedDeviceId,
  installedDeviceSerial,
  lastCalibratedAt,
  outOfTolerance,
} from '../calibration/in-force.ts';
import type { DB, InstrumentRow } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { refreshPredictedInterval } from './predicted-interval.ts';
import { hasReadings, RANGE_FIELDS, rangeChangeRefused } from './range-changes.ts';
import { instrumentFields } from './schemas.ts';
import { validateRangeAndLimits } from './validation.ts';

export interface InstrumentInput {
  tag: string;
  type: string;
  measured_variable?: string | null;
  unit: string;
  range_min: number;
  range_max: number;
  nominal_value?: number | null;
  location?: string | null;
  equipment?: string | null;
  accuracy_class?: number;
  criticality?: string;
  status?: string;
  process_unit_id?: number | null;
  calibration_interval_days?: number;
  use_predicted_interval?: boolean;
  description?: string | null;
  alarm_low_critical?: number | null;
  alarm_low_warning?: number | null;
  alarm_high_warning?: number | null;
  alarm_high_critical?: number | null;
  alarm_deadband?: number;
  alarm_on_delay_seconds?: number;
  publish_interval_seconds?: number;
  stuck_deadband?: number;
  stuck_window_minutes?: number | null;
  signal_low_ma?: number;
  signal_high_ma?: number;
  max_rate_per_second?: number | null;
  cusum_k?: number | null;
  cusum_h?: number | null;
}

/** Defaults for the monitoring settings, some as a share of the span so they suit any range. */
export function instrumentDefaults(
  rangeMin: number,
  rangeMax: number,
): Required<Omit<InstrumentInput, 'tag' | 'type' | 'unit' | 'range_min' | 'range_max'>> {
  const span = Math.abs(rangeMax - rangeMin) || 1;
  return {
    measured_variable: null,
    nominal_value: null,
    location: null,
    equipment: null,
    accuracy_class: 0.5,
    criticality: 'medium',
    status: 'active',
    process_unit_id: null,
    calibration_interval_days: 180,
    use_predicted_interval: false,
    description: null,
    alarm_low_critical: null,
    alarm_low_warning: null,
    alarm_high_warning: null,
    alarm_high_critical: null,
    alarm_deadband: round(span * 0.01),
    alarm_on_delay_seconds: 5,
    publish_interval_seconds: 5,
    stuck_deadband: round(span * 0.0005),
    stuck_window_minutes: null,
    signal_low_ma: 3.8,
    signal_high_ma: 20.5,
    max_rate_per_second: null,
    cusum_k: null,
    cusum_h: null,
  };
}

const round = (v: number) => Number(v.toPrecision(6));

type Row = InstrumentRow & {
  process_unit_name: string | null;
  last_calibration_at: string | null;
  out_of_tolerance: number | null;
  device_id: number | null;
  device_serial_number: string | null;
};

export function toPublicInstrument(r: Row, now: Date) {
  const interval = effectiveIntervalDays(r);
  const due = nextDueDate(r.last_calibration_at, r.created_at, interval);
  return {
    id: r.id,
    tag: r.tag,
    type: r.type,
    measured_variable: r.measured_variable,
    unit: r.unit,
    range_min: r.range_min,
    range_max: r.range_max,
    nominal_value: r.nominal_value,
    location: r.location,
    equipment: r.equipment,
    accuracy_class: r.accuracy_class,
    criticality: r.criticality,
    status: r.status,
    process_unit_id: r.process_unit_id,
    process_unit_name: r.process_unit_name,
    calibration_interval_days: r.calibration_interval_days,
    use_predicted_interval: bool(r.use_predicted_interval),
    predicted_interval_days: r.predicted_interval_days,
    effective_interval_days: interval,
    description: r.description,
    alarm_low_critical: r.alarm_low_critical,
    alarm_low_warning: r.alarm_low_warning,
    alarm_high_warning: r.alarm_high_warning,
    alarm_high_critical: r.alarm_high_critical,
    alarm_deadband: r.alarm_deadband,
    alarm_on_delay_seconds: r.alarm_on_delay_seconds,
    publish_interval_seconds: r.publish_interval_seconds,
    stuck_deadband: r.stuck_deadband,
    stuck_window_minutes: r.stuck_window_minutes,
    signal_low_ma: r.signal_low_ma,
    signal_high_ma: r.signal_high_ma,
    max_rate_per_second: r.max_rate_per_second,
    cusum_k: r.cusum_k,
    cusum_h: r.cusum_h,
    suppressed_until: r.suppressed_until,
    last_calibration_at: r.last_calibration_at,
    next_calibration_due: due,
    calibration_overdue: r.deleted_at === null && r.status !== 'out_of_service' && isOverdue(due, now),
    // Issue 13: the latest calibration in force failed as-left (left out of tolerance).
    out_of_tolerance: Number(r.out_of_tolerance ?? 0) === 1,
    device_id: r.device_id ?? null,
    device_serial_number: r.device_serial_number ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deleted_at: r.deleted_at,
  };
}
export type PublicInstrument = ReturnType<typeof toPublicInstrument>;

function baseQuery(db: Kysely<DB>) {
  return db
    .selectFrom('instruments')
    .leftJoin('process_units', 'process_units.id', 'instruments.process_unit_id')
    .selectAll('instruments')
    .select('process_units.name as process_unit_name')
    .select(lastCalibratedAt('instruments.id').as('last_calibration_at'))
    .select(outOfTolerance('instruments.id').as('out_of_tolerance'))
    .select(installedDeviceId('instruments.id').as('device_id'))
    .select(installedDeviceSerial('instruments.id').as('device_serial_number'));
}

export async function findInstrument(db: Kysely<DB>, id: number, opts: { includeDeleted?: boolean } = {}) {
  let q = baseQuery(db).where('instruments.id', '=', id);
  if (!opts.includeDeleted) q = q.where('instruments.deleted_at', 'is', null);
  return (await q.executeTakeFirst()) as Row | undefined;
}

export async function getInstrument(
  db: Kysely<DB>,
  id: number,
  now: Date,
  opts: { includeDeleted?: boolean } = {},
) {
  const r = await findInstrument(db, id, opts);
  if (!r) throw new NotFoundError('instrument', id);
  return toPublicInstrument(r, now);
}

export async function getInstrumentByTag(db: Kysely<DB>, tag: string, now: Date) {
  const r = (await baseQuery(db)
    .where('instruments.tag', '=', tag)
    .where('instruments.deleted_at', 'is', null)
    .executeTakeFirst()) as Row | undefined;
  if (!r) throw new NotFoundError('instrument', tag);
  return toPublicInstrument(r, now);
}

export interface InstrumentQuery {
  q?: string;
  type?: string;
  process_unit_id?: number;
  criticality?: string;
  status?: string;
  include_deleted?: boolean;
  limit: number;
  offset: number;
}

export async function listInstruments(db: Kysely<DB>, query: InstrumentQuery, now: Date) {
  let q = baseQuery(db);
  if (!query.include_deleted) q = q.where('instruments.deleted_at', 'is', null);
  if (query.type) q = q.where('instruments.type', '=', query.type);
  if (query.process_unit_id) q = q.where('instruments.process_unit_id', '=', query.process_unit_id);
  if (query.criticality) q = q.where('instruments.criticality', '=', query.criticality);
  if (query.status) q = q.where('instruments.status', '=', query.status);
  if (query.q) {
    const like = `%${query.q.toLowerCase()}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['instruments.tag']), 'like', like),
        eb(eb.fn('lower', ['instruments.description']), 'like', like),
        eb(eb.fn('lower', ['instruments.location']), 'like', like),
        eb(eb.fn('lower', ['instruments.equipment']), 'like', like),
        eb(eb.fn('lower', ['instruments.measured_variable']), 'like', like),
        eb(eb.fn('lower', ['process_units.name']), 'like', like),
        // The device installed in the position now: its manufacturer, model and serial.
        eb.exists(
          eb
            .selectFrom('device_installations as sdi')
            .innerJoin('devices as sd', 'sd.id', 'sdi.device_id')
            .select('sd.id')
            .whereRef('sdi.instrument_id', '=', 'instruments.id')
            .where('sdi.removed_at', 'is', null)
            .where((d) =>
              d.or([
                d(d.fn('lower', ['sd.manufacturer']), 'like', like),
                d(d.fn('lower', ['sd.model']), 'like', like),
                d(d.fn('lower', ['sd.serial_number']), 'like', like),
              ]),
            ),
        ),
      ]),
    );
  }
  const { n } = await q
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = (await q
    .orderBy('instruments.tag')
    .limit(query.limit)
    .offset(query.offset)
    .execute()) as Row[];
  return {
    items: rows.map((r) => toPublicInstrument(r, now)),
    total: Number(n),
    limit: query.limit,
    offset: query.offset,
  };
}

// Tags are unique among live instruments regardless of case: PT-101 and pt-101 would be one loop
// to a technician. The check gives the clear 409; the index (migration 0007) settles a race.
async function assertTagFree(db: Kysely<DB>, tag: string, exceptId?: number) {
  let q = db
    .selectFrom('instruments')
    .select('tag')
    .where((eb) => eb(eb.fn('lower', ['tag']), '=', tag.toLowerCase()))
    .where('deleted_at', 'is', null);
  if (exceptId) q = q.where('id', '<>', exceptId);
  const taken = await q.executeTakeFirst();
  if (taken) throw tagTaken(tag, taken.tag);
}

const tagTaken = (tag: string, existing = tag) =>
  new ConflictError(
    'instrument_tag_taken',
    existing === tag
      ? `an instrument with tag ${tag} already exists`
      : `an instrument with tag ${existing} already exists (tags are unique regardless of case)`,
    { field: 'tag', existing_tag: existing },
  );

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

/** A concurrent create or rename that lost the race on the tag index: 409, not 500. */
async function tagRace<T>(tag: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '')) throw tagTaken(tag);
    throw e;
  }
}

/** The caller's transaction when it has one (an import writes many rows all or nothing), else a new one. */
function inTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** Only the fields the API declares reach the table, whatever the caller passed. */
function declaredOnly<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([k, v]) => v !== undefined && Object.hasOwn(instrumentFields, k)),
  ) as T;
}

async function assertProcessUnit(db: Kysely<DB>, id: number | null) {
  if (id === null) return;
  const pu = await db
    .selectFrom('process_units')
    .select('id')
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!pu) throw new ValidationError('process_unit_id', `process unit ${id} does not exist`);
}

function toRowValues(v: ReturnType<typeof instrumentDefaults> & InstrumentInput) {
  const { use_predicted_interval, ...rest } = v;
  return { ...rest, use_predicted_interval: use_predicted_interval ? 1 : 0 };
}

export async function createInstrument(
  db: Kysely<DB>,
  actorId: number | null,
  input: InstrumentInput,
  now: Date,
  after: AfterCommit,
) {
  const at = now.toISOString();
  const merged = {
    ...instrumentDefaults(input.range_min, input.range_max),
    ...declaredOnly(input),
    tag: input.tag.trim(),
  };
  validateRangeAndLimits(merged);
  const created = await tagRace(merged.tag, () =>
    inTransaction(db, async (trx) => {
      await assertTagFree(trx, merged.tag);
      await assertProcessUnit(trx, merged.process_unit_id);
      const { id } = await trx
        .insertInto('instruments')
        .values({ ...toRowValues(merged), created_at: at, updated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      const created = toPublicInstrument((await findInstrument(trx, id)) as Row, now);
      await recordAudit(trx, {
        userId: actorId,
        action: 'create',
        entityType: 'instrument',
        entityId: id,
        newValue: created,
        at,
      });
      return created;
    }),
  );
  after.emit('instrument.changed', created.id);
  return created;
}

export async function updateInstrument(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: Partial<InstrumentInput>,
  now: Date,
  afterCommit: AfterCommit,
) {
  const at = now.toISOString();
  const updated = await tagRace(patch.tag?.trim() ?? '', () =>
    inTransaction(db, async (trx) => {
      const beforeRow = await findInstrument(trx, id);
      if (!beforeRow) throw new NotFoundError('instrument', id);
      const before = toPublicInstrument(beforeRow, now);
      const changes = declaredOnly(patch);
      const merged = { ...before, ...changes };
      validateRangeAndLimits(merged);
      const relabels = RANGE_FIELDS.filter((k) => changes[k] !== undefined && changes[k] !== before[k]);
      if (relabels.length > 0 && (await hasReadings(trx, id))) throw rangeChangeRefused(before.tag, relabels);
      if (changes.tag !== undefined) await assertTagFree(trx, changes.tag.trim(), id);
      if (changes.process_unit_id !== undefined) await assertProcessUnit(trx, changes.process_unit_id);
      const { use_predicted_interval, ...rest } = changes;
      await trx
        .updateTable('instruments')
        .set({
          ...rest,
          ...(rest.tag !== undefined ? { tag: rest.tag.trim() } : {}),
          ...(use_predicted_interval !== undefined
            ? { use_predicted_interval: use_predicted_interval ? 1 : 0 }
            : {}),
          updated_at: at,
        })
        .where('id', '=', id)
        .execute();
      // Switching to the condition-based interval uses a prediction computed now, not the last scan's.
      if (use_predicted_interval === true) await refreshPredictedInterval(trx, id, now);
      const after = toPublicInstrument((await findInstrument(trx, id)) as Row, now);
      const intervalChanged =
        use_predicted_interval !== undefined || changes.calibration_interval_days !== undefined;
      const audited = intervalChanged
        ? { ...changes, effective_interval_days: 0, next_calibration_due: 0 }
        : changes;
      await recordAudit(trx, {
        userId: actorId,
        action: 'update',
        entityType: 'instrument',
        entityId: id,
        oldValue: diffOld(before, audited),
        newValue: diffNew(after, audited),
        at,
      });
      return after;
    }),
  );
  afterCommit.emit('instrument.changed', id);
  return updated;
}

/** Soft delete: the record, its readings and its history stay for the audit trail. */
export async function deleteInstrument(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  now: Date,
  after: AfterCommit,
) {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await findInstrument(trx, id);
    if (!row) throw new NotFoundError('instrument', id);
    await trx
      .updateTable('instruments')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'instrument',
      entityId: id,
      oldValue: toPublicInstrument(row, now),
      newValue: { deleted_at: at },
      at,
    });
  });
  after.emit('instrument.changed', id);
}

// Audit rows for an update carry just the fields that changed, before and after.
function diffOld(before: Record<string, unknown>, changes: object) {
  return Object.fromEntries(Object.keys(changes).map((k) => [k, before[k] ?? null]));
}
function diffNew(after: Record<string, unknown>, changes: object) {
  return Object.fromEntries(Object.keys(changes).map((k) => [k, after[k] ?? null]));
}

/**
 * Starts (or extends) the alert suppression window after calibration or maintenance. Call it in the
 * transaction that records the work; a later window is never shortened.
 */
export async function extendSuppressionWindow(trx: Kysely<DB>, id: number, until: string, at: string) {
  await trx
    .updateTable('instruments')
    .set({ suppressed_until: until, updated_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('suppressed_until', 'is', null), eb('suppressed_until', '<', until)]))
    .execute();
}
