import { Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig, roleGroups } from '../../../platform/config/app-config.js';
import { inRoleOrder, type StaffRole } from '../staff-role.js';

/** What the portal keeps in the session between the redirect and the callback. */
export interface PendingDirectorySignIn {
  state: string;
  nonce: string;
  verifier: string;
  /** The staff page to land on. */
  returnTo: string;
  startedAt: number;
  /** The directory was asked to check who this is anew (a sensitive action): the callback verifies it did. */
  again?: boolean;
}

/** Who the directory says signed in, and the Guichet roles their groups give. */
export interface DirectoryClaims {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  roles: StaffRole[];
  /** When the directory last checked who this is (`auth_time`), ms since epoch, if it says. */
  authenticatedAt?: number;
}

/**
 * How recent the directory's check must be when it was asked anew
 * (`max_age=0`): the time to type a password, with some clock skew.
 */
const REAUTH_WINDOW_S = 300;

/** The directory could not be reached (discovery or the token endpoint). */
export class DirectoryUnavailable extends Error {}

/**
 * The city's directory through OpenID Connect (`openid-client`, ADR 0045):
 * authorization code with PKCE (S256), `state` and `nonce`, a confidential
 * client. The provider's metadata is discovered at the first sign-in (the
 * portal boots while the directory is down) and kept; a failed discovery is
 * tried again at the next sign-in. A loopback issuer may use plain HTTP (the
 * embedded provider); any other must use HTTPS.
 */
@Injectable()
export class StaffDirectoryClient {
  private discovered?: Promise<oidc.Configuration>;
  private readonly groups: Map<string, string[]>;

  constructor(private readonly config: AppConfig) {
    this.groups = roleGroups(config.OIDC_ROLE_GROUPS);
  }

  get enabled(): boolean {
    return Boolean(this.config.OIDC_ISSUER);
  }

  /** The oldest directory sign-in a new session accepts: a session's own longest life. */
  private get maxAgeS(): number {
    return this.config.SESSION_ABSOLUTE_HOURS * 3600;
  }

  get redirectUri(): string {
    return `${this.config.PUBLIC_URL}/staff/sign-in/callback`;
  }

  /**
   * Where to send the browser, and what to keep until it comes back. `again`
   * asks the provider to check who this is anew, even within its own session
   * (`prompt=login`, `max_age=0`): before a sensitive action.
   */
  async start(
    returnTo: string,
    options: { again?: boolean } = {},
  ): Promise<{ url: string; pending: PendingDirectorySignIn }> {
    const configuration = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingDirectorySignIn = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier,
      returnTo,
      startedAt: Date.now(),
      again: options.again === true,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.OIDC_SCOPES,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      // max_age makes the provider say when it last checked who this is (auth_time).
      ...(options.again ? { prompt: 'login', max_age: '0' } : { max_age: String(this.maxAgeS) }),
    });
    return { url: url.href, pending };
  }

  /**
   * The callback: exchanges the code (checking state, PKCE and the ID token's
   * signature, issuer, audience, expiry and nonce), then reads the userinfo
   * endpoint when the provider has one (some put the address or the groups only
   * there). Throws openid-client's errors for a forged or stale callback, and
   * `DirectoryUnavailable` when the directory does not answer.
   */
  async finish(callbackUrl: URL, pending: PendingDirectorySignIn): Promise<DirectoryClaims> {
    const configuration = await this.configuration();
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
        // auth_time must be there, and recent: just now when asked anew.
        maxAge: pending.again ? REAUTH_WINDOW_S : this.maxAgeS,
      });
    } catch (error) {
      if (isNetworkError(error)) throw new DirectoryUnavailable((error as Error).message);
      throw error;
    }
    const idClaims = tokens.claims()!;
    let claims: Record<string, unknown> = { ...idClaims };
    if (configuration.serverMetadata().userinfo_endpoint) {
      const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      claims = { ...userinfo, ...idClaims };
    }
    const groupsClaim = claims[this.config.OIDC_GROUPS_CLAIM];
    const groups = Array.isArray(groupsClaim) ? groupsClaim.map(String) : [];
    return {
      issuer: String(idClaims.iss),
      subject: idClaims.sub,
      email: typeof claims.email === 'string' ? claims.email : undefined,
      // Entra ID sends no email_verified; its optional xms_edov says the same.
      emailVerified:
        claims.email_verified === true || claims.xms_edov === true
          ? true
          : claims.email_verified === false
            ? false
            : undefined,
      name: typeof claims.name === 'string' ? claims.name : undefined,
      roles: inRoleOrder(groups.flatMap((group) => this.groups.get(group) ?? [])),
      authenticatedAt:
        typeof idClaims.auth_time === 'number' ? idClaims.auth_time * 1000 : undefined,
    };
  }

  private configuration(): Promise<oidc.Configuration> {
    const issuer = new URL(this.config.OIDC_ISSUER!);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
    this.discovered ??= oidc
      .discovery(
        issuer,
        this.config.OIDC_CLIENT_ID!,
        this.config.OIDC_CLIENT_SECRET!,
        undefined,
        loopback ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      )
      .catch((error: Error) => {
        this.discovered = undefined;
        throw new DirectoryUnavailable(error.message);
      });
    return this.discovered;
  }
}

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error as { name?: string })?.name === 'AbortError';
}
