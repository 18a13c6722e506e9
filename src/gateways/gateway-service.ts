// Broker users for field gateways: one login per gateway for the embedded MQTT broker. The password
// is generated (or given), returned once and kept only as a bcrypt hash. Every change is audited in
// the transaction that makes it; the broker re-reads a gateway at each connect and drops the live
// connections of one that was disabled, deleted or given a new password ('gateway.changed').

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, GatewayRow } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../users/passwords.ts';

/** Device secrets are machine-entered: long and random, or at least this long when given. */
export const MIN_GATEWAY_PASSWORD_LENGTH = 16;
const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

export interface PublicGateway {
  id: number;
  username: string;
  description: string | null;
  is_active: boolean;
  password_changed_at: string;
  created_at: string;
  updated_at: string;
}

/** The only shape a gateway leaves the server in: never the hash. */
export function toPublicGateway(g: GatewayRow): PublicGateway {
  return {
    id: g.id,
    username: g.username,
    description: g.description,
    is_active: bool(g.is_active),
    password_changed_at: g.password_changed_at,
    created_at: g.created_at,
    updated_at: g.updated_at,
  };
}

export const generateGatewayPassword = () => randomBytes(18).toString('base64url');

function checkGatewayPassword(password: string) {
  if (password.length < MIN_GATEWAY_PASSWORD_LENGTH)
    throw new ValidationError(
      'password',
      `a gateway password must be at least ${MIN_GATEWAY_PASSWORD_LENGTH} characters`,
    );
}

async function findLive(db: Kysely<DB>, id: number) {
  return db
    .selectFrom('gateways')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function getGateway(db: Kysely<DB>, id: number): Promise<GatewayRow> {
  const g = await findLive(db, id);
  if (!g) throw new NotFoundError('gateway', id);
  return g;
}

/** A live gateway by its broker user name (exact, as the broker compares it). */
export async function findGatewayByUsername(db: Kysely<DB>, username: string) {
  return db
    .selectFrom('gateways')
    .selectAll()
    .where('username', '=', username)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function listGateways(
  db: Kysely<DB>,
  q: { q?: string; is_active?: boolean; limit: number; offset: number },
) {
  let query = db.selectFrom('gateways').where('deleted_at', 'is', null);
  if (q.is_active !== undefined) query = query.where('is_active', '=', q.is_active ? 1 : 0);
  if (q.q) {
    const like = `%${q.q.toLowerCase()}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['username']), 'like', like),
        eb(eb.fn('lower', ['description']), 'like', like),
      ]),
    );
  }
  const [{ n }] = await query.select((eb) => eb.fn.countAll<number>().as('n')).execute();
  const rows = await query.selectAll().orderBy('username').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toPublicGateway), total: Number(n), limit: q.limit, offset: q.offset };
}

/** Whether any gateway may log in: then the embedded broker refuses anonymous clients. */
export async function anyActiveGateway(db: Kysely<DB>): Promise<boolean> {
  const row = await db
    .selectFrom('gateways')
    .select('id')
    .where('deleted_at', 'is', null)
    .where('is_active', '=', 1)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The broker's login check: the live, enabled gateway whose password matches, else null. An unknown
 * name costs a bcrypt comparison too, so timing does not tell which gateways exist.
 */
export async function verifyGatewayLogin(
  db: Kysely<DB>,
  username: string,
  password: string,
): Promise<GatewayRow | null> {
  const g = await findGatewayByUsername(db, username);
  if (!g) {
    await verifyPassword(password, await dummyPasswordHash());
    return null;
  }
  const ok = await verifyPassword(password, g.password_hash);
  return ok && bool(g.is_active) ? g : null;
}

export interface NewGatewayInput {
  username: string;
  description?: string | null;
  password?: string;
}

/**
 * Creates a gateway login. `reserved` is the app's own broker user (MQTT_USERNAME), which a gateway
 * may not take. Returns the password once (generated unless given).
 */
export async function createGateway(
  db: Kysely<DB>,
  actorId: number | null,
  input: NewGatewayInput,
  at: string,
  reserved: string | null,
  after: AfterCommit,
): Promise<{ gateway: PublicGateway; password: string }> {
  const username = input.username.trim();
  if (!USERNAME.test(username))
    throw new ValidationError(
      'username',
      'username must be 1-64 letters, digits, dots, dashes or underscores',
    );
  if (reserved !== null && username.toLowerCase() === reserved.toLowerCase())
    throw new ConflictError('gateway_username_taken', `${username} is the CMMS's own broker user`, {
      field: 'username',
    });
  const password = input.password ?? generateGatewayPassword();
  checkGatewayPassword(password);
  const passwordHash = await hashPassword(password);
  try {
    const gateway = await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('gateways')
        .values({
          username,
          description: input.description?.trim() || null,
          password_hash: passwordHash,
          is_active: 1,
          password_changed_at: at,
          created_by: actorId,
          created_at: at,
          updated_at: at,
          deleted_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const g = toPublicGateway(row);
      await recordAudit(trx, {
        userId: actorId,
        action: 'create',
        entityType: 'gateway',
        entityId: row.id,
        newValue: g,
        at,
      });
      return g;
    });
    after.emit('gateway.changed', gateway.username);
    return { gateway, password };
  } catch (e) {
    if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? ''))
      throw new ConflictError('gateway_username_taken', `a gateway named ${username} already exists`, {
        field: 'username',
      });
    throw e;
  }
}

/**
 * Changes the description or enables/disables the gateway. The update is guarded on the state it
 * was read in, so of concurrent enables/disables exactly one changes the row and writes the audit
 * row; the others find it already as they want it and return it unchanged.
 */
export async function updateGateway(
  db: Kysely<DB>,
  actorId: number | null,
  id: number,
  patch: { description?: string | null; is_active?: boolean },
  at: string,
  afterCommit: AfterCommit,
): Promise<PublicGateway> {
  const result = await db.transaction().execute(async (trx) => {
    const before = await getGateway(trx, id);
    const values: { updated_at: string; description?: string | null; is_active?: number } = {
      updated_at: at,
    };
    if (patch.description !== undefined) values.description = patch.description?.trim() || null;
    if (patch.is_active !== undefined) values.is_active = patch.is_active ? 1 : 0;
    const unchanged =
      (values.description === undefined || values.description === before.description) &&
      (values.is_active === undefined || values.is_active === Number(before.is_active));
    if (unchanged) return { gateway: toPublicGateway(before), changed: false };
    const after = await trx
      .updateTable('gateways')
      .set(values)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('is_active', '=', Number(before.is_active))
      .returningAll()
      .executeTakeFirst();
    if (!after) {
      // Someone else changed it first: report what it is now (404 when it was deleted).
      return { gateway: toPublicGateway(await getGateway(trx, id)), changed: false };
    }
    const wasActive = bool(before.is_active);
    const action =
      patch.is_active === false && wasActive
        ? 'disable'
        : patch.is_active === true && !wasActive
          ? 'enable'
          : 'update';
    await recordAudit(trx, {
      userId: actorId,
      action,
      entityType: 'gateway',
      entityId: id,
      oldValue: toPublicGateway(before),
      newValue: toPublicGateway(after),
      at,
    });
    return { gateway: toPublicGateway(after), changed: true };
  });
  if (result.changed) afterCommit.emit('gateway.changed', result.gateway.username);
  return result.gateway;
}

/** A new password (generated unless given), returned once; the old one stops working at once. */
export async function resetGatewayPassword(
  db: Kysely<DB>,
  actorId: number | null,
  id: number,
  given: string | undefined,
  at: string,
  after: AfterCommit,
): Promise<{ gateway: PublicGateway; password: string }> {
  const password = given ?? generateGatewayPassword();
  checkGatewayPassword(password);
  const passwordHash = await hashPassword(password);
  const gateway = await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('gateways')
      .set({ password_hash: passwordHash, password_changed_at: at, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('gateway', id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'reset_password',
      entityType: 'gateway',
      entityId: id,
      at,
    });
    return toPublicGateway(row);
  });
  after.emit('gateway.changed', gateway.username);
  return { gateway, password };
}

/** Soft-deletes the gateway: its login stops working and its name may be used again. */
export async function deleteGateway(
  db: Kysely<DB>,
  actorId: number | null,
  id: number,
  at: string,
  after: AfterCommit,
): Promise<PublicGateway> {
  const gateway = await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('gateways')
      .set({ deleted_at: at, updated_at: at, is_active: 0 })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    // Guarded on deleted_at: of two concurrent deletes one wins, the other is a 404.
    if (!row) throw new NotFoundError('gateway', id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'gateway',
      entityId: id,
      oldValue: toPublicGateway(row),
      at,
    });
    return toPublicGateway(row);
  });
  after.emit('gateway.changed', gateway.username);
  return gateway;
}
