import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import connectPgSimple from 'connect-pg-simple';
import type { Request } from 'express';
import session from 'express-session';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';

declare module 'express-session' {
  interface SessionData {
    accountId?: string;
    /** The SME the person acts for; absent when acting for themselves. */
    actingAsOrganizationId?: string;
    csrfToken?: string;
    signedInAt?: string;
    /** When the session's expiry was last pushed back (ms since epoch). */
    refreshedAt?: number;
  }
}

export const SESSION_COOKIE = 'guichet_session';

/**
 * Sessions stored in PostgreSQL (table http_session), so any portal instance can
 * serve any request. The cookie is HttpOnly, SameSite=Lax, Secure behind TLS; a
 * session is created only once something is stored in it, and ends after
 * SESSION_IDLE_MINUTES without a request (see refreshSessionExpiry).
 */
export function sessionMiddleware(config: AppConfig) {
  const PgStore = connectPgSimple(session);
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
  });
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
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // No `proxy` option: express-session then asks req.secure, which follows
    // express's `trust proxy` setting (TRUST_PROXY, set in app.ts).
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.PUBLIC_URL.startsWith('https:'),
      maxAge: config.SESSION_IDLE_MINUTES * 60 * 1000,
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
const KEEPS_INPUT = /^\/applications\/[0-9a-f-]{36}\/steps\/[a-z0-9-]+$/;

/**
 * Every state-changing request from a browser must carry the session's CSRF
 * token in its `_csrf` field (synchronizer token pattern). The JSON API under
 * /api/ authenticates with API keys instead and is not subject to it.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (!UNSAFE.has(req.method) || req.path.startsWith('/api/')) return true;
    // A step of an application posted after the session expired: the handler
    // saves nothing, it keeps what was typed to show again after signing in.
    if (!req.session?.accountId && KEEPS_INPUT.test(req.path)) return true;
    const expected = req.session?.csrfToken;
    const body = req.body as Record<string, unknown> | undefined;
    const sent = typeof body?._csrf === 'string' ? body._csrf : '';
    if (!expected || sent.length !== expected.length) throw new CsrfException();
    if (!timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) throw new CsrfException();
    return true;
  }
}
