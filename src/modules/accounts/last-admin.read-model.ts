import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Whether closing an account would leave the city without an administrator
 * (ADR 0005). It reads the staff module's `staff_member` (ADR 0021: a read
 * model may); the caller holds the staff roles' advisory lock, so no role
 * change can slip between this answer and the closing.
 */
@Injectable()
export class LastAdminReadModel {
  /** True when the account holds 'admin' and no other open account does. */
  async isLastAdmin(manager: EntityManager, accountId: string): Promise<boolean> {
    const [row] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM staff_member
                       WHERE staff_member.account_id = $1 AND staff_member.role = 'admin') AS holds,
              EXISTS (SELECT 1 FROM staff_member JOIN account ON account.id = staff_member.account_id
                       WHERE staff_member.role = 'admin' AND staff_member.account_id <> $1
                         AND account.closed_at IS NULL) AS others`,
      [accountId],
    );
    return row.holds === true && row.others === false;
  }
}
