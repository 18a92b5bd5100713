import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Locale } from '../../../platform/i18n/i18n.service.js';
import { hashPassword } from '../../../platform/security/passwords.js';
import { AuditService } from '../../audit/audit.service.js';
import type { RequestOrigin } from '../../audit/request-origin.js';
import { DIGEST_OF_EMAIL, DIGEST_OF_IDENTITY, grantStaffRole } from '../staff-membership.js';
import { StaffReadModel } from '../staff.read-model.js';
import { RateLimiter } from '../../../platform/security/rate-limiter.js';
import {
  StaffDirectoryClient,
  type DirectoryClaims,
  type PendingDirectorySignIn,
} from './staff-directory.client.js';

/** Why the directory's word did not let someone in (each has its message on the sign-in page). */
export type DirectoryRefusal =
  /** None of their directory groups gives a Guichet role. */
  | 'no-role'
  /** An admin removed them from staff since they last signed in. */
  | 'removed'
  /** Their Guichet account was closed. */
  | 'closed'
  /** The directory gave no address, or said it is not verified. */
  | 'no-email'
  /**
   * Guichet has an account with that address and the directory does not say
   * the address is verified: linking could hand someone else's account over.
   */
  | 'unverified-email';

export type DirectorySignIn =
  { ok: true; accountId: string; firstTime: boolean } | { ok: false; problem: DirectoryRefusal };

/**
 * Staff who sign in with the city's directory (ADR 0045). The directory says
 * who someone is and which groups they are in; Guichet decides what they may
 * do:
 * - the first time, the identity is linked to a new account, or to the open
 *   account with the same address when the directory says the address is
 *   verified (`email_verified`, or Entra ID's `xms_edov`); an account whose
 *   address was never confirmed loses its password then (whoever registered it
 *   may not be this person). The roles their groups give are granted, unless
 *   the account already holds roles (those stay, as an admin set them);
 * - afterwards the roles are Guichet's, changed by its admins; the directory
 *   still has to give at least one role (someone out of every group is refused);
 * - someone an admin removed from staff is refused until an admin adds them
 *   again (`staff_removal`), linked or not: the directory alone does not bring
 *   them back.
 */
@Injectable()
export class StaffDirectoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly staff: StaffReadModel,
    private readonly client: StaffDirectoryClient,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * Where to send the browser to sign in at the directory, counted per client
   * address (`directory-start:ip`): undefined with the seconds to wait when
   * too many. Throws `DirectoryUnavailable` when the directory does not answer.
   */
  async start(
    returnTo: string,
    options: { again: boolean },
    origin: RequestOrigin,
  ): Promise<
    { ok: true; url: string; pending: PendingDirectorySignIn } | { ok: false; retryAfter: number }
  > {
    const limit = await this.limiter.take('directory-start:ip', origin.ip ?? 'unknown');
    if (!limit.allowed) return { ok: false, retryAfter: limit.retryAfterSeconds };
    return { ok: true, ...(await this.client.start(returnTo, options)) };
  }

  async signIn(
    claims: DirectoryClaims,
    locale: Locale,
    origin: RequestOrigin,
  ): Promise<DirectorySignIn> {
    if (claims.roles.length === 0) {
      await this.refused(claims, 'no-role', origin);
      return { ok: false, problem: 'no-role' };
    }
    const attempt = () =>
      this.dataSource.transaction(async (manager) => {
        const [linked] = await manager.query(
          `SELECT i.account_id, a.closed_at FROM staff_directory_identity i
           JOIN account a ON a.id = i.account_id
           WHERE i.issuer = $1 AND i.subject = $2 FOR UPDATE OF i`,
          [claims.issuer, claims.subject],
        );
        if (linked) return this.again(manager, claims, linked, origin);
        return this.firstTime(manager, claims, locale, origin);
      });
    let outcome: DirectorySignIn;
    try {
      outcome = await attempt();
    } catch (error) {
      // The same person's first sign-in in two tabs at once: the other made the
      // account or the link; this one finds it the second time.
      if ((error as { code?: string }).code !== '23505') throw error;
      outcome = await attempt();
    }
    if (!outcome.ok) await this.refused(claims, outcome.problem, origin);
    return outcome;
  }

  private async again(
    manager: EntityManager,
    claims: DirectoryClaims,
    linked: { account_id: string; closed_at: Date | null },
    origin: RequestOrigin,
  ): Promise<DirectorySignIn> {
    const accountId = linked.account_id;
    if (linked.closed_at) return { ok: false, problem: 'closed' };
    if ((await this.staff.rolesOf(accountId, manager)).length === 0)
      return { ok: false, problem: 'removed' };
    await manager.query(
      `UPDATE staff_directory_identity SET last_sign_in_at = now() WHERE issuer = $1 AND subject = $2`,
      [claims.issuer, claims.subject],
    );
    await this.signedIn(manager, accountId, origin);
    return { ok: true, accountId, firstTime: false };
  }

  private async firstTime(
    manager: EntityManager,
    claims: DirectoryClaims,
    locale: Locale,
    origin: RequestOrigin,
  ): Promise<DirectorySignIn> {
    const email = claims.email?.trim();
    if (!email || claims.emailVerified === false) return { ok: false, problem: 'no-email' };
    const actor = { type: 'system' as const, id: 'directory' };
    const [existing] = await manager.query(
      `SELECT a.id, a.email_confirmed_at IS NOT NULL AS confirmed
       FROM account a WHERE lower(a.email) = lower($1) AND a.closed_at IS NULL FOR UPDATE OF a`,
      [email],
    );
    // Removed by an admin, by this account, this address or this directory identity.
    const [removal] = await manager.query(
      `SELECT 1 FROM staff_removal
        WHERE account_id = $1::uuid OR email_digest = ${DIGEST_OF_EMAIL('$2')}
           OR ${DIGEST_OF_IDENTITY('$3', '$4')} = ANY(identity_digests)
        LIMIT 1`,
      [existing?.id ?? null, email, claims.issuer, claims.subject],
    );
    if (removal) return { ok: false, problem: 'removed' };
    if (existing && claims.emailVerified !== true)
      return { ok: false, problem: 'unverified-email' };
    if (existing && !existing.confirmed)
      // Registered with this address by someone who never proved it: their
      // password goes, the directory vouches for the address from now on.
      await manager.query(
        `UPDATE account SET password_hash = $2, email_confirmed_at = now() WHERE id = $1`,
        [existing.id, await hashPassword(randomBytes(32).toString('base64url'))],
      );
    const held = existing ? await this.staff.rolesOf(existing.id as string, manager) : [];
    let accountId = existing?.id as string | undefined;
    if (held.length === 0) {
      for (const role of claims.roles) {
        const granted = await grantStaffRole(
          manager,
          this.audit,
          {
            email,
            displayName: claims.name?.trim() || email,
            role,
            preferredLocale: locale,
            allowRoleChange: true,
            confirmEmail: true,
          },
          actor,
          origin,
        );
        if (granted.ok) accountId = granted.accountId;
      }
    }
    await manager.query(
      `INSERT INTO staff_directory_identity (issuer, subject, account_id) VALUES ($1, $2, $3)`,
      [claims.issuer, claims.subject, accountId],
    );
    await this.audit.record(manager, {
      actor,
      action: 'staff.directory_linked',
      entity: { type: 'account', id: accountId! },
      after: {
        issuer: claims.issuer,
        subject: claims.subject,
        rolesFromDirectory: claims.roles,
        rolesKept: held,
      },
      ...origin,
    });
    await this.signedIn(manager, accountId!, origin);
    return { ok: true, accountId: accountId!, firstTime: true };
  }

  private signedIn(manager: EntityManager, accountId: string, origin: RequestOrigin) {
    return this.audit.record(manager, {
      actor: { type: 'person', id: accountId },
      action: 'account.signed_in',
      entity: { type: 'account', id: accountId },
      after: { with: 'directory' },
      ...origin,
    });
  }

  /** A refused sign-in, audited with the directory's identity (no account may exist). */
  private refused(claims: DirectoryClaims, problem: DirectoryRefusal, origin: RequestOrigin) {
    return this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        actor: { type: 'system', id: 'directory' },
        action: 'staff.directory_sign_in_refused',
        entity: { type: 'directory_identity', id: `${claims.issuer}#${claims.subject}` },
        after: { problem, rolesFromDirectory: claims.roles },
        ...origin,
      }),
    );
  }
}
