// Connector secrets (passwords, private keys) at rest: AES-256-GCM with a key that lives outside the
// database (CONNECTOR_SECRET_KEY or DATA_DIR/connector-key, config.ts). A stored secret is the text
// `enc:v1:<iv>:<tag>:<ciphertext>` (base64url parts); the source id and field name are bound in as
// additional data, so a ciphertext copied into another source or field does not decrypt.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export class SecretBox {
  private readonly key: Buffer;

  /** Any key text: hashed to the 32 bytes AES-256 needs. */
  constructor(keyText: string) {
    this.key = createHash('sha256').update('cbu-cmms connector secrets\u0000').update(keyText).digest();
  }

  static isSealed(text: unknown): boolean {
    return typeof text === 'string' && text.startsWith(PREFIX);
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${PREFIX}${iv.toString('base64url')}:${tag.toString('base64url')}:${data.toString('base64url')}`;
  }

  /** Throws when the text was sealed with another key or context, or was altered. */
  open(sealed: string, context: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('not an encrypted connector secret');
    const [iv, tag, data] = sealed.slice(PREFIX.length).split(':');
    if (iv === undefined || tag === undefined || data === undefined)
      throw new Error('malformed encrypted connector secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error(
        'a connector secret does not decrypt: CONNECTOR_SECRET_KEY (or DATA_DIR/connector-key) is not the key it was stored with',
      );
    }
  }
}
