import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** What the accounts module holds about a person, for their download (ADR 0048). */
export interface AccountExport {
  account: {
    id: string;
    email: string;
    displayName: string;
    preferredLocale: string;
    emailConfirmedAt: Date | null;
    createdAt: Date;
    updatedAt: Date;
  };
  /** Email changes asked for and not confirmed yet: the address, never the link. */
  pendingEmailChanges: { newEmail: string; requestedAt: Date; expiresAt: Date }[];
  /** The person's signed-in sessions (never their ids, which sign in). */
  sessions: {
    signedInAt: string | null;
    lastSeenAt: string | null;
    actingAsOrganizationId: string | null;
    expiresAt: Date;
  }[];
}

/**
 * The person's account as they may read it: no password hash, no token or
 * token hash, no session id. Sessions are the platform's table
 * (`http_session`), read here because a session is the account's: one
 * read, never a write (ADR 0021, rule 2). Known browsers are a signed cookie
 * kept by the browser, nothing stored.
 */
@Injectable()
export class AccountExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<AccountExport | undefined> {
    const [row] = await manager.query(
      `SELECT account.id, account.email, account.display_name, account.preferred_locale,
              account.email_confirmed_at, account.created_at, account.updated_at
         FROM account WHERE account.id = $1 AND account.closed_at IS NULL`,
      [accountId],
    );
    if (!row) return undefined;
    const changes = await manager.query(
      `SELECT account_token.new_email, account_token.created_at, account_token.expires_at
         FROM account_token
        WHERE account_token.account_id = $1 AND account_token.purpose = 'change-email'
          AND account_token.used_at IS NULL AND account_token.expires_at > now()
        ORDER BY account_token.created_at`,
      [accountId],
    );
    const sessions = await manager.query(
      `SELECT http_session.sess->>'signedInAt' AS signed_in_at,
              http_session.sess->>'refreshedAt' AS refreshed_at,
              http_session.sess->>'actingAsOrganizationId' AS acting_as,
              http_session.expire
         FROM http_session WHERE http_session.sess->>'accountId' = $1
        ORDER BY http_session.expire DESC`,
      [accountId],
    );
    return {
      account: {
        id: row.id,
        email: row.email,
        displayName: row.display_name,
        preferredLocale: row.preferred_locale,
        emailConfirmedAt: row.email_confirmed_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
      pendingEmailChanges: changes.map(
        (c: { new_email: string; created_at: Date; expires_at: Date }) => ({
          newEmail: c.new_email,
          requestedAt: c.created_at,
          expiresAt: c.expires_at,
        }),
      ),
      sessions: sessions.map(
        (s: {
          signed_in_at: string | null;
          refreshed_at: string | null;
          acting_as: string | null;
          expire: Date;
        }) => ({
          signedInAt: s.signed_in_at,
          lastSeenAt:
            s.refreshed_at && /^\d{1,15}$/.test(s.refreshed_at)
              ? new Date(Number(s.refreshed_at)).toISOString()
              : s.signed_in_at,
          actingAsOrganizationId: s.acting_as,
          // The row's expiry is a timestamp without zone, written in UTC by the store.
          expiresAt: s.expire,
        }),
      ),
    };
  }
}
