import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { storageFault } from '../db/storage-faults.ts';
import { bool } from '../shared/db-values.ts';
import { UnauthorizedError } from '../shared/errors.ts';
import { dummyPasswordHash, verifyPassword } from '../users/passwords.ts';
import {
  findUserByEmployeeNumber,
  getUser,
  normalizeEmployeeNumber,
  recordLogin,
  setPassword,
  toPublicUser,
} from '../users/user-service.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { issueToken } from './tokens.ts';

export interface LoginDeps {
  db: Kysely<DB>;
  throttle: LoginThrottle;
  jwtSecret: string;
  expiryHours: number;
  now: Date;
}

/**
 * Logs in by employee number (matched trimmed and case-insensitively) and password. A wrong
 * password, an unknown number and a deactivated account answer exactly alike (401
 * invalid_credentials, the same message, the same bcrypt work), so none can be told apart.
 */
export async function login(deps: LoginDeps, employeeNumber: string, password: string, address: string) {
  const { db, throttle, now } = deps;
  const key = normalizeEmployeeNumber(employeeNumber);
  await throttle.attempt(key, address, now);
  const user = await findUserByEmployeeNumber(db, key);
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !ok || !bool(user.is_active)) {
    throw new UnauthorizedError('invalid_credentials', 'employee number or password is wrong');
  }
  await throttle.succeeded(key, address, now);
  const at = now.toISOString();
  let lastLoginAt: string | null = at;
  try {
    await db.transaction().execute(async (trx) => {
      await recordLogin(trx, user.id, at);
      await recordAudit(trx, { userId: user.id, action: 'login', entityType: 'user', entityId: user.id, at });
    });
  } catch (e) {
    // A full disk or read-only database must not lock people out of a plant's system: the login
    // goes unrecorded (the database layer logs the refusal once and /health shows it).
    if (!storageFault(e)) throw e;
    lastLoginAt = user.last_login_at;
  }
  const { token, expiresAt } = await issueToken(deps.jwtSecret, user, now, deps.expiryHours);
  return {
    access_token: token,
    token_type: 'bearer' as const,
    expires_at: expiresAt,
    user: toPublicUser({ ...user, last_login_at: lastLoginAt }),
  };
}

export async function changeOwnPassword(
  db: Kysely<DB>,
  userId: number,
  currentPassword: string,
  newPassword: string,
  now: Date,
) {
  const user = await getUser(db, userId);
  if (!(await verifyPassword(currentPassword, user.password_hash))) {
    throw new UnauthorizedError('invalid_credentials', 'the current password is wrong');
  }
  await setPassword(
    db,
    userId,
    userId,
    newPassword,
    { mustChange: false, action: 'change_password', field: 'new_password' },
    now.toISOString(),
  );
}
