import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool } from '../shared/db-values.ts';
import { AppError, ValidationError } from '../shared/errors.ts';
import { checkPasswordPolicy, hashPassword } from '../users/passwords.ts';
import { normalizeEmployeeNumber, storePasswordHash } from '../users/user-service.ts';

/** A reset link is valid for one hour and for one use. */
export const RESET_TOKEN_MINUTES = 60;
/** One e-mail per account per minute, whatever a caller repeats. */
const RESEND_AFTER_MS = 60_000;

export const hashResetToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class ResetTokenInvalidError extends AppError {
  constructor() {
    super(
      'reset_token_invalid',
      'this password reset link is invalid, used or expired; ask for a new one',
      400,
    );
  }
}

/**
 * Starts a password reset: when the employee number or e-mail names an active user with an e-mail
 * address, a random single-use token is e-mailed (after commit) and only its SHA-256 is stored.
 * The caller answers the same whatever happened, so the endpoint does not reveal which accounts exist.
 */
export async function requestPasswordReset(
  db: Kysely<DB>,
  who: { employee_number?: string; email?: string },
  deps: { now: Date; publicUrl: string | null; after: AfterCommit },
): Promise<void> {
  const employeeNumber = who.employee_number?.trim();
  const email = who.email?.trim().toLowerCase();
  if (!employeeNumber && !email) {
    throw new ValidationError('employee_number', 'give employee_number or email');
  }
  let q = db.selectFrom('users').select(['id', 'email', 'full_name', 'is_active', 'employee_number']);
  q = employeeNumber
    ? q.where((eb) => eb(eb.fn('lower', ['employee_number']), '=', normalizeEmployeeNumber(employeeNumber)))
    : q.where((eb) => eb(eb.fn('lower', ['email']), '=', email as string));
  const user = await q.executeTakeFirst();
  if (!user?.email || !bool(user.is_active)) return;
  const address = user.email;

  const at = deps.now.toISOString();
  await db.transaction().execute(async (trx) => {
    const recent = await trx
      .selectFrom('password_reset_tokens')
      .select('id')
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .where('created_at', '>', new Date(deps.now.getTime() - RESEND_AFTER_MS).toISOString())
      .executeTakeFirst();
    if (recent) return;
    // A new link replaces any earlier one still outstanding.
    await trx
      .updateTable('password_reset_tokens')
      .set({ used_at: at, updated_at: at })
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .execute();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(deps.now.getTime() + RESET_TOKEN_MINUTES * 60_000).toISOString();
    await trx
      .insertInto('password_reset_tokens')
      .values({
        user_id: user.id,
        token_hash: hashResetToken(token),
        expires_at: expiresAt,
        used_at: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await recordAudit(trx, {
      userId: null,
      action: 'password_reset_requested',
      entityType: 'user',
      entityId: user.id,
      newValue: { expires_at: expiresAt },
      at,
    });
    const link = deps.publicUrl
      ? `${deps.publicUrl.replace(/\/$/, '')}/reset-password?token=${token}`
      : `(open the CMMS sign-in page, choose "Reset password" and paste the code below)`;
    deps.after.email({
      to: address,
      subject: '[CBU CMMS] Password reset',
      text:
        `Hello ${user.full_name},\n\n` +
        `Someone asked to reset the password of account ${user.employee_number}. ` +
        `If it was you, use this link within ${RESET_TOKEN_MINUTES} minutes:\n\n${link}\n\n` +
        `Reset code: ${token}\n\n` +
        `If you did not ask for this, ignore this e-mail: your password stays as it is.\n\n` +
        `The Copperbelt University CMMS`,
    });
  });
}

/** Sets the new password if the token is known, unused and unexpired, and spends the token. */
export async function confirmPasswordReset(db: Kysely<DB>, token: string, newPassword: string, now: Date) {
  const owner = await db
    .selectFrom('password_reset_tokens')
    .innerJoin('users', 'users.id', 'password_reset_tokens.user_id')
    .select('users.employee_number')
    .where('password_reset_tokens.token_hash', '=', hashResetToken(token))
    .executeTakeFirst();
  if (!owner) throw new ResetTokenInvalidError();
  checkPasswordPolicy(newPassword, 'new_password', { employeeNumber: owner.employee_number });
  const passwordHash = await hashPassword(newPassword);
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('password_reset_tokens')
      .innerJoin('users', 'users.id', 'password_reset_tokens.user_id')
      .select([
        'password_reset_tokens.id',
        'password_reset_tokens.user_id',
        'password_reset_tokens.expires_at',
        'users.is_active',
      ])
      .where('password_reset_tokens.token_hash', '=', hashResetToken(token))
      .where('password_reset_tokens.used_at', 'is', null)
      .executeTakeFirst();
    if (!row || row.expires_at <= at || !bool(row.is_active)) throw new ResetTokenInvalidError();
    // Spend the token first: of two concurrent confirmations only one updates the row.
    const spent = await trx
      .updateTable('password_reset_tokens')
      .set({ used_at: at, updated_at: at })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) throw new ResetTokenInvalidError();
    await storePasswordHash(trx, row.user_id, passwordHash, false, at);
    await recordAudit(trx, {
      userId: row.user_id,
      action: 'password_reset',
      entityType: 'user',
      entityId: row.user_id,
      at,
    });
  });
}
