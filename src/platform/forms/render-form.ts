import type { Request, Response } from 'express';
import { csrfToken } from '../http/sessions.js';
import type { I18nService, Locale } from '../i18n/i18n.service.js';
import { errorsByField, type FieldError } from './form.js';

/**
 * A form page: its view, and its title (and h1) given either as a catalog key
 * or, when it is data (an SME's name, a title with placeholders filled), ready
 * to show in the page's language.
 */
export type FormView =
  | {
      /** The view under views/, e.g. 'accounts/register'. */
      view: string;
      /** The catalog key of the page's title. */
      titleKey: string;
    }
  | {
      view: string;
      /** The page's title itself, already in the page's language. */
      title: string;
    };

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
    pageTitle: 'title' in page ? page.title : i18n.t(res.locals.locale as Locale, page.titleKey),
    hasErrors: errors.length > 0,
    errors,
    fieldErrors: errorsByField(errors),
    csrfToken: csrfToken(req),
  });
}
