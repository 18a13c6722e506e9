import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';

/** The HMAC key of one database's audit chain, and a short public fingerprint to name it by. */
export interface AuditKey {
  secret: Buffer;
  /** Fingerprint shown in checkpoints and verify reports; reveals nothing of the key. */
  id: string;
}

export function auditKeyFrom(secret: string): AuditKey {
  const buf = Buffer.from(secret, 'utf8');
  const id = createHmac('sha256', buf).update('cbu-cmms audit key id').digest('hex').slice(0, 16);
  return { secret: buf, id };
}

export function hmacHex(key: AuditKey, text: string): string {
  return createHmac('sha256', key.secret).update(text).digest('hex');
}

// recordAudit() is called with whatever transaction a service holds, never with the config. A
// Kysely instance and every transaction opened from it share one adapter object, so the key is
// registered against that: several apps in one process (tests) each keep their own key.
const keys = new WeakMap<object, AuditKey>();

/** Binds the audit key to a database handle (at start-up, before anything is audited). */
export function registerAuditKey<T>(db: Kysely<T>, secret: string): AuditKey {
  const key = auditKeyFrom(secret);
  keys.set(db.getExecutor().adapter, key);
  return key;
}

/** The key bound to this database (or a transaction of it); refusing is safer than an unkeyed row. */
export function auditKeyOf<T>(db: Kysely<T>): AuditKey {
  const key = keys.get(db.getExecutor().adapter);
  if (!key) throw new Error('no audit key is bound to this database: call registerAuditKey() at start-up');
  return key;
}
