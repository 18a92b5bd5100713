import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { ChangeFeed } from '../../platform/database/change-feed.js';
import { ShortLivedCache } from '../../platform/database/short-lived-cache.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from './account.service.js';

/** Who is making a request: their account, staff role and the SME they act for. */
export interface RequestIdentity {
  account: Account;
  /** Whether the account holds a staff role (shows the staff area's link; staff pages check again). */
  isStaff: boolean;
  /** Present when the person still belongs to the SME their session acts for. */
  organization?: { id: string; name: string; employeeCount: number };
}

interface Row {
  id: string;
  email: string;
  display_name: string;
  preferred_locale: Locale;
  email_confirmed_at: Date | null;
  is_staff: boolean;
  org_id: string | null;
  legal_name: string | null;
  employee_count: number | null;
}

/**
 * Who is signed in, for every page: one query, kept in memory for at most
 * SESSION_CACHE_MS (≤ 1 s). It reads the staff module's and the organizations
 * module's tables on purpose: this runs on every page, and three round trips
 * (account, role, membership) cost two thirds of the signed-in throughput
 * (docs/benchmarks.md). Every other read goes through the owning module's
 * service. A change to any of these rows (an account closed, a role taken
 * away, a membership removed, an SME renamed) is announced by the database on
 * `identity_changed` and drops what is kept at once (ADR 0037). Staff pages
 * check the role again themselves (StaffRolesGuard).
 */
@Injectable()
export class IdentityReadModel {
  private readonly cache: ShortLivedCache<RequestIdentity>;

  constructor(
    private readonly dataSource: DataSource,
    changes: ChangeFeed,
    config: AppConfig,
  ) {
    this.cache = new ShortLivedCache(changes, config.SESSION_CACHE_MS);
    changes.on('identity_changed', (payload) => {
      const [kind, id] = payload.split(':');
      if (kind === 'account') this.cache.deleteWhere((key) => key.startsWith(`${id}/`));
      else if (kind === 'organization')
        this.cache.deleteWhere((_, value) => value.organization?.id === id);
      else this.cache.clear();
    });
  }

  async load(
    accountId: string,
    actingAsOrganizationId?: string,
  ): Promise<RequestIdentity | undefined> {
    const identity = await this.cache.get(`${accountId}/${actingAsOrganizationId ?? ''}`, () =>
      this.read(accountId, actingAsOrganizationId),
    );
    // A copy each: what one request's views do with it stays theirs.
    return (
      identity && {
        ...identity,
        account: { ...identity.account },
        organization: identity.organization && { ...identity.organization },
      }
    );
  }

  private async read(
    accountId: string,
    actingAsOrganizationId?: string,
  ): Promise<RequestIdentity | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT a.id, a.email, a.display_name, a.preferred_locale, a.email_confirmed_at,
              EXISTS (SELECT 1 FROM staff_member s WHERE s.account_id = a.id) AS is_staff,
              o.id AS org_id, o.legal_name, o.employee_count
       FROM account a
       LEFT JOIN organization_membership m ON m.account_id = a.id AND m.organization_id = $2::uuid
       LEFT JOIN organization o ON o.id = m.organization_id
       WHERE a.id = $1::uuid AND a.closed_at IS NULL`,
      [accountId, actingAsOrganizationId ?? null],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      account: {
        id: row.id,
        email: row.email,
        displayName: row.display_name,
        preferredLocale: row.preferred_locale,
        emailConfirmedAt: row.email_confirmed_at,
      },
      isStaff: row.is_staff,
      organization:
        row.org_id && row.legal_name !== null && row.employee_count !== null
          ? { id: row.org_id, name: row.legal_name, employeeCount: row.employee_count }
          : undefined,
    };
  }
}
