import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../db/schema.ts';
import { UnauthorizedError } from '../shared/errors.ts';

export interface TokenClaims {
  userId: number;
  role: Role;
  /** Issued-at, epoch seconds. */
  iat: number;
  /** The user's token_version when issued; a password change, reset or deactivation raises it. */
  ver: number;
}

export async function issueToken(
  secret: string,
  user: { id: number; role: Role; token_version: number },
  now: Date,
  expiryHours: number,
) {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + Math.round(expiryHours * 3600);
  const token = await new SignJWT({ role: user.role, ver: user.token_version })
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
    // Tokens from before versions existed count as version 0 (they end at the first change).
    const ver = payload.ver ?? 0;
    if (!Number.isInteger(ver)) throw new UnauthorizedError('token_invalid', 'the token is not valid');
    return { userId, role: payload.role, iat: payload.iat ?? 0, ver: ver as number };
  } catch (e) {
    if (e instanceof errors.JWTExpired)
      throw new UnauthorizedError('token_expired', 'the session has expired; log in again');
    if (e instanceof UnauthorizedError) throw e;
    throw new UnauthorizedError('token_invalid', 'the token is not valid');
  }
}
