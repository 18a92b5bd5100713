import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { AccountService } from '../accounts/account.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { AuditService } from '../audit/audit.service.js';
import { grantStaffRole } from './staff-membership.js';
import type { StaffRole } from './staff-role.js';
import { STAFF_REFUSALS } from './staff.refusals.js';
import { StaffReadModel, type StaffContact, type StaffMember } from './staff.read-model.js';

/** A staff member as listed; read by `StaffReadModel`. */
export type { StaffMember } from './staff.read-model.js';

export interface StaffAdded {
  accountId: string;
  /** The name as recorded (trimmed). */
  displayName: string;
  /** True when the person had no account: one was made, and a link sent to choose a password. */
  accountCreated: boolean;
}

/** Who works for the city in Guichet, and with which role. */
@Injectable()
export class StaffService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly accounts: AccountService,
    private readonly readModel: StaffReadModel,
  ) {}

  /**
   * The role of an open account, or undefined when it is not staff. For other
   * modules' services (ADR 0021, rule 3); the query is `StaffReadModel`'s.
   */
  roleOf(accountId: string): Promise<StaffRole | undefined> {
    return this.readModel.roleOf(accountId);
  }

  /** The staff of open accounts, by name; the query is `StaffReadModel`'s. */
  list(): Promise<StaffMember[]> {
    return this.readModel.list();
  }

  /**
   * The addresses of open staff accounts with one of `roles`, in the caller's
   * transaction; the query is `StaffReadModel`'s.
   */
  contactsWithRoles(manager: EntityManager, roles: readonly StaffRole[]): Promise<StaffContact[]> {
    return this.readModel.contactsWithRoles(manager, roles);
  }

  /**
   * An admin makes someone staff. A person without an account gets one, with a
   * password nobody knows, and is emailed a link to choose theirs (the
   * password-reset link, which also confirms their address). Someone who is
   * already staff is refused: roles are not changed from this form. The name
   * and address are trimmed here.
   */
  async add(
    adminId: string,
    input: { displayName: string; email: string; role: StaffRole; preferredLocale: Locale },
    origin: RequestOrigin,
  ): Promise<StaffAdded> {
    const person = { ...input, displayName: input.displayName.trim(), email: input.email.trim() };
    const result = await this.dataSource.transaction((manager) =>
      grantStaffRole(
        manager,
        this.audit,
        { ...person, allowRoleChange: false, confirmEmail: false },
        { type: 'staff', id: adminId },
        origin,
      ),
    );
    if (!result.ok)
      throw STAFF_REFUSALS.of('already-staff', {
        paramKeys: { role: `staff.roles.${result.role}` },
      });
    if (result.accountCreated) await this.accounts.sendResetLink(origin, person.email);
    return {
      accountId: result.accountId,
      displayName: person.displayName,
      accountCreated: result.accountCreated,
    };
  }
}
