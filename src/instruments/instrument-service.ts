import type { Kysely } from 'kysely';
import { recordAudit, recordAudits } from '../audit/audit-log.ts';
import { effectiveIntervalDays, isOverdue, nextDueDate } from '../calibration/due-dates.ts';
import {
  installedDeviceId,
  installedDeviceSerial,
  lastCalibratedAt,
  outOfTolerance,
} from '../calibration/in-force.ts';
import { batchesOf } from '../db/batches.ts';
import type { DB, InstrumentRow } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { refreshPredictedIntervals } from './predicted-interval.ts';
import { instrumentsWithReadings, RANGE_FIELDS, rangeChangeRefused } from './range-changes.ts';
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

/**
 * Every live instrument's id, tag, unit, range and process unit, in one plain query: what a
 * calibration history import matches its rows by, without the due dates and device of each that
 * listInstruments works out.
 */
export async function listInstrumentRanges(db: Kysely<DB>) {
  return db
    .selectFrom('instruments')
    .leftJoin('process_units', 'process_units.id', 'instruments.process_unit_id')
    .select([
      'instruments.id',
      'instruments.tag',
      'instruments.unit',
      'instruments.range_min',
      'instruments.range_max',
      'process_units.name as process_unit_name',
    ])
    .where('instruments.deleted_at', 'is', null)
    .execute();
}
export type InstrumentRange = Awaited<ReturnType<typeof listInstrumentRanges>>[number];

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

/** The live instruments with these ids, as the API reads them (a query per batch of ids). */
async function findInstruments(db: Kysely<DB>, ids: readonly number[]): Promise<Map<number, Row>> {
  const out = new Map<number, Row>();
  for (const batch of batchesOf([...new Set(ids)])) {
    const rows = (await baseQuery(db)
      .where('instruments.id', 'in', batch)
      .where('instruments.deleted_at', 'is', null)
      .execute()) as Row[];
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

// Tags are unique among live instruments regardless of case: PT-101 and pt-101 would be one loop
// to a technician. The check gives the clear 409; the index (migration 0007) settles a race.
async function assertTagsFree(db: Kysely<DB>, tags: readonly string[], exceptId?: number) {
  const given = new Map<string, string>();
  for (const tag of tags) {
    const first = given.get(tag.toLowerCase());
    if (first !== undefined) throw tagTaken(tag, first);
    given.set(tag.toLowerCase(), tag);
  }
  for (const batch of batchesOf([...given.keys()])) {
    let q = db
      .selectFrom('instruments')
      .select('tag')
      .where((eb) => eb(eb.fn('lower', ['tag']), 'in', batch))
      .where('deleted_at', 'is', null);
    if (exceptId) q = q.where('id', '<>', exceptId);
    const taken = await q.executeTakeFirst();
    if (taken) throw tagTaken(given.get(taken.tag.toLowerCase()) ?? taken.tag, taken.tag);
  }
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
async function tagRace<T>(tags: readonly string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '')) throw e;
    if (tags.length <= 1) throw tagTaken(tags[0] ?? '');
    throw new ConflictError(
      'instrument_tag_taken',
      'another change took one of these tags meanwhile (tags are unique regardless of case); nothing was written',
      { field: 'tag' },
    );
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

/** The ids among these that are not a live process unit. */
async function missingProcessUnits(db: Kysely<DB>, ids: readonly (number | null | undefined)[]) {
  const wanted = [...new Set(ids.filter((id): id is number => typeof id === 'number'))];
  const found = new Set<number>();
  for (const batch of batchesOf(wanted)) {
    const rows = await db
      .selectFrom('process_units')
      .select('id')
      .where('id', 'in', batch)
      .where('deleted_at', 'is', null)
      .execute();
    for (const r of rows) found.add(r.id);
  }
  return new Set(wanted.filter((id) => !found.has(id)));
}

const noProcessUnit = (id: number) =>
  new ValidationError('process_unit_id', `process unit ${id} does not exist`);

function toRowValues(v: ReturnType<typeof instrumentDefaults> & InstrumentInput) {
  const { use_predicted_interval, ...rest } = v;
  return { ...rest, use_predicted_interval: use_predicted_interval ? 1 : 0 };
}

/**
 * After commit: one changed instrument is reloaded by id; many (an import) are announced once, and
 * the listeners re-read the register once instead of once per instrument.
 */
function announce(after: AfterCommit, ids: readonly number[]) {
  if (ids.length === 1) after.emit('instrument.changed', ids[0]);
  else if (ids.length > 1) after.emit('instruments.changed');
}

export async function createInstrument(
  db: Kysely<DB>,
  actorId: number | null,
  input: InstrumentInput,
  now: Date,
  after: AfterCommit,
) {
  const [created] = await createInstruments(db, actorId, [input], now, after);
  return created;
}

/**
 * Creates instruments by the rules of POST /api/instruments, all or none: each is validated, its tag
 * must be free, its process unit must exist, and each creation is audited as the API audits it.
 * Written set-based (a statement per batch of rows) so an import of thousands stays fast.
 */
export async function createInstruments(
  db: Kysely<DB>,
  actorId: number | null,
  inputs: readonly InstrumentInput[],
  now: Date,
  after: AfterCommit,
): Promise<PublicInstrument[]> {
  if (inputs.length === 0) return [];
  const at = now.toISOString();
  const rows = inputs.map((input) => {
    const merged = {
      ...instrumentDefaults(input.range_min, input.range_max),
      ...declaredOnly(input),
      tag: input.tag.trim(),
    };
    validateRangeAndLimits(merged);
    return { ...toRowValues(merged), created_at: at, updated_at: at };
  });
  const tags = rows.map((r) => r.tag);
  const created = await tagRace(tags, () =>
    inTransaction(db, async (trx) => {
      await assertTagsFree(trx, tags);
      const missing = await missingProcessUnits(
        trx,
        rows.map((r) => r.process_unit_id),
      );
      if (missing.size > 0) throw noProcessUnit([...missing][0]);
      const idByTag = new Map<string, number>();
      for (const batch of batchesOf(rows, Object.keys(rows[0]).length)) {
        const ids = await trx.insertInto('instruments').values(batch).returning(['id', 'tag']).execute();
        for (const r of ids) idByTag.set(r.tag.toLowerCase(), r.id);
      }
      const ids = tags.map((t) => idByTag.get(t.toLowerCase()) as number);
      const found = await findInstruments(trx, ids);
      const out = ids.map((id) => toPublicInstrument(found.get(id) as Row, now));
      await recordAudits(
        trx,
        out.map((c) => ({
          userId: actorId,
          action: 'create',
          entityType: 'instrument',
          entityId: c.id,
          newValue: c,
          at,
        })),
      );
      return out;
    }),
  );
  announce(
    after,
    created.map((c) => c.id),
  );
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
  const [updated] = await updateInstruments(db, actorId, [{ id, patch }], now, afterCommit);
  return updated;
}

/**
 * Applies patches by the rules of PATCH /api/instruments/{id}, all or none, each checked in the
 * API's order (exists, cross-field rules, readings, tag, process unit) and audited with just the
 * fields it changes. Reads and audits are set-based; each row gets its own UPDATE (its own fields).
 */
export async function updateInstruments(
  db: Kysely<DB>,
  actorId: number,
  changes: readonly { id: number; patch: Partial<InstrumentInput> }[],
  now: Date,
  afterCommit: AfterCommit,
): Promise<PublicInstrument[]> {
  if (changes.length === 0) return [];
  const at = now.toISOString();
  const renames = changes.flatMap((c) => (c.patch.tag === undefined ? [] : [c.patch.tag.trim()]));
  const updated = await tagRace(renames, () =>
    inTransaction(db, async (trx) => {
      const beforeRows = await findInstruments(
        trx,
        changes.map((c) => c.id),
      );
      const planned = changes.map(({ id, patch }) => {
        const row = beforeRows.get(id);
        const before = row ? toPublicInstrument(row, now) : null;
        const fields = declaredOnly(patch);
        const relabels = before
          ? RANGE_FIELDS.filter((k) => fields[k] !== undefined && fields[k] !== before[k])
          : [];
        return { id, before, fields, relabels };
      });
      const withReadings = await instrumentsWithReadings(
        trx,
        planned.filter((p) => p.relabels.length > 0).map((p) => p.id),
      );
      const missingUnits = await missingProcessUnits(
        trx,
        planned.map((p) => p.fields.process_unit_id),
      );
      for (const { id, before, fields, relabels } of planned) {
        if (!before) throw new NotFoundError('instrument', id);
        validateRangeAndLimits({ ...before, ...fields });
        if (relabels.length > 0 && withReadings.has(id)) throw rangeChangeRefused(before.tag, relabels);
        if (fields.tag !== undefined) await assertTagsFree(trx, [fields.tag.trim()], id);
        const unitId = fields.process_unit_id;
        if (typeof unitId === 'number' && missingUnits.has(unitId)) throw noProcessUnit(unitId);
      }
      for (const { id, fields } of planned) {
        const { use_predicted_interval, ...rest } = fields;
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
      }
      // Switching to the condition-based interval uses a prediction computed now, not the last scan's.
      const predicted = planned.filter((p) => p.fields.use_predicted_interval === true).map((p) => p.id);
      if (predicted.length > 0) await refreshPredictedIntervals(trx, predicted, now);
      const afterRows = await findInstruments(
        trx,
        planned.map((p) => p.id),
      );
      const out = planned.map(({ id, before, fields }) => {
        const after = toPublicInstrument(afterRows.get(id) as Row, now);
        const intervalChanged =
          fields.use_predicted_interval !== undefined || fields.calibration_interval_days !== undefined;
        const audited = intervalChanged
          ? { ...fields, effective_interval_days: 0, next_calibration_due: 0 }
          : fields;
        return {
          after,
          audit: {
            userId: actorId,
            action: 'update',
            entityType: 'instrument',
            entityId: id,
            oldValue: diffOld(before as PublicInstrument, audited),
            newValue: diffNew(after, audited),
            at,
          },
        };
      });
      await recordAudits(
        trx,
        out.map((o) => o.audit),
      );
      return out.map((o) => o.after);
    }),
  );
  announce(
    afterCommit,
    updated.map((u) => u.id),
  );
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
