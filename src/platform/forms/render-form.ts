import type { Request, Response } from 'express';
import { csrfToken } from '../http/sessions.js';
import type { I18nService, Locale } from '../i18n/i18n.service.js';
import { errorsByField, type FieldError } from './form.js';

export interface FormView {
  /** The view under views/, e.g. 'accounts/register'. */
  view: string;
  /** The catalog key of the page's title (and h1). */
  titleKey: string;
}

/**
 * Renders a form page: its title (prefixed "Error:" when there are errors), the
 * error summary and field messages, what was typed, and the CSRF token.
 */
export function renderForm(
  req: Request,
  res: Response,
  i18n: I18nService,
  page: FormView,
  status: number,
  data: { values?: Record<string, unknown>; errors?: FieldError[]; [key: string]: unknown } = {},
) {
  const errors = data.errors ?? [];
  res.status(status).render(page.view, {
    ...data,
    pageTitle: i18n.t(res.locals.locale as Locale, page.titleKey),
    hasErrors: errors.length > 0,
    errors,
    fieldErrors: errorsByField(errors),
    csrfToken: csrfToken(req),
  });
}
