import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { I18nService, isLocale, type Locale } from '../i18n/i18n.service.js';
import type { JsonLogger } from '../logging/json-logger.js';
import { CsrfException } from './sessions.js';

/** Stable codes for the errors the platform itself answers with. */
const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'unavailable',
};

/**
 * Every error leaves as a page in the user's language (HTML) or as
 * `{ code, message, requestId }` (API and JSON clients). Unknown errors become a
 * 500 with the request id to quote, logged once with their stack.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(
    private readonly i18n: I18nService,
    private readonly logger: JsonLogger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const status =
      exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const requestId = String(res.locals.requestId ?? '');
    if (status >= 500) {
      const error = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.event('error', 'http.unhandled_error', {
        error: error.message,
        stack: error.stack,
        path: req.path,
      });
    }
    if (res.headersSent) return;

    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'fr';
    const csrf = exception instanceof CsrfException;
    const code = csrf ? 'csrf' : (CODES[status] ?? (status >= 500 ? 'internal_error' : 'error'));
    const known = [
      'not_found',
      'forbidden',
      'internal_error',
      'too_many_requests',
      'bad_request',
      'method_not_allowed',
      'csrf',
    ];
    const messageKey = `errors.${known.includes(code) ? code : status >= 500 ? 'internal_error' : 'bad_request'}`;

    if (wantsJson(req)) {
      res
        .status(status)
        .json({ code, message: this.i18n.t(locale, `${messageKey}.message`), requestId });
      return;
    }
    res.status(status).render(status === 404 ? 'errors/not-found' : 'errors/error', {
      pageTitle: this.i18n.t(locale, `${messageKey}.title`),
      titleKey: `${messageKey}.title`,
      messageKey: `${messageKey}.message`,
      requestId,
      showRequestId: status >= 500,
    });
  }
}

function wantsJson(req: Request): boolean {
  // originalUrl: req.path is relative to where a middleware that failed was mounted.
  if (req.originalUrl.startsWith('/api/')) return true;
  const accept = req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
