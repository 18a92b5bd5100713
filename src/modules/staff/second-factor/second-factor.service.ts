import { createHash, randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as OTPAuth from 'otpauth';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../../platform/config/app-config.js';
import { endSessions } from '../../../platform/http/sessions.js';
import { RateLimiter } from '../../../platform/security/rate-limiter.js';
import { Sealer } from '../../../platform/security/sealed.js';
import { AuditService } from '../../audit/audit.service.js';
import { OutboxService, type EmailKind } from '../../notifications/outbox.service.js';
import type { RequestOrigin } from '../../audit/request-origin.js';
import { isUuid } from '../../../platform/http/uuid.js';
import { STAFF_REFUSALS } from '../staff.refusals.js';
import { StaffReadModel } from '../staff.read-model.js';

/**
 * A secret being enrolled, kept in the session until a first code confirms
 * it: sealed (for this account), as it will be stored; nothing else.
 */
export interface PendingEnrolment {
  sealedSecret: string;
}

/** What the enrolment page shows of a pending secret (made at each render, never kept). */
export interface EnrolmentView {
  /** The `otpauth://` address the QR code carries. */
  uri: string;
  /** The secret in base32, in groups of four, for typing it in by hand. */
  secretText: string;
}

/** Wrong codes in a row that lock a second factor until an admin resets it. */
export const LOCK_AFTER_FAILURES = 20;

const PERIOD = 30;
/** What the TOTP secrets are sealed for (the key's HKDF purpose). */
export const TOTP_SEAL_PURPOSE = 'staff-totp';
const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * The second factor of staff who sign in with a Guichet password (issue 18,
 * ADR 0046): TOTP (RFC 6238: SHA-1, 6 digits, 30 seconds, what every
 * authenticator app reads from a QR code), a code accepted one step early or
 * late and only once (the last step used is kept), and ten single-use
 * recovery codes. The secret is sealed at rest (`Sealer`); recovery codes are
 * kept as SHA-256 hashes (50 random bits each). Tries are rate limited per
 * account; each enrolment, use of a recovery code and reset is audited.
 */
@Injectable()
export class SecondFactorService {
  private readonly sealer: Sealer;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly staff: StaffReadModel,
  ) {
    this.sealer = new Sealer(config.SESSION_SECRET, TOTP_SEAL_PURPOSE);
  }

  /**
   * Whether a staff member has enrolled their app; someone who is not staff
   * gets the `not-staff` refusal (the ordinary 404 page: these pages are not
   * revealed).
   */
  async isEnrolled(accountId: string): Promise<boolean> {
    await this.assertStaff(accountId);
    const rows = await this.dataSource.query(
      `SELECT 1 FROM staff_second_factor WHERE account_id = $1`,
      [accountId],
    );
    return rows.length > 0;
  }

  /**
   * The secret a staff member is enrolling: `current` (the session's) while it
   * opens for them, else a new one, sealed for the account (a secret that
   * does not open: SESSION_SECRET changed, or another account's).
   */
  async pendingFor(
    accountId: string,
    current: PendingEnrolment | undefined,
  ): Promise<PendingEnrolment> {
    await this.assertStaff(accountId);
    if (current && this.sealer.open(current.sealedSecret, accountId) !== undefined) return current;
    const secret = new OTPAuth.Secret({ size: 20 });
    return { sealedSecret: this.sealer.seal(secret.base32, accountId) };
  }

  /** The QR code's address and the typed form of a pending secret; undefined if it does not open. */
  describe(accountId: string, email: string, pending: PendingEnrolment): EnrolmentView | undefined {
    const secret = this.sealer.open(pending.sealedSecret, accountId);
    if (secret === undefined) return undefined;
    return {
      uri: this.totp(secret, email).toString(),
      secretText: secret.replace(/(.{4})/g, '$1 ').trim(),
    };
  }

  /**
   * Confirms an enrolment with a first code from the app: the secret is
   * stored (sealed) and ten recovery codes are made, returned once in clear;
   * undefined when nothing is being enrolled (the session lost it).
   */
  async enrol(
    accountId: string,
    email: string,
    pending: PendingEnrolment | undefined,
    code: string,
    origin: RequestOrigin,
  ): Promise<string[] | undefined> {
    await this.assertStaff(accountId);
    // No secret being enrolled (the session expired meanwhile): the enrolment starts again.
    if (!pending) return undefined;
    await this.limit(accountId);
    const secret = this.sealer.open(pending.sealedSecret, accountId);
    const step = secret === undefined ? undefined : this.stepOf(secret, email, code);
    if (step === undefined) throw STAFF_REFUSALS.of('code-wrong');
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    await this.dataSource.transaction(async (manager) => {
      const [inserted] = await manager.query(
        `INSERT INTO staff_second_factor (account_id, secret_sealed, last_step) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO NOTHING RETURNING account_id`,
        [accountId, pending.sealedSecret, step],
      );
      if (!inserted) throw STAFF_REFUSALS.of('already-enrolled');
      await manager.query(
        `INSERT INTO staff_recovery_code (account_id, code_hash) SELECT $1, unnest($2::text[])`,
        [accountId, codes.map(hashOf)],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'staff.second_factor_enrolled',
        entity: { type: 'account', id: accountId },
        after: { method: 'totp', recoveryCodes: RECOVERY_CODES },
        ...origin,
      });
      await this.tell(manager, accountId, 'second-factor-enrolled');
    });
    return codes.map((c) => `${c.slice(0, 5)}-${c.slice(5)}`);
  }

  /**
   * Checks a code from the app (each accepted once) or a recovery code (each
   * used once, audited with how many are left). Refused: "code-wrong" (422),
   * "too many tries" (429), "not enrolled" (409).
   */
  async verify(
    accountId: string,
    email: string,
    code: string,
    origin: RequestOrigin,
  ): Promise<{ recoveryCodesLeft?: number }> {
    await this.assertStaff(accountId);
    await this.limit(accountId);
    const [row] = await this.dataSource.query(
      `SELECT secret_sealed, last_step, failures FROM staff_second_factor WHERE account_id = $1`,
      [accountId],
    );
    if (!row) throw STAFF_REFUSALS.of('not-enrolled');
    if ((row.failures as number) >= LOCK_AFTER_FAILURES)
      throw STAFF_REFUSALS.of('second-factor-locked');
    const typed = code.replace(/\s+/g, '');
    if (/^\d{6}$/.test(typed)) {
      const secret = this.sealer.open(row.secret_sealed as string, accountId);
      const step = secret === undefined ? undefined : this.stepOf(secret, email, typed);
      // A code is used once: the step must be later than the last one taken.
      const taken =
        step !== undefined &&
        (
          await this.dataSource.query(
            `UPDATE staff_second_factor SET last_step = $2
             WHERE account_id = $1 AND last_step < $2 RETURNING account_id`,
            [accountId, step],
          )
        )[0].length === 1;
      if (!taken) return this.failed(accountId, origin);
      await this.dataSource.query(
        `UPDATE staff_second_factor SET failures = 0 WHERE account_id = $1 AND failures > 0`,
        [accountId],
      );
      return {};
    }
    const recovery = typed.replace(/-/g, '').toLowerCase();
    const result = await this.dataSource.transaction(async (manager) => {
      const [used] = await manager.query(
        `UPDATE staff_recovery_code SET used_at = now()
         WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING code_hash`,
        [accountId, hashOf(recovery)],
      );
      if (used.length === 0) return undefined;
      await manager.query(`UPDATE staff_second_factor SET failures = 0 WHERE account_id = $1`, [
        accountId,
      ]);
      const [{ left }] = await manager.query(
        `SELECT count(*)::int AS left FROM staff_recovery_code WHERE account_id = $1 AND used_at IS NULL`,
        [accountId],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'staff.recovery_code_used',
        entity: { type: 'account', id: accountId },
        after: { recoveryCodesLeft: left },
        ...origin,
      });
      await this.tell(manager, accountId, 'second-factor-recovery-used', { left: String(left) });
      return { recoveryCodesLeft: left as number };
    });
    return result ?? this.failed(accountId, origin);
  }

  /**
   * A wrong code: counted, audited, and at LOCK_AFTER_FAILURES in a row the
   * second factor locks until an admin resets it (slow guessing within the
   * rate limit would otherwise go on for ever, unseen).
   */
  private async failed(accountId: string, origin: RequestOrigin): Promise<never> {
    const locked = await this.dataSource.transaction(async (manager) => {
      const [[row]] = await manager.query(
        `UPDATE staff_second_factor SET failures = failures + 1 WHERE account_id = $1
         RETURNING failures`,
        [accountId],
      );
      const failures = (row?.failures as number | undefined) ?? 0;
      const nowLocked = failures === LOCK_AFTER_FAILURES;
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: nowLocked ? 'staff.second_factor_locked' : 'staff.second_factor_failed',
        entity: { type: 'account', id: accountId },
        after: { failuresInARow: failures },
        ...origin,
      });
      if (nowLocked) await this.tell(manager, accountId, 'second-factor-locked');
      return failures >= LOCK_AFTER_FAILURES;
    });
    throw STAFF_REFUSALS.of(locked ? 'second-factor-locked' : 'code-wrong');
  }

  /**
   * An admin resets someone's second factor (a lost phone and lost recovery
   * codes): the secret and codes go, every session of the person ends, and
   * they enrol again at their next sign-in. Audited.
   */
  async reset(
    adminId: string,
    accountId: string,
    origin: RequestOrigin,
  ): Promise<{ done: boolean; displayName: string }> {
    const member = isUuid(accountId) ? await this.staff.member(accountId) : undefined;
    if (!member) throw STAFF_REFUSALS.of('not-staff');
    const done = await this.dataSource.transaction(async (manager) => {
      const [removed] = await manager.query(
        `DELETE FROM staff_second_factor WHERE account_id = $1 RETURNING account_id`,
        [accountId],
      );
      if (removed.length === 0) return false;
      await manager.query(`DELETE FROM staff_recovery_code WHERE account_id = $1`, [accountId]);
      await endSessions(manager, accountId);
      await this.audit.record(manager, {
        actor: { type: 'staff', id: adminId },
        action: 'staff.second_factor_reset',
        entity: { type: 'account', id: accountId },
        after: { sessionsEnded: true },
        ...origin,
      });
      await this.tell(manager, accountId, 'second-factor-reset');
      return true;
    });
    return { done, displayName: member.displayName };
  }

  /**
   * Tells the person, at their address, what just happened to their second
   * factor, with what to do if it was not them (an enrolment trusts whoever
   * held the password first: this is how the person would know).
   */
  private async tell(
    manager: EntityManager,
    accountId: string,
    kind: EmailKind,
    values: Record<string, string> = {},
  ) {
    // The person's own address and language (ADR 0021: a read of accounts' table).
    const [person] = await manager.query(
      `SELECT email, display_name, preferred_locale FROM account WHERE id = $1 AND closed_at IS NULL`,
      [accountId],
    );
    if (!person) return;
    await this.outbox.enqueue(manager, {
      kind,
      to: person.email,
      locale: person.preferred_locale,
      values: {
        name: person.display_name,
        link: `${this.config.PUBLIC_URL}/password-reset`,
        ...values,
      },
    });
  }

  private async assertStaff(accountId: string) {
    if ((await this.staff.rolesOf(accountId)).length === 0) throw STAFF_REFUSALS.of('not-staff');
  }

  private async limit(accountId: string) {
    const limit = await this.limiter.take('second-factor:account', accountId);
    if (!limit.allowed)
      throw STAFF_REFUSALS.of('second-factor-too-many', {
        headers: { 'Retry-After': String(limit.retryAfterSeconds) },
      });
  }

  private totp(base32: string, email: string) {
    return new OTPAuth.TOTP({
      issuer: `Guichet – ${this.config.MUNICIPALITY_NAME}`,
      label: email,
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD,
      secret: OTPAuth.Secret.fromBase32(base32),
    });
  }

  /** The time step a valid code belongs to (one step early or late accepted), or undefined. */
  private stepOf(base32: string, email: string, code: string): number | undefined {
    const typed = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(typed)) return undefined;
    const now = Date.now();
    const delta = this.totp(base32, email).validate({ token: typed, timestamp: now, window: 1 });
    return delta === null ? undefined : Math.floor(now / 1000 / PERIOD) + delta;
  }
}

function recoveryCode(): string {
  return Array.from(
    { length: 10 },
    () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
  ).join('');
}

function hashOf(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
