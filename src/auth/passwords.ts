import { randomBytes } from 'node:crypto';
import { compare, hash } from '@node-rs/bcrypt';
import { ValidationError } from '../shared/errors.ts';

const COST = 10;
export const MIN_PASSWORD_LENGTH = 8;

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, COST);
}

export function verifyPassword(plain: string, passwordHash: string): Promise<boolean> {
  return compare(plain, passwordHash).catch(() => false);
}

export function checkPasswordPolicy(plain: string, field = 'password'): void {
  if (plain.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(field, `${field} must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

/** A readable one-time password for first start and admin resets. */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

// A fixed hash compared against when the user does not exist, so a wrong employee number takes
// as long as a wrong password and does not reveal which accounts exist.
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hash('not-a-real-password', COST);
  return dummyHash;
}
