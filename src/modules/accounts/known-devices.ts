import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';

/** The cookie that marks a browser where someone signed in (sent to /sign-in only). */
export const KNOWN_DEVICE_COOKIE = 'guichet_device';
export const KNOWN_DEVICE_PATH = '/sign-in';

export interface KnownDevice {
  accountId: string;
  /** Random, per sign-in: what this browser's own failures are counted against. */
  nonce: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * "Device cookies" (OWASP's answer to lockouts, docs/adr/0015): a successful
 * sign-in leaves a cookie `<account id>.<nonce>.<HMAC>` signed with a key
 * derived from SESSION_SECRET. A browser that presents a valid one for the
 * account it signs in to is not held back by throttling aimed at strangers.
 */
@Injectable()
export class KnownDevices {
  private readonly key: Buffer;

  constructor(private readonly config: AppConfig) {
    this.key = createHmac('sha256', config.SESSION_SECRET).update('guichet known device').digest();
  }

  /** A new cookie value for this account, and how long the browser keeps it. */
  issue(accountId: string): { value: string; maxAgeMs: number } {
    const payload = `${accountId}.${randomBytes(18).toString('base64url')}`;
    return {
      value: `${payload}.${this.sign(payload)}`,
      maxAgeMs: this.config.KNOWN_DEVICE_DAYS * 24 * 60 * 60 * 1000,
    };
  }

  /** The device a cookie names, or undefined when it is absent, malformed or forged. */
  read(cookie: unknown): KnownDevice | undefined {
    if (typeof cookie !== 'string' || cookie.length > 200) return undefined;
    const [accountId, nonce, signature, ...rest] = cookie.split('.');
    if (rest.length > 0 || !UUID.test(accountId ?? '') || !/^[\w-]{24}$/.test(nonce ?? ''))
      return undefined;
    const expected = Buffer.from(this.sign(`${accountId}.${nonce}`));
    const given = Buffer.from(signature ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { accountId, nonce };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
