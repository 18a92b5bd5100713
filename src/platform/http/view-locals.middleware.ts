import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { I18nService } from '../i18n/i18n.service.js';

export const LANGUAGE_COOKIE = 'guichet_lang';

/**
 * Decides the request's language (cookie, then Accept-Language, then French) and
 * sets what every page's layout needs in res.locals.
 */
export function viewLocalsMiddleware(config: AppConfig) {
  const municipality = { name: config.MUNICIPALITY_NAME, logoUrl: config.MUNICIPALITY_LOGO_URL };
  return (req: Request, res: Response, next: NextFunction) => {
    const cookies = (req.cookies ?? {}) as Record<string, unknown>;
    const locale = I18nService.resolve(cookies[LANGUAGE_COOKIE], req.header('accept-language'));
    res.locals.locale = locale;
    res.locals.municipality = municipality;
    res.locals.returnPath = encodeURIComponent(req.originalUrl);
    res.setHeader('Content-Language', locale);
    res.vary('Accept-Language');
    res.vary('Cookie');
    next();
  };
}

/** A path on this site to send the user back to: never another host. */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string') return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // Any control character: browsers drop a tab from a link, so "/\t/host" would lead away.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback;
  return value;
}
