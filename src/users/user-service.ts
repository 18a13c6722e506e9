import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, Role, UserRow } from '../db/schema.ts';
import { bool } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { checkPasswordPolicy, generatePassword, hashPassword } from './passwords.ts';

export interface PublicUser {
  id: number;
  employee_number: string;
  full_name: string;
  email: string | null;
  role: Role;
  is_active: boolean;
  must_change_password: boolean;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

/** The only shape a user leaves the server in: never the hash. */
export function toPublicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    employee_number: u.employee_number,
    full_name: u.full_name,
    email: u.email,
    role: u.role,
    is_active: bool(u.is_active),
    must_change_password: bool(u.must_change_password),
    last_login_at: u.last_login_at,
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

export async function findUserById(db: Kysely<DB>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getUser(db: Kysely<DB>, id: number): Promise<UserRow> {
  const u = await findUserById(db, id);
  if (!u) throw new NotFoundError('user', id);
  return u;
}

/**
 * How an employee number is matched: trimmed and case-folded (ASCII, as SQL lower() folds it on
 * both dialects). The login throttle keys on the same value, so ' T-1001' and 't-1001' are one account.
 */
export function normalizeEmployeeNumber(employeeNumber: string): string {
  return employeeNumber.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export async function findUserByEmployeeNumber(db: Kysely<DB>, employeeNumber: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['employee_number']), '=', normalizeEmployeeNumber(employeeNumber)))
    .executeTakeFirst();
}

export interface ListUsersQuery {
  q?: string;
  role?: Role;
  is_active?: boolean;
  limit: number;
  offset: number;
}

export async function listUsers(db: Kysely<DB>, q: ListUsersQuery) {
  let query = db.selectFrom('users');
  if (q.role) query = query.where('role', '=', q.role);
  if (q.is_active !== undefined) query = query.where('is_active', '=', q.is_active ? 1 : 0);
  if (q.q) {
    const like = `%${q.q.toLowerCase()}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['full_name']), 'like', like),
        eb(eb.fn('lower', ['employee_number']), 'like', like),
      ]),
    );
  }
  const [{ n }] = await query.select((eb) => eb.fn.countAll<number>().as('n')).execute();
  const rows = await query.selectAll().orderBy('employee_number').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toPublicUser), total: Number(n), limit: q.limit, offset: q.offset };
}

export interface NewUserInput {
  employee_number: string;
  full_name: string;
  email?: string | null;
  role: Role;
  password?: string;
}

/** Creates a user; when no password is given a one-time password is generated and returned once. */
export async function createUser(db: Kysely<DB>, actorId: number | null, input: NewUserInput, at: string) {
  const employeeNumber = input.employee_number.trim();
  if (!employeeNumber) throw new ValidationError('employee_number', 'employee_number must not be empty');
  const account = { employeeNumber };
  const generated = input.password === undefined ? generatePassword(account) : null;
  const password = input.password ?? (generated as string);
  checkPasswordPolicy(password, 'password', account);
  const passwordHash = await hashPassword(password);
  const taken = () =>
    new ConflictError('employee_number_taken', `employee number ${employeeNumber} is already in use`, {
      field: 'employee_number',
    });
  return db
    .transaction()
    .execute(async (trx) => {
      if (await findUserByEmployeeNumber(trx, employeeNumber)) throw taken();
      const row = await trx
        .insertInto('users')
        .values({
          employee_number: employeeNumber,
          full_name: input.full_name.trim(),
          email: input.email?.trim() || null,
          role: input.role,
          password_hash: passwordHash,
          is_active: 1,
          must_change_password: generated ? 1 : 0,
          password_changed_at: at,
          created_at: at,
          updated_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const user = toPublicUser(row);
      await recordAudit(trx, {
        userId: actorId,
        action: 'create',
        entityType: 'user',
        entityId: row.id,
        newValue: user,
        at,
      });
      return { user, generatedPassword: generated };
    })
    .catch((e: unknown) => {
      // Two concurrent creations of one number (in any case): the unique index picks the winner.
      const err = e as { code?: string; constraint?: string; message?: string };
      const unique = err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE';
      if (unique && /employee_number/.test(`${err.constraint ?? ''} ${err.message ?? ''}`)) throw taken();
      throw e;
    });
}

export interface UserPatch {
  full_name?: string;
  email?: string | null;
  role?: Role;
  is_active?: boolean;
}

export async function updateUser(db: Kysely<DB>, actorId: number, id: number, patch: UserPatch, at: string) {
  return db.transaction().execute(async (trx) => {
    const before = await getUser(trx, id);
    if (actorId === id && (patch.is_active === false || (patch.role && patch.role !== before.role))) {
      // An admin locking themselves out is almost always a mistake, and may leave no admin at all.
      throw new ConflictError(
        'cannot_demote_self',
        'you cannot deactivate your own account or change your own role',
      );
    }
    const values: Record<string, unknown> = { updated_at: at };
    if (patch.full_name !== undefined) values.full_name = patch.full_name.trim();
    if (patch.email !== undefined) values.email = patch.email?.trim() || null;
    if (patch.role !== undefined) values.role = patch.role;
    if (patch.is_active !== undefined) values.is_active = patch.is_active ? 1 : 0;
    // Deactivation ends every session at once, and they stay ended if the account is reactivated.
    if (patch.is_active === false) values.token_version = sql`token_version + 1`;
    const after = await trx
      .updateTable('users')
      .set(values)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const action = patch.is_active === false && bool(before.is_active) ? 'deactivate' : 'update';
    await recordAudit(trx, {
      userId: actorId,
      action,
      entityType: 'user',
      entityId: id,
      oldValue: toPublicUser(before),
      newValue: toPublicUser(after),
      at,
    });
    return toPublicUser(after);
  });
}

/**
 * Sets a new password (checked against the policy; generated when null, and then returned once)
 * and raises the token version, so every token issued before ends at once. `mustChange` marks an
 * admin-issued temporary password.
 */
export async function setPassword(
  db: Kysely<DB>,
  actorId: number | null,
  id: number,
  password: string | null,
  opts: { mustChange: boolean; action: string; field?: string },
  at: string,
): Promise<{ generatedPassword: string | null }> {
  const target = await getUser(db, id);
  const account = { employeeNumber: target.employee_number };
  const generated = password === null ? generatePassword(account) : null;
  const plain = password ?? (generated as string);
  checkPasswordPolicy(plain, opts.field ?? 'password', account);
  const passwordHash = await hashPassword(plain);
  await db.transaction().execute(async (trx) => {
    await getUser(trx, id);
    await storePasswordHash(trx, id, passwordHash, opts.mustChange, at);
    await recordAudit(trx, { userId: actorId, action: opts.action, entityType: 'user', entityId: id, at });
  });
  return { generatedPassword: generated };
}

export async function countUsers(db: Kysely<DB>): Promise<number> {
  const { n } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Stores a new password hash and ends every token issued before, even one from this very second. */
export async function storePasswordHash(
  trx: Kysely<DB>,
  id: number,
  passwordHash: string,
  mustChange: boolean,
  at: string,
) {
  await trx
    .updateTable('users')
    .set({
      password_hash: passwordHash,
      must_change_password: mustChange ? 1 : 0,
      password_changed_at: at,
      token_version: sql`token_version + 1`,
      updated_at: at,
    })
    .where('id', '=', id)
    .execute();
}

/** A successful login's time. */
export async function recordLogin(trx: Kysely<DB>, id: number, at: string) {
  await trx.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute();
}
