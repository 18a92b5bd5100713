import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { newToken, tokenHash } from '../../platform/security/tokens.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { ApiKeyIdentityReadModel, LAST_USED_PRECISION } from './api-key-identity.read-model.js';
import { ApiKeysReadModel, type ApiKeySummary } from './api-keys.read-model.js';
import { API_REFUSALS, rateLimitHeaders, type KeyRateLimit } from './api.refusals.js';

export const API_SCOPES = ['applications:read', 'applications:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export function isApiScope(value: unknown): value is ApiScope {
  return typeof value === 'string' && (API_SCOPES as readonly string[]).includes(value);
}

export const API_KEY_NAME_MAX = 100;

/** Who a request made with a valid key acts for. */
export interface ApiKeyPrincipal {
  keyId: string;
  organizationId: string;
  organizationName: string;
  employeeCount: number;
  scopes: ApiScope[];
  /** The owner who created the key: applications made with it are filed in their name. */
  accountId: string;
}

/** A request the API let in: who it acts for, and where its key stands against its rate limit. */
export interface ApiAuthentication {
  principal: ApiKeyPrincipal;
  rateLimit: KeyRateLimit;
}

export type ApiKeyProblem = 'not-found' | 'forbidden';
/** The SME a page about its keys is for. */
export interface ApiKeysOrganization {
  id: string;
  legalName: string;
}
/** A refusal says which SME it was about when the person belongs to it ('forbidden'). */
export type ApiKeyOutcome<T = object> =
  | ({ ok: true; organization: ApiKeysOrganization } & T)
  | { ok: false; problem: 'not-found' }
  | { ok: false; problem: 'forbidden'; organization: ApiKeysOrganization };

/** `gk_<8 letters or digits>_<43 URL-safe characters>`. */
const TOKEN = /^gk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * SMEs' keys to the JSON API. The owners of an SME create them (the token is
 * shown once; only its SHA-256 is stored), see them with when each was last
 * used and when it expires, and revoke them. A key acts for its SME, in the
 * name of the owner who created it, within its scopes, until it expires
 * (API_KEY_TTL_DAYS) and while its creator is one of the SME's owners. Every
 * change writes its audit event in the same transaction.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly organizations: OrganizationService,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
    private readonly keysRead: ApiKeysReadModel,
    private readonly identities: ApiKeyIdentityReadModel,
  ) {}

  /** The SME's keys, newest first (revoked ones too), for its owners only (ApiKeysReadModel). */
  async list(
    actorId: string,
    organizationId: string,
  ): Promise<ApiKeyOutcome<{ keys: ApiKeySummary[] }>> {
    const access = await this.ownerCheck(actorId, organizationId);
    if (!access.ok) return access;
    return { ...access, keys: await this.keysRead.keysOf(organizationId) };
  }

  /**
   * An owner creates a key. The token comes back here, once: only its hash is
   * stored. `name` is trimmed, 1 to 100 characters; `scopes` is a non-empty
   * subset of API_SCOPES (the caller has validated both).
   */
  async create(
    actorId: string,
    organizationId: string,
    input: { name: string; scopes: ApiScope[] },
    origin: RequestOrigin,
  ): Promise<
    ApiKeyOutcome<{ token: string; key: { id: string; prefix: string; expiresAt: Date } }>
  > {
    const scopes = API_SCOPES.filter((s) => input.scopes.includes(s));
    const name = input.name.trim();
    if (scopes.length === 0 || name.length === 0 || name.length > API_KEY_NAME_MAX)
      throw new Error('ApiKeysService.create: invalid input (validate it first)');
    return this.dataSource.transaction(async (manager) => {
      const access = await this.ownerCheck(actorId, organizationId);
      if (!access.ok) return access;
      const prefix = `gk_${newToken().replace(/[-_]/g, '').slice(0, 8)}`;
      const token = `${prefix}_${newToken()}`;
      const [row] = await manager.query<{ id: string; expires_at: Date }[]>(
        `INSERT INTO api_key (organization_id, name, token_prefix, token_hash, scopes, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7))
         RETURNING id, expires_at`,
        [
          organizationId,
          name,
          prefix,
          tokenHash(token),
          scopes,
          actorId,
          this.config.API_KEY_TTL_DAYS,
        ],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: actorId },
        actingAs: { audience: 'business', organizationId },
        action: 'api_key.created',
        entity: { type: 'api_key', id: row.id },
        after: { organizationId, name, prefix, scopes, expiresAt: row.expires_at },
        ...origin,
      });
      return { ...access, token, key: { id: row.id, prefix, expiresAt: row.expires_at } };
    });
  }

  /** An owner revokes a key; revoking a revoked key changes nothing. */
  async revoke(
    actorId: string,
    organizationId: string,
    keyId: string,
    origin: RequestOrigin,
  ): Promise<ApiKeyOutcome<{ revoked: boolean }>> {
    return this.dataSource.transaction(async (manager) => {
      const access = await this.ownerCheck(actorId, organizationId);
      if (!access.ok) return access;
      if (!UUID.test(keyId)) return { ok: false, problem: 'not-found' };
      const [revoked] = await returningRows<{ name: string; token_prefix: string }>(
        manager,
        `UPDATE api_key SET revoked_at = now(), revoked_by = $3
          WHERE id = $1 AND organization_id = $2 AND revoked_at IS NULL
          RETURNING name, token_prefix`,
        [keyId, organizationId, actorId],
      );
      if (!revoked) {
        const exists = await manager.query(
          `SELECT 1 FROM api_key WHERE id = $1 AND organization_id = $2`,
          [keyId, organizationId],
        );
        return exists.length > 0
          ? { ...access, revoked: false }
          : { ok: false, problem: 'not-found' };
      }
      await this.audit.record(manager, {
        actor: { type: 'person', id: actorId },
        actingAs: { audience: 'business', organizationId },
        action: 'api_key.revoked',
        entity: { type: 'api_key', id: keyId },
        before: { revoked: false },
        after: { organizationId, name: revoked.name, prefix: revoked.token_prefix, revoked: true },
        ...origin,
      });
      return { ...access, revoked: true };
    });
  }

  /**
   * Lets an API request in, or refuses it (API_REFUSALS, with the headers the
   * client needs). Every request counts against a rate limit
   * (src/platform/security/rate-limit-rules.ts): without a valid key, its
   * address's (`api:auth-failed`: a wrong key is answered `invalid_api_key`
   * until the address is refused `rate_limited`); with one, its key's
   * (`api:key`), counted before the scope the operation requires is checked.
   */
  async authenticate(
    token: string | undefined,
    scope: string | undefined,
    origin: RequestOrigin,
  ): Promise<ApiAuthentication> {
    const principal = token ? await this.principalOf(token) : undefined;
    if (!principal) {
      const failures = await this.limiter.take('api:auth-failed', origin.ip ?? 'unknown');
      // No key to blame: the caller is counted, and told, by address.
      if (!failures.allowed)
        throw API_REFUSALS.of('rate_limited_address', {
          headers: { 'Retry-After': String(failures.retryAfterSeconds) },
        });
      throw API_REFUSALS.of('invalid_api_key', {
        headers: { 'WWW-Authenticate': 'Bearer realm="guichet"' },
      });
    }
    const perMinute = this.limiter.rule('api:key').limit;
    const hit = await this.limiter.take('api:key', principal.keyId);
    const rateLimit: KeyRateLimit = {
      limit: perMinute,
      remaining: Math.max(0, perMinute - hit.hits),
      resetSeconds: hit.retryAfterSeconds,
    };
    if (!hit.allowed)
      throw API_REFUSALS.of('rate_limited', {
        headers: { ...rateLimitHeaders(rateLimit), 'Retry-After': String(hit.retryAfterSeconds) },
      });
    if (!scope || !(principal.scopes as string[]).includes(scope))
      throw API_REFUSALS.of('insufficient_scope', {
        headers: {
          ...rateLimitHeaders(rateLimit),
          'WWW-Authenticate': `Bearer realm="guichet", error="insufficient_scope", scope="${scope ?? ''}"`,
        },
      });
    return { principal, rateLimit };
  }

  /**
   * Who a bearer token acts for, or undefined for a malformed, unknown,
   * revoked or expired one, or one whose creator is no longer one of the SME's
   * owners (made a member, removed, or their account closed): applications
   * are filed in their name, and only owners hold keys, so a key does not
   * outlive its creator's ownership. Checked on every request. Marks the key used, at most once a
   * minute, so a busy client does not cost a write per request.
   */
  private async principalOf(token: string): Promise<ApiKeyPrincipal | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const row = await this.identities.find(token);
    if (!row?.created_by) return undefined;
    if (row.stale)
      await this.dataSource.query(
        `UPDATE api_key SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_PRECISION}')`,
        [row.id],
      );
    return {
      keyId: row.id,
      organizationId: row.organization_id,
      organizationName: row.legal_name,
      employeeCount: row.employee_count,
      scopes: row.scopes.filter(isApiScope),
      accountId: row.created_by,
    };
  }

  /** Whether the person is one of the SME's owners ('not-found' when not a member at all). */
  private async ownerCheck(actorId: string, organizationId: string): Promise<ApiKeyOutcome> {
    if (!UUID.test(organizationId)) return { ok: false, problem: 'not-found' };
    const membership = (await this.organizations.membershipsOf(actorId)).find(
      (m) => m.id === organizationId,
    );
    if (!membership) return { ok: false, problem: 'not-found' };
    const organization = { id: membership.id, legalName: membership.legalName };
    if (membership.role !== 'owner') return { ok: false, problem: 'forbidden', organization };
    return { ok: true, organization };
  }
}

/** The "create a key" form: a name and at least one scope. Messages are catalog keys. */
export function parseApiKeyForm(body: unknown): {
  name: string;
  scopes: ApiScope[];
  errors: { field: 'name' | 'scopes'; key: string }[];
} {
  const source = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const name = typeof source.name === 'string' ? source.name.trim() : '';
  const sent = Array.isArray(source.scopes) ? source.scopes : [source.scopes];
  const scopes = API_SCOPES.filter((s) => sent.includes(s));
  const errors: { field: 'name' | 'scopes'; key: string }[] = [];
  if (name === '') errors.push({ field: 'name', key: 'apiKeys.errors.nameRequired' });
  else if (name.length > API_KEY_NAME_MAX)
    errors.push({ field: 'name', key: 'apiKeys.errors.nameTooLong' });
  if (scopes.length === 0) errors.push({ field: 'scopes', key: 'apiKeys.errors.scopesRequired' });
  return { name, scopes, errors };
}
