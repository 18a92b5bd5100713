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
    csrfToken?: string;
    signedInAt?: string;
  }
}

export const SESSION_COOKIE = 'guichet_session';

/**
 * Sessions stored in PostgreSQL (table http_session), so any portal instance can
 * serve any request. The cookie is HttpOnly, SameSite=Lax, Secure behind TLS; a
 * session is created only once something is stored in it.
 */
export function sessionMiddleware(config: AppConfig) {
  const PgStore = connectPgSimple(session);
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 5 });
  const store = new PgStore({
    pool,
    tableName: 'http_session',
    createTableIfMissing: false,
    pruneSessionInterval: 15 * 60,
    errorLog: () => undefined,
  });
  const middleware = session({
    name: SESSION_COOKIE,
    secret: config.SESSION_SECRET,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: config.TRUST_PROXY,
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
    const expected = req.session?.csrfToken;
    const body = req.body as Record<string, unknown> | undefined;
    const sent = typeof body?._csrf === 'string' ? body._csrf : '';
    if (!expected || sent.length !== expected.length) throw new CsrfException();
    if (!timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) throw new CsrfException();
    return true;
  }
}
