import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { bool } from '../shared/db-values.ts';
import { UnauthorizedError } from '../shared/errors.ts';
import { findUserByEmployeeNumber, getUser, setPassword, toPublicUser } from '../users/user-service.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';
import { issueToken } from './tokens.ts';

export interface LoginDeps {
  db: Kysely<DB>;
  throttle: LoginThrottle;
  jwtSecret: string;
  expiryHours: number;
  now: Date;
}

export async function login(deps: LoginDeps, employeeNumber: string, password: string, address: string) {
  const { db, throttle, now } = deps;
  const t = now.getTime();
  throttle.check(employeeNumber, address, t);
  const user = await findUserByEmployeeNumber(db, employeeNumber.trim());
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !ok) {
    throttle.fail(employeeNumber, address, t);
    throw new UnauthorizedError('invalid_credentials', 'employee number or password is wrong');
  }
  if (!bool(user.is_active)) {
    throttle.fail(employeeNumber, address, t);
    throw new UnauthorizedError('account_inactive', 'this account has been deactivated');
  }
  throttle.succeed(employeeNumber);
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ last_login_at: at }).where('id', '=', user.id).execute();
    await recordAudit(trx, { userId: user.id, action: 'login', entityType: 'user', entityId: user.id, at });
  });
  const { token, expiresAt } = await issueToken(deps.jwtSecret, user, now, deps.expiryHours);
  return {
    access_token: token,
    token_type: 'bearer' as const,
    expires_at: expiresAt,
    user: toPublicUser({ ...user, last_login_at: at }),
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
    { mustChange: false, action: 'change_password' },
    now.toISOString(),
  );
}
