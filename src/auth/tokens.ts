import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../db/schema.ts';
import { UnauthorizedError } from '../shared/errors.ts';

export interface TokenClaims {
  userId: number;
  role: Role;
  /** Issued-at, epoch seconds. */
  iat: number;
}

export async function issueToken(
  secret: string,
  user: { id: number; role: Role },
  now: Date,
  expiryHours: number,
) {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + Math.round(expiryHours * 3600);
  const token = await new SignJWT({ role: user.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(user.id))
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setIssuer('cbu-cmms')
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

export async function verifyToken(secret: string, token: string, now: Date): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      issuer: 'cbu-cmms',
      currentDate: now,
    });
    const userId = Number(payload.sub);
    if (!Number.isInteger(userId) || (payload.role !== 'admin' && payload.role !== 'technician')) {
      throw new UnauthorizedError('token_invalid', 'the token is not valid');
    }
    return { userId, role: payload.role, iat: payload.iat ?? 0 };
  } catch (e) {
    if (e instanceof errors.JWTExpired)
      throw new UnauthorizedError('token_expired', 'the session has expired; log in again');
    if (e instanceof UnauthorizedError) throw e;
    throw new UnauthorizedError('token_invalid', 'the token is not valid');
  }
}
