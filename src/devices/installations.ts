import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { batchesOf } from '../db/batches.ts';
import type { DB } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { getDevice } from './device-service.ts';

// Installation history: which device sat in which position (instrument) from when to when. The
// rules "a device is in one position at a time" and "a position holds one device at a time" are
// two partial unique indexes (migration 0014), so of two racing installs the database keeps one;
// a removal is an UPDATE guarded by `removed_at is null`, so of two racing removals/swaps one wins.

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);
/** A tablet's clock a few minutes ahead is normal; a date in the future is not. */
const FUTURE_SLACK_MS = 5 * 60_000;

const selectInstallation = (db: Kysely<DB>) =>
  db
    .selectFrom('device_installations as di')
    .innerJoin('devices as d', 'd.id', 'di.device_id')
    .innerJoin('instruments as i', 'i.id', 'di.instrument_id')
    .leftJoin('users as inst', 'inst.id', 'di.installed_by')
    .leftJoin('users as rem', 'rem.id', 'di.removed_by')
    .selectAll('di')
    .select([
      'i.tag as tag',
      'd.manufacturer as manufacturer',
      'd.model as model',
      'd.serial_number as serial_number',
      'inst.full_name as installed_by_name',
      'rem.full_name as removed_by_name',
    ]);

type InstallationJoined = NonNullable<
  Awaited<ReturnType<ReturnType<typeof selectInstallation>['executeTakeFirst']>>
>;

function toPublicInstallation(r: InstallationJoined) {
  return {
    id: r.id,
    device_id: r.device_id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    manufacturer: r.manufacturer,
    model: r.model,
    serial_number: r.serial_number,
    installed_at: r.installed_at,
    removed_at: r.removed_at,
    current: r.removed_at === null,
    installed_by: r.installed_by,
    installed_by_name: r.installed_by_name ?? null,
    removed_by: r.removed_by,
    removed_by_name: r.removed_by_name ?? null,
    reason: r.reason,
    removal_reason: r.removal_reason,
  };
}
export type PublicInstallation = ReturnType<typeof toPublicInstallation>;

export async function listInstallations(
  db: Kysely<DB>,
  q: { instrument_id?: number; device_id?: number; limit: number; offset: number },
) {
  let query = selectInstallation(db);
  if (q.instrument_id) query = query.where('di.instrument_id', '=', q.instrument_id);
  if (q.device_id) query = query.where('di.device_id', '=', q.device_id);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('di.installed_at', 'desc')
    .orderBy('di.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toPublicInstallation), total: Number(n), limit: q.limit, offset: q.offset };
}

/** The device installed in a position at a moment (for a calibration record), or null. */
export async function deviceInstalledAt(db: Kysely<DB>, instrumentId: number, at: string) {
  const r = await db
    .selectFrom('device_installations')
    .select('device_id')
    .where('instrument_id', '=', instrumentId)
    .where('installed_at', '<=', at)
    .where((eb) => eb.or([eb('removed_at', 'is', null), eb('removed_at', '>', at)]))
    .orderBy('installed_at', 'desc')
    .executeTakeFirst();
  return r?.device_id ?? null;
}

/**
 * deviceInstalledAt for many (instrument, time) pairs (an import), in order. Positions that never
 * held a device (most, on an import) are answered from one query per batch; the rest ask each.
 */
export async function devicesInstalledAt(
  db: Kysely<DB>,
  asked: readonly { instrumentId: number; at: string }[],
): Promise<(number | null)[]> {
  const held = new Set<number>();
  for (const batch of batchesOf([...new Set(asked.map((a) => a.instrumentId))])) {
    const rows = await db
      .selectFrom('device_installations')
      .select('instrument_id')
      .distinct()
      .where('instrument_id', 'in', batch)
      .execute();
    for (const r of rows) held.add(r.instrument_id);
  }
  const out: (number | null)[] = [];
  for (const a of asked)
    out.push(held.has(a.instrumentId) ? await deviceInstalledAt(db, a.instrumentId, a.at) : null);
  return out;
}

async function currentOf(db: Kysely<DB>, column: 'instrument_id' | 'device_id', id: number) {
  return db
    .selectFrom('device_installations')
    .selectAll()
    .where(column, '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

async function assertPosition(db: Kysely<DB>, instrumentId: number) {
  const i = await db
    .selectFrom('instruments')
    .select(['id', 'tag'])
    .where('id', '=', instrumentId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!i) throw new NotFoundError('instrument', instrumentId);
  return i;
}

function when(value: string | undefined, now: Date, field: string) {
  const at = value ? new Date(value).toISOString() : now.toISOString();
  if (Date.parse(at) > now.getTime() + FUTURE_SLACK_MS) {
    throw new ValidationError(field, `${field} cannot be in the future`);
  }
  return at;
}

/** Ends the current installation `row` (guarded: of two racing removals one wins). */
async function endInstallation(
  trx: Kysely<DB>,
  actorId: number,
  row: { id: number; installed_at: string; device_id: number; instrument_id: number },
  removedAt: string,
  reason: string | null,
  at: string,
) {
  if (removedAt < row.installed_at) {
    throw new ValidationError(
      'removed_at',
      `the device was installed at ${row.installed_at}, after ${removedAt}`,
    );
  }
  const res = await trx
    .updateTable('device_installations')
    .set({ removed_at: removedAt, removed_by: actorId, removal_reason: reason, updated_at: at })
    .where('id', '=', row.id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) {
    throw new ConflictError(
      'installation_changed',
      'the installation changed meanwhile; reload and try again',
      {
        installation_id: row.id,
      },
    );
  }
  await recordAudit(trx, {
    userId: actorId,
    action: 'remove',
    entityType: 'device_installation',
    entityId: row.id,
    oldValue: { removed_at: null },
    newValue: {
      device_id: row.device_id,
      instrument_id: row.instrument_id,
      removed_at: removedAt,
      removal_reason: reason,
    },
    at,
  });
}

export interface InstallInput {
  device_id: number;
  installed_at?: string;
  reason?: string | null;
  /** Remove the device now in the position first (a swap). Without it an occupied position is 409. */
  swap?: boolean;
}

/** Installs a device into a position, or swaps it for the device there; each keeps its history. */
export async function installDevice(
  db: Kysely<DB>,
  actorId: number,
  instrumentId: number,
  input: InstallInput,
  now: Date,
) {
  const at = now.toISOString();
  const installedAt = when(input.installed_at, now, 'installed_at');
  const reason = input.reason?.trim() || null;
  try {
    return await db.transaction().execute(async (trx) => {
      const position = await assertPosition(trx, instrumentId);
      const device = await getDevice(trx, input.device_id).catch(() => {
        throw new ValidationError('device_id', `device ${input.device_id} does not exist`);
      });
      if (device.deleted_at)
        throw new ValidationError('device_id', `device ${device.serial_number} is retired`);
      const elsewhere = await currentOf(trx, 'device_id', device.id);
      if (elsewhere) {
        throw new ConflictError(
          elsewhere.instrument_id === instrumentId
            ? 'device_already_installed'
            : 'device_installed_elsewhere',
          `device ${device.serial_number} is installed in ${device.installed_tag}; remove it there first`,
          { instrument_id: elsewhere.instrument_id, installation_id: elsewhere.id },
        );
      }
      const occupant = await currentOf(trx, 'instrument_id', instrumentId);
      if (occupant && !input.swap) {
        throw new ConflictError(
          'position_occupied',
          `${position.tag} holds device ${occupant.device_id}; swap it (swap: true) or remove it first`,
          { device_id: occupant.device_id, installation_id: occupant.id },
        );
      }
      if (occupant) {
        await endInstallation(trx, actorId, occupant, installedAt, reason ?? 'swapped', at);
      } else {
        // A new installation cannot start inside the position's past history.
        const last = await trx
          .selectFrom('device_installations')
          .select((eb) => eb.fn.max('removed_at').as('m'))
          .where('instrument_id', '=', instrumentId)
          .executeTakeFirstOrThrow();
        if (last.m && installedAt < last.m) {
          throw new ValidationError('installed_at', `${position.tag} held another device until ${last.m}`);
        }
      }
      const lastOfDevice = await trx
        .selectFrom('device_installations')
        .select((eb) => eb.fn.max('removed_at').as('m'))
        .where('device_id', '=', device.id)
        .executeTakeFirstOrThrow();
      if (lastOfDevice.m && installedAt < lastOfDevice.m) {
        throw new ValidationError(
          'installed_at',
          `device ${device.serial_number} was elsewhere until ${lastOfDevice.m}`,
        );
      }
      const { id } = await trx
        .insertInto('device_installations')
        .values({
          device_id: device.id,
          instrument_id: instrumentId,
          installed_at: installedAt,
          removed_at: null,
          installed_by: actorId,
          removed_by: null,
          reason,
          removal_reason: null,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const row = await selectInstallation(trx).where('di.id', '=', id).executeTakeFirstOrThrow();
      const installation = toPublicInstallation(row);
      await recordAudit(trx, {
        userId: actorId,
        action: occupant ? 'swap' : 'install',
        entityType: 'device_installation',
        entityId: id,
        newValue: { ...installation, replaced_device_id: occupant?.device_id ?? null },
        at,
      });
      return installation;
    });
  } catch (e) {
    // A concurrent install took the device or the position between our checks and the insert.
    if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '')) {
      throw new ConflictError(
        'installation_changed',
        'the device or the position was installed by another request meanwhile; reload and try again',
      );
    }
    throw e;
  }
}

/** Removes the device now in a position (to the workshop, for repair, scrapped...). */
export async function removeDevice(
  db: Kysely<DB>,
  actorId: number,
  instrumentId: number,
  input: { removed_at?: string; reason: string },
  now: Date,
) {
  const at = now.toISOString();
  const removedAt = when(input.removed_at, now, 'removed_at');
  return db.transaction().execute(async (trx) => {
    const position = await assertPosition(trx, instrumentId);
    const occupant = await currentOf(trx, 'instrument_id', instrumentId);
    if (!occupant) {
      throw new ConflictError('position_empty', `${position.tag} holds no device`);
    }
    await endInstallation(trx, actorId, occupant, removedAt, input.reason.trim(), at);
    const row = await selectInstallation(trx).where('di.id', '=', occupant.id).executeTakeFirstOrThrow();
    return toPublicInstallation(row);
  });
}
