import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiScope } from './api-keys.service.js';

/** An SME's API key as its owners see it: never the token, never its hash. */
export interface ApiKeySummary {
  id: string;
  name: string;
  /** The token's first characters (`gk_ab12cd34`), to tell keys apart. */
  prefix: string;
  scopes: ApiScope[];
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  /** When it stops working (API_KEY_TTL_DAYS after its creation). */
  expiresAt: Date;
  expired: boolean;
  /**
   * False once its creator is no longer one of the SME's owners (made a
   * member, removed, or their account closed): the key no longer works.
   */
  creatorActive: boolean;
}

interface KeyRow {
  id: string;
  name: string;
  token_prefix: string;
  scopes: ApiScope[];
  created_at: Date;
  created_by_name: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by_name: string | null;
  expires_at: Date;
  expired: boolean;
  creator_active: boolean;
}

/**
 * The SME's keys for its owners' page, with their creator's and revoker's
 * names and whether the creator is still an owner (joins `account` and
 * `organization_membership`: a read model, ADR 0021 rule 2). It never writes;
 * who may see the list is ApiKeysService.list's rule.
 */
@Injectable()
export class ApiKeysReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** The SME's keys, newest first (revoked ones too). */
  async keysOf(organizationId: string): Promise<ApiKeySummary[]> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT k.id, k.name, k.token_prefix, k.scopes, k.created_at, creator.display_name AS created_by_name,
              k.last_used_at, k.revoked_at, revoker.display_name AS revoked_by_name,
              k.expires_at, k.expires_at <= now() AS expired,
              (creator.closed_at IS NULL AND m.role IS NOT DISTINCT FROM 'owner') AS creator_active
         FROM api_key k
         LEFT JOIN account creator ON creator.id = k.created_by
         LEFT JOIN organization_membership m
           ON m.organization_id = k.organization_id AND m.account_id = k.created_by
         LEFT JOIN account revoker ON revoker.id = k.revoked_by
        WHERE k.organization_id = $1
        ORDER BY k.created_at DESC, k.id`,
      [organizationId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.token_prefix,
      scopes: r.scopes,
      createdAt: r.created_at,
      createdBy: r.created_by_name,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
      revokedBy: r.revoked_by_name,
      expiresAt: r.expires_at,
      expired: r.expired,
      creatorActive: r.creator_active,
    }));
  }
}
