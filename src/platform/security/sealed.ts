import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals a short secret for storage (AES-256-GCM, a random IV each time), with
 * a key derived from the session secret for one `purpose` (HKDF-SHA256): what
 * is stored is useless without the portal's configuration. Changing
 * SESSION_SECRET makes what was sealed unreadable (`open` returns undefined).
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(sessionSecret: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', sessionSecret, 'guichet-sealed', purpose, 32));
  }

  /** `context`: what the sealed text belongs to (an account id); `open` needs the same. */
  seal(plain: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  /**
   * The plain text, or undefined when `sealed` was not sealed with this key and
   * `context` (or was altered, or copied from another account's row).
   */
  open(sealed: string, context = ''): string | undefined {
    if (!sealed.startsWith('v1.')) return undefined;
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    if (bytes.length < 29) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
  }
}
