import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';

// Devices: the physical transmitters, each with its own identity (manufacturer, model, serial
// number) and range. Where a device is installed is the installations' business
// (installations.ts); this file owns the device rows.

export interface DeviceInput {
  manufacturer: string;
  model: string;
  serial_number: string;
  device_type?: string | null;
  unit?: string | null;
  range_min?: number | null;
  range_max?: number | null;
  notes?: string | null;
}

const FIELDS = [
  'manufacturer',
  'model',
  'serial_number',
  'device_type',
  'unit',
  'range_min',
  'range_max',
  'notes',
] as const;

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

const selectDevice = (db: Kysely<DB>) =>
  db
    .selectFrom('devices as d')
    .leftJoin('device_installations as di', (j) =>
      j.onRef('di.device_id', '=', 'd.id').on('di.removed_at', 'is', null),
    )
    .leftJoin('instruments as i', 'i.id', 'di.instrument_id')
    .selectAll('d')
    .select([
      'di.instrument_id as installed_instrument_id',
      'i.tag as installed_tag',
      'di.installed_at as installed_at',
    ]);

type DeviceJoined = NonNullable<Awaited<ReturnType<ReturnType<typeof selectDevice>['executeTakeFirst']>>>;

export function toPublicDevice(r: DeviceJoined) {
  return {
    id: r.id,
    manufacturer: r.manufacturer,
    model: r.model,
    serial_number: r.serial_number,
    device_type: r.device_type,
    unit: r.unit,
    range_min: r.range_min,
    range_max: r.range_max,
    notes: r.notes,
    /** installed | spare (not installed anywhere) | retired (deleted) */
    status: r.deleted_at ? 'retired' : r.installed_instrument_id ? 'installed' : 'spare',
    installed_instrument_id: r.installed_instrument_id ?? null,
    installed_tag: r.installed_tag ?? null,
    installed_at: r.installed_at ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deleted_at: r.deleted_at,
  };
}
export type PublicDevice = ReturnType<typeof toPublicDevice>;

export async function findDevice(db: Kysely<DB>, id: number) {
  const r = await selectDevice(db).where('d.id', '=', id).executeTakeFirst();
  return r ? toPublicDevice(r) : null;
}

export async function getDevice(db: Kysely<DB>, id: number) {
  const d = await findDevice(db, id);
  if (!d) throw new NotFoundError('device', id);
  return d;
}

export interface DeviceQuery {
  q?: string;
  manufacturer?: string;
  model?: string;
  status?: 'installed' | 'spare' | 'retired';
  instrument_id?: number;
  limit: number;
  offset: number;
}

export async function listDevices(db: Kysely<DB>, q: DeviceQuery) {
  let query = selectDevice(db);
  if (q.status === 'retired') query = query.where('d.deleted_at', 'is not', null);
  else query = query.where('d.deleted_at', 'is', null);
  if (q.status === 'installed') query = query.where('di.id', 'is not', null);
  if (q.status === 'spare') query = query.where('di.id', 'is', null);
  if (q.instrument_id) query = query.where('di.instrument_id', '=', q.instrument_id);
  if (q.manufacturer)
    query = query.where((eb) => eb(eb.fn('lower', ['d.manufacturer']), '=', q.manufacturer?.toLowerCase()));
  if (q.model) query = query.where((eb) => eb(eb.fn('lower', ['d.model']), '=', q.model?.toLowerCase()));
  if (q.q) {
    const like = `%${q.q.toLowerCase()}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['d.serial_number']), 'like', like),
        eb(eb.fn('lower', ['d.manufacturer']), 'like', like),
        eb(eb.fn('lower', ['d.model']), 'like', like),
        eb(eb.fn('lower', ['i.tag']), 'like', like),
      ]),
    );
  }
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('d.serial_number')
    .orderBy('d.id')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toPublicDevice), total: Number(n), limit: q.limit, offset: q.offset };
}

const clean = (v: string | null | undefined) => (v === undefined ? undefined : v?.trim() || null);

function validate(d: { range_min?: number | null; range_max?: number | null }) {
  const { range_min: lo, range_max: hi } = d;
  if ((lo === null || lo === undefined) !== (hi === null || hi === undefined)) {
    throw new ValidationError('range_max', 'a device range needs both range_min and range_max');
  }
  if (typeof lo === 'number' && typeof hi === 'number' && !(hi > lo)) {
    throw new ValidationError('range_max', 'range_max must be greater than range_min');
  }
}

const serialTaken = (serial: string) =>
  new ConflictError('device_serial_taken', `a device with serial number ${serial} already exists`, {
    field: 'serial_number',
  });

async function assertSerialFree(db: Kysely<DB>, serial: string, exceptId?: number) {
  let q = db
    .selectFrom('devices')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['serial_number']), '=', serial.toLowerCase()))
    .where('deleted_at', 'is', null);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) throw serialTaken(serial);
}

/** The unique index settles two concurrent creations of one serial: the loser gets 409, not 500. */
async function serialRace<T>(serial: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '')) throw serialTaken(serial);
    throw e;
  }
}

function declared(input: Partial<DeviceInput>) {
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) {
    const v = input[k];
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? clean(v) : v;
  }
  return out;
}

export async function createDevice(db: Kysely<DB>, actorId: number, input: DeviceInput, now: Date) {
  const at = now.toISOString();
  const values = declared(input) as Partial<DeviceInput>;
  for (const k of ['manufacturer', 'model', 'serial_number'] as const) {
    if (!values[k]) throw new ValidationError(k, `${k} must not be blank`);
  }
  validate(values);
  const serial = values.serial_number as string;
  return serialRace(serial, () =>
    db.transaction().execute(async (trx) => {
      await assertSerialFree(trx, serial);
      const { id } = await trx
        .insertInto('devices')
        .values({
          manufacturer: values.manufacturer as string,
          model: values.model as string,
          serial_number: serial,
          device_type: values.device_type ?? null,
          unit: values.unit ?? null,
          range_min: values.range_min ?? null,
          range_max: values.range_max ?? null,
          notes: values.notes ?? null,
          created_at: at,
          updated_at: at,
          deleted_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const device = await getDevice(trx, id);
      await recordAudit(trx, {
        userId: actorId,
        action: 'create',
        entityType: 'device',
        entityId: id,
        newValue: device,
        at,
      });
      return device;
    }),
  );
}

export async function updateDevice(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: Partial<DeviceInput>,
  now: Date,
) {
  const at = now.toISOString();
  const values = declared(patch);
  for (const k of ['manufacturer', 'model', 'serial_number'] as const) {
    if (k in values && !values[k]) throw new ValidationError(k, `${k} must not be blank`);
  }
  const serial = (values.serial_number as string | undefined) ?? '';
  return serialRace(serial, () =>
    db.transaction().execute(async (trx) => {
      const before = await getDevice(trx, id);
      if (before.deleted_at) throw new ConflictError('device_retired', `device ${id} is retired`);
      validate({ range_min: before.range_min, range_max: before.range_max, ...values });
      if (serial) await assertSerialFree(trx, serial, id);
      const res = await trx
        .updateTable('devices')
        .set({ ...values, updated_at: at })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1)
        throw new ConflictError('device_retired', `device ${id} was retired meanwhile`);
      const after = await getDevice(trx, id);
      const keys = Object.keys(values);
      await recordAudit(trx, {
        userId: actorId,
        action: 'update',
        entityType: 'device',
        entityId: id,
        oldValue: Object.fromEntries(keys.map((k) => [k, (before as Record<string, unknown>)[k] ?? null])),
        newValue: Object.fromEntries(keys.map((k) => [k, (after as Record<string, unknown>)[k] ?? null])),
        at,
      });
      return after;
    }),
  );
}

/** Retires a device (soft delete). An installed device must be removed from its position first. */
export async function retireDevice(db: Kysely<DB>, actorId: number, id: number, now: Date) {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const before = await getDevice(trx, id);
    if (before.installed_instrument_id !== null) {
      throw new ConflictError(
        'device_installed',
        `device ${before.serial_number} is installed in ${before.installed_tag}; remove it first`,
        { instrument_id: before.installed_instrument_id },
      );
    }
    const res = await trx
      .updateTable('devices')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('device_installations')
              .select('id')
              .where('device_id', '=', id)
              .where('removed_at', 'is', null),
          ),
        ),
      )
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw new ConflictError('device_retired', `device ${id} is retired or was installed meanwhile`);
    }
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'device',
      entityId: id,
      oldValue: before,
      at,
    });
    return { ok: true };
  });
}
