import { createHash, randomBytes } from 'node:crypto';

/** A random single-use token for a link sent by email (43 URL-safe characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a token: its SHA-256, so a database leak reveals no usable link. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
