import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import connectPgSimple from 'connect-pg-simple';
import type { Request } from 'express';
import session from 'express-session';
import pg from 'pg';
import type { JsonLogger } from '../logging/json-logger.js';
import type { AppConfig } from '../config/app-config.js';
import type { ChangeFeed } from '../database/change-feed.js';
import { ShortLivedCache } from '../database/short-lived-cache.js';

declare module 'express-session' {
  interface SessionData {
    accountId?: string;
    /** The SME the person acts for; absent when acting for themselves. */
    actingAsOrganizationId?: string;
    csrfToken?: string;
    signedInAt?: string;
    /** When the session's expiry was last pushed back (ms since epoch). */
    refreshedAt?: number;
    /**
     * Set when the session timed out (idle or absolute): the account it belonged
     * to, kept through the grace period with the CSRF token so that a late step
     * post can keep what was typed for that account only (ADR 0016).
     */
    expiredAccountId?: string;
    expiredAt?: number;
  }
}

export const SESSION_COOKIE = 'guichet_session';

/**
 * Signs a person out everywhere, in the caller's transaction (closing the
 * account, a new password): deletes their sessions, but `except` (the session
 * that changed the password stays signed in). The session store owns the
 * table `http_session`; no module writes it but through here (ADR 0021).
 */
export async function endSessions(
  manager: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  accountId: string,
  options: { except?: string } = {},
): Promise<void> {
  if (options.except === undefined) {
    await manager.query(`DELETE FROM http_session WHERE sess->>'accountId' = $1`, [accountId]);
    return;
  }
  await manager.query(`DELETE FROM http_session WHERE sess->>'accountId' = $1 AND sid <> $2`, [
    accountId,
    options.except,
  ]);
}

/**
 * Sessions stored in PostgreSQL (table http_session), so any portal instance can
 * serve any request. The cookie is HttpOnly, SameSite=Lax, Secure behind TLS; a
 * session is created only once something is stored in it. A signed-in session
 * is signed out after SESSION_IDLE_MINUTES without a request or
 * SESSION_ABSOLUTE_HOURS after signing in (see expireSessionIfDue); its row
 * then stays SESSION_EXPIRED_GRACE_MINUTES more, signed out, so that a form
 * posted late can keep what was typed for the same account (ADR 0016).
 */
export function sessionMiddleware(config: AppConfig, changes: ChangeFeed, logger?: JsonLogger) {
  const PgStore = connectPgSimple(session);
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
  });
  // An idle connection that PostgreSQL ends (a restart, a failover) is replaced
  // on the next request: logged, never an unhandled error that stops the portal.
  pool.on('error', (error) =>
    logger?.event('warn', 'sessions.pool_error', { error: error.message }),
  );
  const store = new PgStore({
    pool,
    tableName: 'http_session',
    createTableIfMissing: false,
    pruneSessionInterval: 15 * 60,
    // No write on every request: refreshSessionExpiry pushes the expiry back instead.
    disableTouch: true,
    errorLog: () => undefined,
  });
  const middleware = session({
    name: SESSION_COOKIE,
    secret: config.SESSION_SECRET,
    store: new CachedSessionStore(store, changes, config.SESSION_CACHE_MS),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // No `proxy` option: express-session then asks req.secure, which follows
    // express's `trust proxy` setting (TRUST_PROXY, set in app.ts).
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.PUBLIC_URL.startsWith('https:'),
      maxAge: (config.SESSION_IDLE_MINUTES + config.SESSION_EXPIRED_GRACE_MINUTES) * 60 * 1000,
    },
  });
  return {
    middleware,
    close: async () => {
      store.close();
      await pool.end();
    },
  };
}

/** The key a session is kept and announced under: the sid itself never leaves its table. */
export const sessionKey = (sid: string) => createHash('md5').update(sid).digest('hex');

/**
 * The PostgreSQL store with, in front, the sessions this instance read or
 * wrote in the last `ttlMs` (≤ 1 s; 0 turns it off): most requests then read
 * no session row. A session updated or deleted anywhere (sign-out, acting as
 * another SME, `endSessions`) is announced by a trigger on `session_changed`
 * and dropped at once; a lost announcement costs at most `ttlMs` (ADR 0037).
 * Sessions are kept as JSON text, so each request gets its own copy.
 */
export class CachedSessionStore extends session.Store {
  private readonly cache: ShortLivedCache<string>;

  constructor(
    private readonly inner: session.Store,
    changes: ChangeFeed,
    ttlMs: number,
  ) {
    super();
    this.cache = new ShortLivedCache(changes, ttlMs);
    changes.on('session_changed', (key) => this.cache.delete(key));
  }

  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void) {
    this.cache
      .get(
        sessionKey(sid),
        () =>
          new Promise<string | undefined>((resolve, reject) =>
            this.inner.get(sid, (error, data) =>
              error ? reject(error as Error) : resolve(data ? JSON.stringify(data) : undefined),
            ),
          ),
      )
      .then(
        (json) =>
          callback(null, json === undefined ? null : (JSON.parse(json) as session.SessionData)),
        (error: unknown) => callback(error),
      );
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void) {
    const key = sessionKey(sid);
    const since = Date.now();
    this.cache.delete(key);
    this.inner.set(sid, data, (error?: unknown) => {
      if (!error) this.cache.put(key, JSON.stringify(data), since);
      callback?.(error);
    });
  }

  override destroy(sid: string, callback?: (error?: unknown) => void) {
    this.cache.delete(sessionKey(sid));
    this.inner.destroy(sid, (error?: unknown) => callback?.(error));
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void) {
    if (this.inner.touch) this.inner.touch(sid, data, () => callback?.());
    else callback?.();
  }
}

const REFRESH_EVERY_MS = 5 * 60 * 1000;

/**
 * An idle timeout without a database write on every request: a session in use
 * gets its expiry pushed back (and its cookie renewed) at most every 5 minutes.
 */
export function refreshSessionExpiry(req: Request): void {
  const session = req.session;
  if (!session) return;
  const now = Date.now();
  if (session.refreshedAt !== undefined && now - session.refreshedAt < REFRESH_EVERY_MS) return;
  session.touch();
  session.refreshedAt = now;
}

export interface SessionLifetime {
  SESSION_IDLE_MINUTES: number;
  SESSION_ABSOLUTE_HOURS: number;
}

/**
 * Signs the session out when it has been idle for SESSION_IDLE_MINUTES or
 * signed in for SESSION_ABSOLUTE_HOURS, keeping its CSRF token and the id of
 * the account it belonged to (for the grace period, see ADR 0016). True when
 * it did.
 */
export function expireSessionIfDue(
  req: Request,
  lifetime: SessionLifetime,
  now = Date.now(),
): boolean {
  const session = req.session;
  const accountId = session?.accountId;
  if (!accountId) return false;
  const signedInAt = session.signedInAt ? Date.parse(session.signedInAt) : NaN;
  const lastSeen = session.refreshedAt ?? signedInAt;
  const idle =
    !Number.isFinite(lastSeen) || now - lastSeen > lifetime.SESSION_IDLE_MINUTES * 60_000;
  const tooOld =
    !Number.isFinite(signedInAt) || now - signedInAt > lifetime.SESSION_ABSOLUTE_HOURS * 3_600_000;
  if (!idle && !tooOld) return false;
  delete session.accountId;
  delete session.actingAsOrganizationId;
  delete session.signedInAt;
  delete session.pendingInput;
  session.expiredAccountId = accountId;
  session.expiredAt = now;
  return true;
}

/** The request's CSRF token, created in its session on first use (for forms). */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

export class CsrfException extends ForbiddenException {
  constructor() {
    super('csrf');
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether `sent` is the session's CSRF token (false when the session has none). */
export function csrfMatches(req: Request, sent: unknown): boolean {
  const expected = req.session?.csrfToken;
  if (!expected || typeof sent !== 'string') return false;
  // Bytes, not characters: a token of the right length in accented letters is not equal either.
  const given = Buffer.from(sent);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Every state-changing request from a browser must carry the session's CSRF
 * token in its `_csrf` field (synchronizer token pattern), with no exception:
 * a post without a session is refused, so nothing anonymous is stored and
 * another site cannot replace anyone's session cookie. The JSON API under
 * /api/ authenticates with API keys instead and is not subject to it.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (!UNSAFE.has(req.method) || req.path.startsWith('/api/')) return true;
    const body = req.body as Record<string, unknown> | undefined;
    if (!csrfMatches(req, body?._csrf)) throw new CsrfException();
    return true;
  }
}

/**
 * Whether the session's password (or directory) sign-in is at most `minutes`
 * old: an action that grants lasting access asks for it again when it is not
 * (REAUTH_MINUTES; an SME's API key, ADR 0046).
 */
export function signedInWithin(session: { signedInAt?: string }, minutes: number): boolean {
  const at = session.signedInAt ? Date.parse(session.signedInAt) : NaN;
  return Number.isFinite(at) && Date.now() - at <= minutes * 60_000;
}
