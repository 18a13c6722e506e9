import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compare, hash } from '@node-rs/bcrypt';
import { ValidationError } from '../shared/errors.ts';

const COST = 10;
export const MIN_PASSWORD_LENGTH = 10;
/** Fewer distinct characters than this is a repeated pattern ("aaaaaaaaaa", "abababababab"). */
const MIN_DISTINCT_CHARACTERS = 4;
/** Shorter employee numbers ("7", "A1") would forbid too much; the length rule covers equality. */
const MIN_EMPLOYEE_NUMBER_CHECKED = 3;

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, COST);
}

export function verifyPassword(plain: string, passwordHash: string): Promise<boolean> {
  return compare(plain, passwordHash).catch(() => false);
}

let common: Set<string> | null = null;
/** The bundled list (common-passwords.txt), lower case, loaded on first use. */
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l && !l.startsWith('#')),
  );
  return common;
}

/**
 * The one password policy, applied wherever a password is set (API, CLI, first admin, reset link).
 * Each refusal is a 400 naming the rule in `details.rule`.
 */
export function checkPasswordPolicy(
  plain: string,
  field = 'password',
  account: { employeeNumber?: string } = {},
): void {
  const refuse = (rule: string, message: string) => {
    throw new ValidationError(field, `${field} ${message}`, { rule });
  };
  if ([...plain].length < MIN_PASSWORD_LENGTH) {
    refuse('min_length', `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const lower = plain.toLowerCase();
  const employee = account.employeeNumber?.trim().toLowerCase();
  if (employee && employee.length >= MIN_EMPLOYEE_NUMBER_CHECKED && lower.includes(employee)) {
    refuse('contains_employee_number', 'must not contain the employee number');
  }
  if (new Set(lower).size < MIN_DISTINCT_CHARACTERS) {
    refuse(
      'repeated_characters',
      `must not be one character or a short pattern repeated (use at least ${MIN_DISTINCT_CHARACTERS} different characters)`,
    );
  }
  if (commonPasswords().has(lower)) {
    refuse('common_password', 'is one of the most common passwords; choose another');
  }
}

/** A readable one-time password for first start and admin resets; always passes the policy. */
export function generatePassword(account: { employeeNumber?: string } = {}): string {
  for (;;) {
    const p = randomBytes(12).toString('base64url');
    try {
      checkPasswordPolicy(p, 'password', account);
      return p;
    } catch {
      // Astronomically rare (it contained the employee number): draw again.
    }
  }
}

// A fixed hash compared against when the user does not exist, so a wrong employee number takes
// as long as a wrong password and does not reveal which accounts exist.
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hash('not-a-real-password', COST);
  return dummyHash;
}
