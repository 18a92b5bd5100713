import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedRows } from '../../platform/database/prepared.js';
import { tokenHash } from '../../platform/security/tokens.js';
import type { ApiScope } from './api-keys.service.js';

/** `last_used_at` is written at most this often per key (not on every request). */
export const LAST_USED_PRECISION = '1 minute';

/** A live key and the SME it acts for, as the API's identity query finds it. */
export interface ApiKeyIdentity {
  id: string;
  organization_id: string;
  legal_name: string;
  employee_count: number;
  scopes: ApiScope[];
  created_by: string | null;
  /** Whether `last_used_at` is older than LAST_USED_PRECISION (or unset). */
  stale: boolean;
}

/**
 * The API's identity query: a key by its token's hash, with its SME, while it
 * is unrevoked and unexpired and its creator is still one of the SME's owners
 * with an open account. One query per API request, joining `organization`,
 * `organization_membership` and `account`: the same trade-off as
 * IdentityReadModel (ADR 0006, ADR 0021 rule 2). It never writes; marking the
 * key used is ApiKeysService's.
 */
@Injectable()
export class ApiKeyIdentityReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** The key the (well-formed) token names, or undefined. */
  async find(token: string): Promise<ApiKeyIdentity | undefined> {
    const [row] = await preparedRows<ApiKeyIdentity>(
      this.dataSource,
      `SELECT k.id, k.organization_id, o.legal_name, o.employee_count, k.scopes, k.created_by,
              (k.last_used_at IS NULL OR k.last_used_at < now() - interval '${LAST_USED_PRECISION}') AS stale
         FROM api_key k
         JOIN organization o ON o.id = k.organization_id
         JOIN organization_membership m
           ON m.organization_id = k.organization_id AND m.account_id = k.created_by
          AND m.role = 'owner'
         JOIN account creator ON creator.id = k.created_by AND creator.closed_at IS NULL
        WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND k.expires_at > now()`,
      [tokenHash(token)],
    );
    return row;
  }
}
