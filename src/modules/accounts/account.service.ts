import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { endSessions } from '../../platform/http/sessions.js';
import { isLocale, type Locale } from '../../platform/i18n/i18n.service.js';
import { maskEmail } from '../../platform/privacy/mask-email.js';
import {
  decoyHash,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '../../platform/security/passwords.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OutboxService } from '../notifications/outbox.service.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { newToken, tokenHash } from '../../platform/security/tokens.js';
import { KnownDevices, type KnownDevice } from './known-devices.js';
import { LastAdminReadModel } from './last-admin.read-model.js';
import {
  ACCOUNT_REFUSALS,
  passwordFieldProblem,
  passwordRefusal,
  tooMany,
} from './accounts.refusals.js';
import { REGISTER_FIELDS, RegisterDto } from './dto/register.dto.js';
import { checkForm, type FieldProblem } from '../../platform/forms/form.js';
import { InvalidForm } from '../../platform/forms/form-page.js';
import { isEmailAddress, MAX_EMAIL_LENGTH } from '../../platform/forms/email-address.js';
import { SignInThrottle, type ThrottleKey } from './sign-in-throttle.js';

export interface Account {
  id: string;
  email: string;
  displayName: string;
  preferredLocale: Locale;
  emailConfirmedAt: Date | null;
}

export interface SignedIn {
  account: Account;
  /** The known-device cookie's new value (docs/adr/0015). */
  device: { value: string; maxAgeMs: number };
}
/** A reset link unknown, used or expired answers its own page (410); other refusals are thrown. */
export type ResetResult = { ok: true } | { ok: false; problem: 'invalid-token' };
/** Confirming a new address: its link is emailed and opened, or the change is abandoned. */
export type EmailChangeResult = { ok: true } | { ok: false; problem: 'invalid-token' };
const CONFIRM_TTL_HOURS = 48;
/** How long the link that confirms a new address works. */
export const EMAIL_CHANGE_TTL_HOURS = 24;
const RESET_TTL_MINUTES = 60;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

/** The unique index on addresses refused a write: another account holds it. */
function isTakenAddress(error: unknown): boolean {
  const failed = error as { code?: unknown; constraint?: unknown; driverError?: unknown };
  const cause = (failed?.driverError ?? failed) as { code?: unknown; constraint?: unknown };
  return cause?.code === '23505' && cause.constraint === 'account_email_key';
}

/**
 * People's accounts: registration with email confirmation, sign-in throttled
 * (never locked) after repeated failures, password reset and change. Every
 * change writes its audit event (and its email, through the outbox) in the same
 * transaction. Messages never reveal whether an email address has an account.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
    private readonly throttle: SignInThrottle,
    private readonly devices: KnownDevices,
    private readonly organizations: OrganizationService,
    private readonly admins: LastAdminReadModel,
  ) {}

  /**
   * Registers someone from the registration form as it was posted.
   *
   * The client address's limit is taken first, before the form is even read,
   * so a post that fails validation uses it up too (the form cannot be probed
   * or flooded for free). The form is given raw and checked here, not before:
   * this method is the only way to register, so no way in (the page, an API, a
   * job) can validate on its own and skip the count. Then the form's rules
   * and the password policy, every problem at once (`InvalidForm`), then the
   * account. Refusals: "too many" (429), the form's problems (422).
   */
  async register(origin: RequestOrigin, posted: unknown): Promise<{ accountId: string }> {
    const limit = await this.limiter.take('register:ip', origin.ip ?? 'unknown');
    if (!limit.allowed) throw tooMany(limit.retryAfterSeconds);
    const { value, problems } = await checkForm(RegisterDto, posted, REGISTER_FIELDS);
    // The password policy in the same pass, so every problem shows at once.
    const policy = value.password ? passwordProblem(value.password, value.email) : undefined;
    if (policy) {
      problems.push(passwordFieldProblem('password', policy));
      problems.sort(
        (x, y) =>
          REGISTER_FIELDS.indexOf(x.field as never) - REGISTER_FIELDS.indexOf(y.field as never),
      );
    }
    if (problems.length > 0)
      throw InvalidForm.of(problems, {
        displayName: value.displayName,
        email: value.email,
        preferredLocale: value.preferredLocale,
      });
    return this.createAccount(origin, {
      displayName: value.displayName.trim(),
      email: value.email.trim(),
      password: value.password,
      preferredLocale: value.preferredLocale as Locale,
    });
  }

  /** A new account, or (same answer) an email to the holder of an address already taken. */
  private async createAccount(
    origin: RequestOrigin,
    input: { displayName: string; email: string; password: string; preferredLocale: Locale },
  ): Promise<{ accountId: string }> {
    const email = input.email.trim();
    const passwordHash = await hashPassword(input.password);
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.query(
        `SELECT id, email_confirmed_at FROM account WHERE lower(email) = lower($1)`,
        [email],
      );
      if (existing.length > 0) {
        // Same answer as a new registration: the owner of the address is told
        // by email, a few times a day at most (no one can flood a mailbox).
        const limit = await this.limiter.take('account-exists:email', email.toLowerCase());
        if (!limit.allowed) return { accountId: existing[0].id as string };
        await this.outbox.enqueue(manager, {
          kind: 'account-exists',
          to: email,
          locale: input.preferredLocale,
          values: { link: `${this.config.PUBLIC_URL}/sign-in` },
        });
        return { accountId: existing[0].id as string };
      }
      const [row] = await manager.query(
        `INSERT INTO account (email, display_name, password_hash, preferred_locale)
         VALUES ($1, $2, $3, $4) RETURNING id`,
        [email, input.displayName, passwordHash, input.preferredLocale],
      );
      const accountId = row.id as string;
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.registered',
        entity: { type: 'account', id: accountId },
        after: { email, displayName: input.displayName, preferredLocale: input.preferredLocale },
        ...origin,
      });
      await this.sendConfirmation(manager, {
        id: accountId,
        email,
        displayName: input.displayName,
        preferredLocale: input.preferredLocale,
      });
      return { accountId };
    });
  }

  /** Confirms the address the token was sent to; false when the token is unknown, used or expired. */
  async confirmEmail(token: string, origin: RequestOrigin): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const accountId = await this.useToken(manager, token, 'confirm-email');
      if (!accountId) return false;
      await manager.query(
        `UPDATE account SET email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() WHERE id = $1`,
        [accountId],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.email_confirmed',
        entity: { type: 'account', id: accountId },
        ...origin,
      });
      return true;
    });
  }

  /**
   * Signs in (docs/adr/0015). Strangers are throttled: after a few wrong
   * passwords for an email address (existing or not) or from a client address,
   * each further attempt waits, longer and longer. A browser known for the
   * account (a signed cookie left by an earlier sign-in) is not held back by
   * those counts, only by its own failures, so the owner is never locked out.
   * Refusals: "too many" (429), wrong email or password, address not
   * confirmed yet (422; a new confirmation link is sent).
   */
  async signIn(
    origin: RequestOrigin,
    credentials: { email: string; password: string },
    device?: KnownDevice,
  ): Promise<SignedIn> {
    const { password } = credentials;
    const email = credentials.email.trim();
    const [row] = await this.dataSource.query(
      `SELECT id, email, display_name, preferred_locale, email_confirmed_at, password_hash
         FROM account WHERE lower(email) = lower($1) AND closed_at IS NULL`,
      [email],
    );
    const strangers: ThrottleKey[] = [
      { kind: 'email', email },
      { kind: 'ip', ip: origin.ip ?? 'unknown' },
    ];
    const known = row && device?.accountId === row.id ? device : undefined;
    const trusted =
      known !== undefined &&
      (await this.throttle.waitSeconds([{ kind: 'device', nonce: known.nonce }])) === 0;
    if (!trusted) {
      for (const limit of [
        await this.limiter.take('sign-in:ip', origin.ip ?? 'unknown'),
        await this.limiter.take('sign-in:email', email.toLowerCase()),
      ])
        if (!limit.allowed) throw tooMany(limit.retryAfterSeconds);
      const wait = await this.throttle.waitSeconds(strangers);
      if (wait > 0) throw tooMany(wait);
    }
    // A decoy hash when no account matches: the answer takes as long either way.
    const right = await verifyPassword(row?.password_hash ?? (await decoyHash()), password);
    if (!row || !right) {
      await this.dataSource.transaction(async (manager) => {
        const keys: ThrottleKey[] = trusted ? [{ kind: 'device', nonce: known.nonce }] : strangers;
        const until = await this.throttle.fail(manager, keys);
        if (until && row)
          await this.audit.record(manager, {
            actor: { type: 'system', id: 'sign-in' },
            action: 'account.sign_in_throttled',
            entity: { type: 'account', id: row.id },
            after: { until, knownDevice: trusted },
            ...origin,
          });
      });
      throw ACCOUNT_REFUSALS.of('sign-in-failed');
    }
    const account: Account = {
      id: row.id,
      email: row.email,
      displayName: row.display_name,
      preferredLocale: row.preferred_locale,
      emailConfirmedAt: row.email_confirmed_at,
    };
    if (!account.emailConfirmedAt) {
      await this.dataSource.transaction((manager) => this.sendConfirmation(manager, account));
      throw ACCOUNT_REFUSALS.of('unconfirmed');
    }
    await this.dataSource.transaction(async (manager) => {
      // From a known browser, only its own count is forgotten: strangers trying
      // this email address are still slowed. The client address's count stays.
      await this.throttle.clear(
        manager,
        trusted ? [{ kind: 'device', nonce: known.nonce }] : [{ kind: 'email', email }],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: row.id },
        action: 'account.signed_in',
        entity: { type: 'account', id: row.id },
        ...origin,
      });
    });
    return { account, device: this.devices.issue(account.id) };
  }

  /**
   * "Forgot your password?": emails a reset link when the address has an open
   * account, does nothing otherwise (the caller answers the same either way).
   * The address is checked first (a mistyped one costs no attempt), then the
   * limits, both counted on every request: by client address and by email
   * address, so that no one can flood a mailbox from many addresses.
   * Refusals: the address's problem (422), "too many" (429).
   */
  async requestPasswordReset(origin: RequestOrigin, emailInput: string): Promise<void> {
    const email = emailInput.trim();
    if (!email) throw ACCOUNT_REFUSALS.of('email-required');
    if (email.length > MAX_EMAIL_LENGTH) throw ACCOUNT_REFUSALS.of('email-too-long');
    if (!isEmailAddress(email)) throw ACCOUNT_REFUSALS.of('email-invalid');
    const byIp = await this.limiter.take('reset:ip', origin.ip ?? 'unknown');
    const byEmail = await this.limiter.take('reset:email', email.toLowerCase());
    if (!byIp.allowed || !byEmail.allowed)
      throw tooMany(
        Math.max(
          byIp.allowed ? 0 : byIp.retryAfterSeconds,
          byEmail.allowed ? 0 : byEmail.retryAfterSeconds,
        ),
      );
    await this.emailResetLink(origin, email, 'person');
  }

  /**
   * Emails a reset link when the address has an open account; does nothing
   * otherwise. Without the limits of `requestPasswordReset`: for staff who
   * add a person (StaffService), whose link lets them choose a password.
   * Audited as the system's doing, not the person's: the request (its client
   * address) is the staff member's, which the person's data never shows.
   */
  async sendResetLink(origin: RequestOrigin, emailInput: string): Promise<void> {
    await this.emailResetLink(origin, emailInput, 'staff-added');
  }

  private async emailResetLink(
    origin: RequestOrigin,
    emailInput: string,
    asked: 'person' | 'staff-added',
  ): Promise<void> {
    const rows = await this.dataSource.query(
      `SELECT id, email, display_name, preferred_locale FROM account
       WHERE lower(email) = lower($1) AND closed_at IS NULL`,
      [emailInput.trim()],
    );
    const row = rows[0];
    if (!row) return;
    await this.dataSource.transaction(async (manager) => {
      const token = await this.issueToken(manager, row.id, 'reset-password', RESET_TTL_MINUTES);
      await this.outbox.enqueue(manager, {
        kind: 'reset-password',
        to: row.email,
        locale: row.preferred_locale,
        values: {
          name: row.display_name,
          link: `${this.config.PUBLIC_URL}/password-reset/choose?token=${token}`,
        },
      });
      await this.audit.record(manager, {
        actor: asked === 'person' ? { type: 'person', id: row.id } : { type: 'system', id: asked },
        action: 'account.password_reset_requested',
        entity: { type: 'account', id: row.id },
        ...origin,
      });
    });
  }

  /**
   * Sets a new password with a reset token. An empty password is refused
   * first (no attempt counted); then the token is checked (a refusal costs no
   * password hashing), rate limited by client address; then
   * the password (the token stays usable if it is refused); then, in one
   * transaction: the token is used, every other link of the account (reset,
   * pending change of address) stops working, the hash changes, sign-in
   * throttling of the address is lifted, every session of the account is
   * signed out, audited, and the person told by email.
   */
  async resetPassword(
    origin: RequestOrigin,
    token: string,
    password: string,
  ): Promise<ResetResult> {
    if (!password) throw ACCOUNT_REFUSALS.of('password-required');
    const limit = await this.limiter.take('reset-choose:ip', origin.ip ?? 'unknown');
    if (!limit.allowed) throw tooMany(limit.retryAfterSeconds);
    if (!TOKEN_SHAPE.test(token)) return { ok: false, problem: 'invalid-token' };
    const [holder] = await this.dataSource.query(
      `SELECT account.email FROM account_token JOIN account ON account.id = account_token.account_id
        WHERE account_token.token_hash = $1 AND account_token.purpose = 'reset-password'
          AND account_token.used_at IS NULL AND account_token.expires_at > now()
          AND account.closed_at IS NULL`,
      [tokenHash(token)],
    );
    if (!holder) return { ok: false, problem: 'invalid-token' };
    const problem = passwordProblem(password, holder.email);
    if (problem) throw passwordRefusal(problem);
    const passwordHash = await hashPassword(password);
    return this.dataSource.transaction(async (manager): Promise<ResetResult> => {
      const accountId = await this.useToken(manager, token, 'reset-password');
      if (!accountId) return { ok: false, problem: 'invalid-token' };
      await this.setPassword(manager, accountId, passwordHash);
      await endSessions(manager, accountId);
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.password_reset',
        entity: { type: 'account', id: accountId },
        ...origin,
      });
      return { ok: true };
    });
  }

  /**
   * A signed-in person changes their password: the current one first (rate
   * limited per account, so a session left open cannot be used to guess it),
   * the new one under the same rules as at registration. Every other session of
   * the account is signed out and every reset link and pending change of
   * address stops working; audited, and
   * the person told by email. Refusals: "too many" (429), then every problem
   * of the form at once (422).
   */
  async changePassword(
    accountId: string,
    keepSessionId: string,
    input: { currentPassword: string; newPassword: string },
    origin: RequestOrigin,
  ): Promise<void> {
    const limit = await this.limiter.take('password-change:account', accountId);
    if (!limit.allowed) throw tooMany(limit.retryAfterSeconds);
    const [row] = await this.dataSource.query(
      `SELECT email, password_hash FROM account WHERE id = $1 AND closed_at IS NULL`,
      [accountId],
    );
    const problems: FieldProblem[] = [];
    if (!input.currentPassword)
      problems.push({ field: 'currentPassword', message: 'accounts.errors.passwordRequired' });
    else if (!row || !(await verifyPassword(row.password_hash, input.currentPassword)))
      problems.push({ field: 'currentPassword', message: 'accounts.errors.passwordIncorrect' });
    if (!input.newPassword)
      problems.push({ field: 'newPassword', message: 'accounts.errors.newPasswordRequired' });
    else {
      const policy = passwordProblem(input.newPassword, row?.email);
      if (policy) problems.push(passwordFieldProblem('newPassword', policy));
    }
    if (problems.length > 0 || !row) throw InvalidForm.of(problems, {});
    const passwordHash = await hashPassword(input.newPassword);
    await this.dataSource.transaction(async (manager) => {
      await this.setPassword(manager, accountId, passwordHash);
      await endSessions(manager, accountId, { except: keepSessionId });
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.password_changed',
        entity: { type: 'account', id: accountId },
        ...origin,
      });
    });
  }

  /**
   * The new hash, and what goes with it: every unused link of the account
   * (reset, pending change of address) stops working, throttling
   * of the address is lifted, the address counts as confirmed (a reset link
   * proved it), and the person is told by email.
   */
  private async setPassword(manager: EntityManager, accountId: string, passwordHash: string) {
    const [row] = await returningRows<{
      email: string;
      display_name: string;
      preferred_locale: Locale;
    }>(
      manager,
      `UPDATE account SET password_hash = $2,
         email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
       WHERE id = $1 RETURNING email, display_name, preferred_locale`,
      [accountId, passwordHash],
    );
    // Every link still unused stops working: reset links, and a pending
    // change of address, which someone who had the old password may have
    // asked for (ADR 0048). A confirmation link has nothing left to confirm.
    await manager.query(
      `UPDATE account_token SET used_at = now() WHERE account_id = $1 AND used_at IS NULL`,
      [accountId],
    );
    await this.throttle.clear(manager, [{ kind: 'email', email: row.email }]);
    await this.outbox.enqueue(manager, {
      kind: 'password-changed',
      to: row.email,
      locale: row.preferred_locale,
      values: { name: row.display_name, link: `${this.config.PUBLIC_URL}/password-reset` },
    });
  }

  /**
   * A signed-in person asks to change their email address (ADR 0048): their
   * current password first (rate limited per account, rule
   * email-change:account), the new address under the registration's rules,
   * every problem at once (422). Then, like a registration, the same answer
   * and the same trace whether the address is free or not: a link (random,
   * single-use, EMAIL_CHANGE_TTL_HOURS, only its SHA-256 stored; earlier
   * links of the account stop working), a notice to the current address and
   * the audit event. The link goes to the new address when it is free; when
   * another account holds it, the link goes nowhere (following it could change
   * nothing anyway) and the holder is told by email (at most a few times a
   * day: rule account-exists:email). The address changes only when the link
   * is followed (`confirmEmailChange`). Never audited with the token.
   */
  async requestEmailChange(
    accountId: string,
    input: { newEmail: string; currentPassword: string },
    origin: RequestOrigin,
  ): Promise<void> {
    const limit = await this.limiter.take('email-change:account', accountId);
    if (!limit.allowed) throw tooMany(limit.retryAfterSeconds);
    const [row] = await this.dataSource.query(
      `SELECT email, display_name, preferred_locale, password_hash FROM account
        WHERE id = $1 AND closed_at IS NULL`,
      [accountId],
    );
    const newEmail = input.newEmail.trim();
    const problems: FieldProblem[] = [];
    if (!newEmail) problems.push({ field: 'newEmail', message: 'accounts.errors.emailRequired' });
    else if (newEmail.length > MAX_EMAIL_LENGTH)
      problems.push({ field: 'newEmail', message: 'accounts.errors.emailTooLong' });
    else if (!isEmailAddress(newEmail))
      problems.push({ field: 'newEmail', message: 'accounts.errors.emailInvalid' });
    else if (row && newEmail.toLowerCase() === String(row.email).toLowerCase())
      problems.push({ field: 'newEmail', message: 'accounts.errors.emailUnchanged' });
    if (!input.currentPassword)
      problems.push({ field: 'currentPassword', message: 'accounts.errors.passwordRequired' });
    else if (!row || !(await verifyPassword(row.password_hash, input.currentPassword)))
      problems.push({ field: 'currentPassword', message: 'accounts.errors.passwordIncorrect' });
    if (problems.length > 0 || !row) throw InvalidForm.of(problems, { newEmail });
    await this.dataSource.transaction(async (manager) => {
      const [holder] = await manager.query(
        `SELECT preferred_locale FROM account WHERE lower(email) = lower($1) AND id <> $2`,
        [newEmail, accountId],
      );
      await manager.query(
        `UPDATE account_token SET used_at = now()
          WHERE account_id = $1 AND purpose = 'change-email' AND used_at IS NULL`,
        [accountId],
      );
      // The same trace either way (a link stored, the notice, the audit event),
      // so that nothing the person can see, their data's download included,
      // says whether another account holds the address. Only the new address's
      // email differs: the link, or its holder told, as registration does.
      const token = newToken();
      await manager.query(
        `INSERT INTO account_token (token_hash, account_id, purpose, new_email, expires_at)
         VALUES ($1, $2, 'change-email', $3, now() + make_interval(hours => $4))`,
        [tokenHash(token), accountId, newEmail, EMAIL_CHANGE_TTL_HOURS],
      );
      if (holder) {
        const told = await this.limiter.take('account-exists:email', newEmail.toLowerCase());
        if (told.allowed)
          await this.outbox.enqueue(manager, {
            kind: 'email-change-taken',
            to: newEmail,
            locale: isLocale(holder.preferred_locale)
              ? holder.preferred_locale
              : row.preferred_locale,
            values: { link: `${this.config.PUBLIC_URL}/sign-in` },
          });
      } else
        await this.outbox.enqueue(manager, {
          kind: 'email-change-confirm',
          to: newEmail,
          locale: row.preferred_locale,
          values: {
            name: row.display_name,
            link: `${this.config.PUBLIC_URL}/account/email/confirm?token=${token}`,
          },
        });
      await this.outbox.enqueue(manager, {
        kind: 'email-change-requested',
        to: row.email,
        locale: row.preferred_locale,
        values: {
          name: row.display_name,
          newEmail: maskEmail(newEmail),
          link: `${this.config.PUBLIC_URL}/account/password`,
        },
      });
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.email_change_requested',
        entity: { type: 'account', id: accountId },
        after: { newEmail },
        ...origin,
      });
    });
  }

  /**
   * The link sent to the new address was followed: in one transaction the
   * token is used (once), the address changes and counts as confirmed, the
   * account's other email links (confirmation, reset, other changes) stop
   * working, every session of the account ends but the one that followed the
   * link when it is the account's own (`keep`), the emails kept for the
   * former address are forgotten (sent or not), then that address is told,
   * and the change audited with both addresses. A link unknown, used or
   * expired, of a closed account, or for an address another account took in
   * the meantime (even between the check and the update: the unique index
   * `account_email_key` says so), changes nothing ('invalid-token').
   */
  async confirmEmailChange(
    token: string,
    keep: { accountId?: string; sessionId?: string },
    origin: RequestOrigin,
  ): Promise<EmailChangeResult> {
    if (!TOKEN_SHAPE.test(token)) return { ok: false, problem: 'invalid-token' };
    try {
      return await this.changeEmailWith(token, keep, origin);
    } catch (error) {
      // Registered (or changed to) between the check and the update: taken.
      if (isTakenAddress(error)) return { ok: false, problem: 'invalid-token' };
      throw error;
    }
  }

  private changeEmailWith(
    token: string,
    keep: { accountId?: string; sessionId?: string },
    origin: RequestOrigin,
  ): Promise<EmailChangeResult> {
    return this.dataSource.transaction(async (manager): Promise<EmailChangeResult> => {
      const [used] = await returningRows<{ account_id: string; new_email: string }>(
        manager,
        `UPDATE account_token SET used_at = now()
          WHERE token_hash = $1 AND purpose = 'change-email' AND used_at IS NULL AND expires_at > now()
          RETURNING account_id, new_email`,
        [tokenHash(token)],
      );
      if (!used) return { ok: false, problem: 'invalid-token' };
      const [account] = await manager.query(
        `SELECT email, display_name, preferred_locale FROM account
          WHERE id = $1 AND closed_at IS NULL FOR UPDATE`,
        [used.account_id],
      );
      const [taken] = await manager.query(
        `SELECT 1 FROM account WHERE lower(email) = lower($1) AND id <> $2`,
        [used.new_email, used.account_id],
      );
      if (!account || taken) return { ok: false, problem: 'invalid-token' };
      await manager.query(
        `UPDATE account SET email = $2, email_confirmed_at = now(), updated_at = now() WHERE id = $1`,
        [used.account_id, used.new_email],
      );
      await manager.query(
        `UPDATE account_token SET used_at = now() WHERE account_id = $1 AND used_at IS NULL`,
        [used.account_id],
      );
      const own = keep.accountId === used.account_id ? keep.sessionId : undefined;
      await endSessions(manager, used.account_id, own ? { except: own } : {});
      await this.throttle.clear(manager, [{ kind: 'email', email: account.email }]);
      // The emails kept for the former address go: whoever holds it next
      // must not find them in their data's download (ADR 0048).
      await this.outbox.forgetRecipient(manager, account.email);
      await this.outbox.enqueue(manager, {
        kind: 'email-changed',
        to: account.email,
        locale: account.preferred_locale,
        values: {
          name: account.display_name,
          newEmail: maskEmail(used.new_email),
          link: `${this.config.PUBLIC_URL}/password-reset`,
        },
      });
      await this.audit.record(manager, {
        actor: { type: 'person', id: used.account_id },
        action: 'account.email_changed',
        entity: { type: 'account', id: used.account_id },
        before: { email: account.email },
        after: { email: used.new_email },
        ...origin,
      });
      return { ok: true };
    });
  }

  /** Changes the name and the language of the person's messages. */
  async updateProfile(
    accountId: string,
    input: { displayName: string; preferredLocale: Locale },
    origin: RequestOrigin,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [before] = await manager.query(
        `SELECT display_name, preferred_locale FROM account WHERE id = $1 AND closed_at IS NULL FOR UPDATE`,
        [accountId],
      );
      if (!before) return;
      await manager.query(
        `UPDATE account SET display_name = $2, preferred_locale = $3, updated_at = now() WHERE id = $1`,
        [accountId, input.displayName, input.preferredLocale],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.profile_updated',
        entity: { type: 'account', id: accountId },
        before: { displayName: before.display_name, preferredLocale: before.preferred_locale },
        after: input,
        ...origin,
      });
    });
  }

  /**
   * Closes an account after checking its password (docs/adr/0005): refused
   * when it is missing or wrong, while the person is the last owner of an
   * SME (the SMEs named; nothing changes), and while they hold the admin
   * staff role and no other open account does (checked under the staff
   * roles' advisory lock, as role changes are). Otherwise, in one
   * transaction: their memberships end (each audited on its SME), the row is
   * anonymised, its sessions and tokens are deleted, the emails addressed to
   * it and the rate-limit and sign-in counters kept about it are scrubbed, and
   * the closing is audited without personal data.
   */
  async close(accountId: string, password: string, origin: RequestOrigin): Promise<void> {
    if (!password) throw ACCOUNT_REFUSALS.of('password-required');
    const [row] = await this.dataSource.query(
      `SELECT password_hash FROM account WHERE id = $1 AND closed_at IS NULL`,
      [accountId],
    );
    if (!row || !(await verifyPassword(row.password_hash, password)))
      throw ACCOUNT_REFUSALS.of('password-incorrect');
    await this.dataSource.transaction(async (manager) => {
      // The staff module's role changes take this lock first too (and then
      // the account's row): the last admin check below and a concurrent
      // removal of another admin's role cannot both pass.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('staff-roles'))`);
      const [account] = await manager.query(
        `SELECT email FROM account WHERE id = $1 AND closed_at IS NULL FOR UPDATE`,
        [accountId],
      );
      if (!account) throw ACCOUNT_REFUSALS.of('password-incorrect');
      if (await this.admins.isLastAdmin(manager, accountId))
        throw ACCOUNT_REFUSALS.of('last-admin');
      // The organizations module ends the memberships, or names the SMEs
      // the person is the last owner of (and nothing changes).
      const left = await this.organizations.leaveAll(manager, accountId, origin);
      if (!left.ok)
        throw ACCOUNT_REFUSALS.of('last-owner', {
          params: { organizations: left.organizations.join(', ') },
        });
      await manager.query(
        `UPDATE account SET email = 'closed+' || id || '@closed.invalid', display_name = '',
           password_hash = '!', email_confirmed_at = NULL, closed_at = now(), updated_at = now()
         WHERE id = $1`,
        [accountId],
      );
      await manager.query(`DELETE FROM account_token WHERE account_id = $1`, [accountId]);
      await endSessions(manager, accountId);
      await this.outbox.forgetRecipient(manager, account.email);
      await this.limiter.forget(manager, [account.email.toLowerCase(), accountId]);
      await this.throttle.clear(manager, [{ kind: 'email', email: account.email }]);
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.closed',
        entity: { type: 'account', id: accountId },
        ...origin,
      });
    });
  }

  /**
   * The open account holding an address (whatever its case), for staff who
   * act for its holder (e.g. recording feedback received by phone); undefined
   * when there is none or it is closed.
   */
  async findOpenByEmail(email: string): Promise<Account | undefined> {
    const [row] = await this.dataSource.query<
      {
        id: string;
        email: string;
        display_name: string;
        preferred_locale: Locale;
        email_confirmed_at: Date | null;
      }[]
    >(
      `SELECT account.id, account.email, account.display_name, account.preferred_locale,
              account.email_confirmed_at
         FROM account WHERE lower(account.email) = lower($1) AND account.closed_at IS NULL`,
      [email.trim()],
    );
    return row
      ? {
          id: row.id,
          email: row.email,
          displayName: row.display_name,
          preferredLocale: row.preferred_locale,
          emailConfirmedAt: row.email_confirmed_at,
        }
      : undefined;
  }

  async recordSignOut(accountId: string, origin: RequestOrigin): Promise<void> {
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.signed_out',
        entity: { type: 'account', id: accountId },
        ...origin,
      }),
    );
  }

  private async sendConfirmation(
    manager: EntityManager,
    account: Omit<Account, 'emailConfirmedAt'>,
  ) {
    const token = await this.issueToken(
      manager,
      account.id,
      'confirm-email',
      CONFIRM_TTL_HOURS * 60,
    );
    await this.outbox.enqueue(manager, {
      kind: 'confirm-email',
      to: account.email,
      locale: account.preferredLocale,
      values: {
        name: account.displayName,
        link: `${this.config.PUBLIC_URL}/account/confirm-email?token=${token}`,
      },
    });
  }

  /** A random single-use token; only its SHA-256 is stored. */
  private async issueToken(
    manager: EntityManager,
    accountId: string,
    purpose: string,
    ttlMinutes: number,
  ) {
    const token = newToken();
    await manager.query(
      `INSERT INTO account_token (token_hash, account_id, purpose, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(mins => $4))`,
      [tokenHash(token), accountId, purpose, ttlMinutes],
    );
    return token;
  }

  /** Marks a valid token used and returns its account, atomically. */
  private async useToken(
    manager: EntityManager,
    token: string,
    purpose: string,
  ): Promise<string | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const rows = await returningRows<{ account_id: string }>(
      manager,
      `UPDATE account_token SET used_at = now()
       WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING account_id`,
      [tokenHash(token), purpose],
    );
    return rows[0]?.account_id;
  }
}
