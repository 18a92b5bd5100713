import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { defineRefusals, Refusal } from '../../platform/errors/refusal.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { ApiFieldError } from './openapi.js';

/** What the JSON API refuses, each code with its status and message (`api.errors.<code>`). */
export type ApiErrorCode =
  | 'invalid_api_key'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'rate_limited_address'
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'service_not_found'
  | 'service_not_available'
  | 'flags_unavailable'
  | 'application_not_found'
  | 'validation_failed'
  | 'application_not_editable'
  | 'file_too_large'
  | 'file_type_not_accepted'
  | 'file_infected'
  | 'too_many_files'
  | 'attachments_quota_exceeded'
  | 'unknown_question'
  | 'not_a_file_question'
  | 'revision_mismatch';

export const API_REFUSALS = defineRefusals<ApiErrorCode>('api', {
  invalid_request: { status: 400, message: 'api.errors.invalid_request' },
  invalid_api_key: { status: 401, message: 'api.errors.invalid_api_key' },
  insufficient_scope: { status: 403, message: 'api.errors.insufficient_scope' },
  service_not_found: { status: 404, message: 'api.errors.service_not_found' },
  service_not_available: { status: 404, message: 'api.errors.service_not_available' },
  application_not_found: { status: 404, message: 'api.errors.application_not_found' },
  unsupported_media_type: { status: 415, message: 'api.errors.unsupported_media_type' },
  validation_failed: { status: 422, message: 'api.errors.validation_failed' },
  /** A file for an application already submitted. */
  application_not_editable: { status: 409, message: 'api.errors.application_not_editable' },
  /** Files (POST /applications/{id}/files): each refusal of AttachmentsService has its code. */
  file_too_large: { status: 413, message: 'api.errors.file_too_large' },
  attachments_quota_exceeded: { status: 413, message: 'api.errors.attachments_quota_exceeded' },
  file_type_not_accepted: { status: 415, message: 'api.errors.file_type_not_accepted' },
  file_infected: { status: 422, message: 'api.errors.file_infected' },
  too_many_files: { status: 422, message: 'api.errors.too_many_files' },
  unknown_question: { status: 422, message: 'api.errors.unknown_question' },
  not_a_file_question: { status: 422, message: 'api.errors.not_a_file_question' },
  /**
   * Answers written for another revision of the form than the application's (or,
   * for a new one, the one the key's SME gets): `expected` names it (ADR 0032).
   */
  revision_mismatch: { status: 409, message: 'api.errors.revision_mismatch' },
  /** Too many requests with one key. */
  rate_limited: { status: 429, message: 'api.errors.rate_limited' },
  /** Too many requests without a valid key from one address: no key to blame, the address is told. */
  rate_limited_address: {
    status: 429,
    message: 'api.errors.rate_limited_address',
    code: 'rate_limited',
  },
  flags_unavailable: { status: 503, message: 'api.errors.flags_unavailable' },
});

/**
 * A refusal of the API, from API_REFUSALS: `{ code, message, requestId, errors? }`
 * with its headers (the field errors of a body that is wrong, for example).
 */
export class ApiException extends Refusal<ApiErrorCode> {
  constructor(
    code: ApiErrorCode,
    extra: {
      errors?: ApiFieldError[];
      headers?: Record<string, string>;
      /** The revision the answers must be written for (revision_mismatch). */
      expected?: number;
    } = {},
  ) {
    super('api', code, API_REFUSALS.table[code], {
      headers: extra.headers,
      params: extra.expected === undefined ? undefined : { expected: extra.expected },
      body:
        extra.errors || extra.expected !== undefined
          ? {
              ...(extra.errors ? { errors: extra.errors } : {}),
              ...(extra.expected !== undefined ? { expected: extra.expected } : {}),
            }
          : undefined,
    });
  }
}

/** The request's language for API messages: Accept-Language, else French (never the cookie). */
export function apiLocale(req: Request): Locale {
  return I18nService.resolve(undefined, req.header('accept-language'));
}

/**
 * The API's refusals as JSON: `{ code, message, requestId, …body }` with the
 * refusal's status and headers. It differs from the one error filter only in
 * the language: an API client's is its Accept-Language (a browser's language
 * cookie does not apply), announced in Content-Language.
 */
@Catch(Refusal)
export class ApiErrorFilter implements ExceptionFilter {
  constructor(private readonly i18n: I18nService) {}

  catch(exception: Refusal, host: ArgumentsHost) {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const locale = apiLocale(req);
    for (const [name, value] of Object.entries(exception.details.headers ?? {}))
      res.setHeader(name, value);
    res.setHeader('Content-Language', locale);
    res.status(exception.status).json({
      code: exception.publicCode,
      message: exception.translated(this.i18n, locale),
      requestId: String(res.locals.requestId ?? ''),
      ...exception.details.body,
    });
  }
}

/** A key's rate limit as the API announces it on every answer (and a 429 with Retry-After). */
export interface KeyRateLimit {
  limit: number;
  remaining: number;
  /** Seconds until the window ends. */
  resetSeconds: number;
}

export function rateLimitHeaders(rate: KeyRateLimit): Record<string, string> {
  return {
    'RateLimit-Limit': String(rate.limit),
    'RateLimit-Remaining': String(rate.remaining),
    'RateLimit-Reset': String(rate.resetSeconds),
  };
}
