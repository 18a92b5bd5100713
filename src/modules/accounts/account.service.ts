import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import {
  decoyHash,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '../../platform/security/passwords.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OutboxService } from '../notifications/outbox.service.js';
import { newToken, tokenHash } from '../../platform/security/tokens.js';

export interface Account {
  id: string;
  email: string;
  displayName: string;
  preferredLocale: Locale;
  emailConfirmedAt: Date | null;
}

export type RegisterResult =
  { ok: true; accountId: string } | { ok: false; field: 'password'; problem: string };
export type SignInResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'invalid' | 'unconfirmed' }
  | { ok: false; reason: 'locked'; until: Date };

const CONFIRM_TTL_HOURS = 48;
const RESET_TTL_MINUTES = 60;
export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MINUTES = 15;

/**
 * People's accounts: registration with email confirmation, sign-in with a
 * temporary lock after repeated failures, password reset. Every change writes
 * its audit event (and its email, through the outbox) in the same transaction.
 * Messages never reveal whether an email address has an account.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  async register(
    input: { displayName: string; email: string; password: string; preferredLocale: Locale },
    origin: RequestOrigin,
  ): Promise<RegisterResult> {
    const problem = passwordProblem(input.password, input.email);
    if (problem) return { ok: false, field: 'password', problem };
    const email = input.email.trim();
    const passwordHash = await hashPassword(input.password);
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.query(
        `SELECT id, email_confirmed_at FROM account WHERE lower(email) = lower($1)`,
        [email],
      );
      if (existing.length > 0) {
        // Same answer as a new registration: the owner of the address is told by email.
        await this.outbox.enqueue(manager, {
          kind: 'account-exists',
          to: email,
          locale: input.preferredLocale,
          values: { link: `${this.config.PUBLIC_URL}/sign-in` },
        });
        return { ok: true, accountId: existing[0].id as string };
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
      return { ok: true, accountId };
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

  async signIn(emailInput: string, password: string, origin: RequestOrigin): Promise<SignInResult> {
    const rows = await this.dataSource.query(
      `SELECT id, email, display_name, preferred_locale, email_confirmed_at, password_hash, locked_until, closed_at
       FROM account WHERE lower(email) = lower($1)`,
      [emailInput.trim()],
    );
    const row = rows[0];
    if (!row || row.closed_at) {
      await verifyPassword(await decoyHash(), password);
      return { ok: false, reason: 'invalid' };
    }
    if (row.locked_until && new Date(row.locked_until) > new Date()) {
      return { ok: false, reason: 'locked', until: new Date(row.locked_until) };
    }
    if (!(await verifyPassword(row.password_hash, password))) {
      return this.dataSource.transaction(async (manager) => {
        const [updated] = await returningRows<{ locked_until: Date | null }>(
          manager,
          `UPDATE account SET failed_sign_ins = failed_sign_ins + 1,
             locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN now() + make_interval(mins => $3) END
           WHERE id = $1 RETURNING failed_sign_ins, locked_until`,
          [row.id, MAX_FAILED_SIGN_INS, LOCK_MINUTES],
        );
        if (updated.locked_until) {
          await manager.query(`UPDATE account SET failed_sign_ins = 0 WHERE id = $1`, [row.id]);
          await this.audit.record(manager, {
            actor: { type: 'system', id: 'sign-in' },
            action: 'account.locked',
            entity: { type: 'account', id: row.id },
            after: { lockedUntil: updated.locked_until },
            ...origin,
          });
          return {
            ok: false,
            reason: 'locked',
            until: new Date(updated.locked_until),
          } as SignInResult;
        }
        return { ok: false, reason: 'invalid' } as SignInResult;
      });
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
      return { ok: false, reason: 'unconfirmed' };
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE account SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1`,
        [row.id],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: row.id },
        action: 'account.signed_in',
        entity: { type: 'account', id: row.id },
        ...origin,
      });
    });
    return { ok: true, account };
  }

  /**
   * Emails a reset link when the address has an open account; does nothing
   * otherwise. The caller answers the same either way.
   */
  async requestPasswordReset(emailInput: string, origin: RequestOrigin): Promise<void> {
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
        actor: { type: 'person', id: row.id },
        action: 'account.password_reset_requested',
        entity: { type: 'account', id: row.id },
        ...origin,
      });
    });
  }

  /**
   * Sets a new password with a reset token: checks the password first (the token
   * stays usable if it is refused), then, in one transaction, uses the token,
   * changes the hash, lifts any lock, signs every session of the account out,
   * audits and tells the person by email.
   */
  async resetPassword(
    token: string,
    password: string,
    origin: RequestOrigin,
  ): Promise<{ ok: true } | { ok: false; problem: string }> {
    const preview = await this.dataSource.query(
      `SELECT a.email FROM account_token t JOIN account a ON a.id = t.account_id
       WHERE t.token_hash = $1 AND t.purpose = 'reset-password'`,
      [tokenHash(token)],
    );
    const problem = passwordProblem(password, preview[0]?.email);
    if (problem) return { ok: false, problem };
    const passwordHash = await hashPassword(password);
    return this.dataSource.transaction(async (manager) => {
      const accountId = await this.useToken(manager, token, 'reset-password');
      if (!accountId) return { ok: false, problem: 'invalid-token' } as const;
      const [row] = await returningRows<{
        email: string;
        display_name: string;
        preferred_locale: Locale;
      }>(
        manager,
        `UPDATE account SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL,
           email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
         WHERE id = $1 RETURNING email, display_name, preferred_locale`,
        [accountId, passwordHash],
      );
      await manager.query(`DELETE FROM http_session WHERE sess->>'accountId' = $1`, [accountId]);
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.password_reset',
        entity: { type: 'account', id: accountId },
        ...origin,
      });
      await this.outbox.enqueue(manager, {
        kind: 'password-changed',
        to: row.email,
        locale: row.preferred_locale,
        values: { name: row.display_name, link: `${this.config.PUBLIC_URL}/password-reset` },
      });
      return { ok: true } as const;
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
   * Closes an account after checking its password (docs/adr/0005): anonymises
   * the row, deletes its sessions and tokens, audits without personal data.
   */
  async close(accountId: string, password: string, origin: RequestOrigin): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT password_hash FROM account WHERE id = $1 AND closed_at IS NULL`,
      [accountId],
    );
    if (!row || !(await verifyPassword(row.password_hash, password))) return false;
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE account SET email = 'closed+' || id || '@closed.invalid', display_name = '',
           password_hash = '!', email_confirmed_at = NULL, failed_sign_ins = 0, locked_until = NULL,
           closed_at = now(), updated_at = now()
         WHERE id = $1`,
        [accountId],
      );
      await manager.query(`DELETE FROM account_token WHERE account_id = $1`, [accountId]);
      await manager.query(`DELETE FROM http_session WHERE sess->>'accountId' = $1`, [accountId]);
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.closed',
        entity: { type: 'account', id: accountId },
        ...origin,
      });
    });
    return true;
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
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
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
