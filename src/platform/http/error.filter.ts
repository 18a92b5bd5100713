import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  type Type,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable } from '../database/database-unavailable.js';
import { Refusal } from '../errors/refusal.js';
import {
  formValuesOf,
  InvalidForm,
  type FormPageRenderer,
  type FormState,
} from '../forms/form-page.js';
import { I18nService, isLocale, type Locale } from '../i18n/i18n.service.js';
import type { JsonLogger } from '../logging/json-logger.js';
import { CsrfException } from './sessions.js';

/** How long a client is asked to wait when the database is briefly away (a restart). */
const DATABASE_RETRY_AFTER_SECONDS = 5;

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

/** Finds a page's renderer among the application's providers. */
export type PageResolver = (page: Type<FormPageRenderer>) => FormPageRenderer;

/**
 * Every error leaves as a page in the user's language (HTML) or as
 * `{ code, message, requestId }` (API and JSON clients). A module's refusal
 * (`Refusal`) and an invalid form (`InvalidForm`) go back to the form the
 * handler declared with `@FormPage`, with the message beside its field; without
 * one, to the error page. The database away for a moment (a restart) is a
 * 503 `unavailable` with Retry-After: the same request can be sent again.
 * Unknown errors become a 500 with the request id to quote, logged once with
 * their stack.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(
    private readonly i18n: I18nService,
    private readonly logger: JsonLogger,
    private readonly pages?: PageResolver,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    if (exception instanceof Refusal || exception instanceof InvalidForm)
      return this.refused(exception, req, res);
    const unavailable = !(exception instanceof HttpException) && isDatabaseUnavailable(exception);
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : unavailable
          ? HttpStatus.SERVICE_UNAVAILABLE
          : HttpStatus.INTERNAL_SERVER_ERROR;
    const requestId = String(res.locals.requestId ?? '');
    if (unavailable) {
      this.logger.event('warn', 'http.database_unavailable', {
        error: String((exception as { message?: unknown }).message),
        path: req.path,
      });
      if (!res.headersSent) res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (status >= 500) {
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
      'unavailable',
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

  /** A refusal or an invalid form: JSON, the form page again, or the error page. */
  private refused(exception: Refusal | InvalidForm, req: Request, res: Response): void {
    if (res.headersSent) return;
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'fr';
    const requestId = String(res.locals.requestId ?? '');
    const status = exception instanceof Refusal ? exception.status : 422;
    const form: FormState =
      exception instanceof InvalidForm
        ? { values: exception.values, errors: exception.errorsIn(locale, this.i18n) }
        : {
            values: formValuesOf(req),
            errors: [
              {
                field: exception.field ?? exception.formPage?.field ?? '',
                message: exception.translated(this.i18n, locale),
              },
            ],
            refusal: exception,
          };
    // "Not yours" or gone: the ordinary not found, page or JSON, never the form (ADR 0006).
    if (status === 404) return this.catch(new HttpException('not found', 404), hostOf(req, res));
    if (exception instanceof Refusal)
      for (const [name, value] of Object.entries(exception.details.headers ?? {}))
        res.setHeader(name, value);

    if (wantsJson(req)) {
      res.status(status).json(
        exception instanceof Refusal
          ? {
              code: exception.publicCode,
              message: form.errors[0].message,
              requestId,
              ...exception.details.body,
            }
          : {
              code: 'validation_failed',
              message: this.i18n.t(locale, 'errors.validation_failed.message'),
              requestId,
              errors: form.errors,
            },
      );
      return;
    }
    const page = exception.formPage && this.pages?.(exception.formPage.page);
    if (page) {
      Promise.resolve()
        .then(() => page.render(req, res, status, form))
        .catch((error: unknown) => this.catch(error, hostOf(req, res)));
      return;
    }
    const spec = exception instanceof Refusal ? exception.spec : undefined;
    const titleKey =
      spec?.title ?? `errors.${CODES[status] === 'forbidden' ? 'forbidden' : 'bad_request'}.title`;
    res.status(status).render('errors/error', {
      pageTitle: this.i18n.t(locale, titleKey),
      titleKey,
      message: form.errors[0]?.message,
      requestId,
      showRequestId: false,
    });
  }
}

function hostOf(req: Request, res: Response): ArgumentsHost {
  return {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as ArgumentsHost;
}

function wantsJson(req: Request): boolean {
  // originalUrl: req.path is relative to where a middleware that failed was mounted.
  if (req.originalUrl.startsWith('/api/')) return true;
  const accept = req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
