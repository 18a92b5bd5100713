import type { FileScans } from './applications.read-model.js';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import type { FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { megabytes } from '../../platform/i18n/megabytes.js';
import type { FormProblem, RawValues } from '../catalogue/form-engine.js';
import type { StepDefinition } from '../catalogue/form-schema.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { FormService } from '../catalogue/form.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { canTransition } from './application-status.js';
import type { Application } from './applications.service.js';
import { shownErrors, stepFieldViews, summarize } from './form-view.js';
import { ApplicationsReadModel } from './applications.read-model.js';
import { intlLocale } from '../../platform/i18n/intl-locale.js';

/** An application the applicant reached, with its service. */
export interface Found {
  application: Application;
  service: ServiceDefinition;
  /** The virus scan of the application's files, when the page shows them (the steps). */
  fileScans?: FileScans;
}

const CHECK_PAGE = { view: 'applications/check', titleKey: 'applications.check.title' };
const WITHDRAW_PAGE = { view: 'applications/withdraw', titleKey: 'applications.withdraw.title' };

/**
 * The filing pages' view models: a step (its fields, errors, back link), check
 * your answers, an application's page, withdrawing, and the "paused" page of a
 * draft whose variant is closed. The controller decides what to show; this
 * builds it.
 */
@Injectable()
export class ApplicationsPresenter {
  constructor(
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly forms: FormService,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
    private readonly catalogue: CatalogueService,
  ) {}

  /** "My applications": drafts to resume, then applications filed. */
  list(res: Response, actingAs: ActingAs, rows: Application[]): void {
    const locale = res.locals.locale as Locale;
    const view = (a: Application) => ({
      ...a,
      title: this.catalogue.find(a.serviceSlug)?.title[locale] ?? a.serviceSlug,
      statusLabel: this.i18n.t(locale, `applicationStatus.${a.status}`),
      updated: formatDate(a.updatedAt, locale),
      href: `/applications/${a.id}`,
    });
    res.render('applications/list', {
      pageTitle: this.i18n.t(locale, 'applications.list.title'),
      navActive: 'applications',
      actingAs,
      drafts: rows.filter((a) => a.status === 'draft').map(view),
      filed: rows.filter((a) => a.status !== 'draft').map(view),
    });
  }

  /** A draft's task list: each step with its status, and "check your answers" once complete. */
  taskList(res: Response, found: Found): void {
    const { application, service } = found;
    const id = application.id;
    const locale = res.locals.locale as Locale;
    const tasks = this.forms.steps(service, application.variant).map((step) => {
      const status = this.forms.status(service, application.variant, step, application.answers);
      return {
        title: step.title[locale],
        href: `/applications/${id}/steps/${step.slug}`,
        status,
        statusLabel: this.i18n.t(locale, `applications.taskList.status.${status}`),
      };
    });
    const complete = tasks.every((t) => t.status === 'completed');
    res.render('applications/task-list', {
      pageTitle: service.title[locale],
      navActive: 'applications',
      service,
      application,
      tasks,
      completedCount: tasks.filter((t) => t.status === 'completed').length,
      complete,
      checkHref: `/applications/${id}/check`,
      revisionNotice: this.revisionNotice(found, locale),
    });
  }

  /** The confirmation of a submitted application: its reference, where the email went, feedback. */
  confirmation(res: Response, found: Found, email: string): void {
    const { application, service } = found;
    const id = application.id;
    const locale = res.locals.locale as Locale;
    res.render('applications/confirmation', {
      pageTitle: this.i18n.t(locale, 'applications.confirmation.title'),
      navActive: 'applications',
      application,
      service,
      email,
      feedbackHref: `/services/${service.slug}/${application.variant}/feedback?${new URLSearchParams(
        {
          application: application.reference ?? '',
          page: `/applications/${id}/confirmation`,
          return: `/applications/${id}/confirmation`,
        },
      ).toString()}`,
    });
  }

  /** The printable receipt of a submitted application. */
  receipt(res: Response, found: Found): void {
    const { application, service } = found;
    const locale = res.locals.locale as Locale;
    res.render('applications/receipt', {
      pageTitle: this.i18n.t(locale, 'applications.receipt.title', {
        reference: application.reference ?? '',
      }),
      navActive: 'applications',
      application,
      service,
      submitted: formatDateTime(application.submittedAt!, locale),
      sections: this.summary(service, application, locale),
    });
  }

  /** The "paused" page: the variant is closed to the person now (403, 503 when the flags are unknown); the draft is kept. */
  paused(res: Response, found: Found, status: number): void {
    res.status(status).render('applications/paused', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'applications.paused.title'),
      navActive: 'applications',
      service: found.service,
      application: found.application,
    });
  }

  /** Why a file was not added, as the step shows it beside its question. */
  fileProblem(step: StepDefinition, field: string, reason: string, res: Response): FormProblem {
    return {
      inputId: field,
      field,
      key: `form.errors.file.${reason}`,
      label: step.fields.find((f) => f.name === field)!.label,
      params: { max: this.limitOf(reason, res.locals.locale as Locale) },
    };
  }

  /** The configured limit a file refusal speaks of, in megabytes ('' for the others). */
  limitOf(reason: string, locale: Locale): string {
    const bytes =
      reason === 'too-large'
        ? this.config.UPLOAD_STEP_MAX_BYTES
        : reason === 'application-full'
          ? this.config.APPLICATION_ATTACHMENTS_MAX_BYTES
          : reason === 'account-full'
            ? this.config.ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES
            : undefined;
    return bytes === undefined ? '' : megabytes(bytes, locale);
  }

  /**
   * The form changed under a draft (its revision was withdrawn): the steps of
   * its new revision to check again, with links, until each is saved again or
   * the application is submitted.
   */
  revisionNotice(found: Found, locale: Locale) {
    const { application, service } = found;
    const notice = application.revisionNotice;
    if (application.status !== 'draft' || !notice) return undefined;
    const steps = this.forms
      .steps(service, application.variant)
      .filter((step) => notice.steps.includes(step.slug))
      .map((step) => ({
        title: step.title[locale],
        href: `/applications/${application.id}/steps/${step.slug}`,
      }));
    return steps.length > 0 ? { steps } : undefined;
  }

  summary(service: ServiceDefinition, application: Application, locale: Locale) {
    return summarize(
      this.forms.steps(service, application.variant),
      application.variant,
      application.answers,
      locale,
      this.i18n,
    );
  }

  step(
    req: Request,
    res: Response,
    found: Found,
    step: StepDefinition,
    status: number,
    data: {
      raw: RawValues;
      problems?: FormProblem[];
      extraItems?: Record<string, number>;
      restored?: boolean;
      /** Posted from a page of the revision the draft was on before it moved: check again. */
      moved?: boolean;
      returnTo?: unknown;
      /** When the step was first shown (epoch ms), kept through its re-renders to time it. */
      shownAt?: number;
    },
  ) {
    const { application, service } = found;
    const locale = res.locals.locale as Locale;
    const problems = data.problems ?? [];
    const errors = shownErrors(problems, locale, this.i18n);
    const steps = this.forms.steps(service, application.variant);
    const index = steps.findIndex((s) => s.slug === step.slug);
    const taskList = this.forms.hasTaskList(service, application.variant);
    const previous = index > 0 ? steps[index - 1] : undefined;
    const back =
      data.returnTo === 'check'
        ? `/applications/${application.id}/check`
        : taskList || application.status !== 'draft'
          ? `/applications/${application.id}`
          : previous
            ? `/applications/${application.id}/steps/${previous.slug}`
            : `/services/${service.slug}/${application.variant}`;
    const title = step.title[locale];
    res.status(status).render('applications/step', {
      pageTitle: title,
      navActive: 'applications',
      service,
      application,
      step,
      title,
      shownAt: data.shownAt ?? Date.now(),
      intro: step.intro?.[locale],
      stepNumber: index + 1,
      stepCount: steps.length,
      fields: stepFieldViews({
        step,
        audience: application.variant,
        raw: data.raw,
        answers: application.answers,
        problems,
        locale,
        i18n: this.i18n,
        extraItems: data.extraItems,
        fileScans: found.fileScans,
      }),
      multipart: step.fields.some((f) => f.type === 'file'),
      action: `/applications/${application.id}/steps/${step.slug}${data.returnTo === 'check' ? '?return=check' : ''}`,
      backLink: back,
      restored: data.restored,
      moved: data.moved,
      revisionNotice: this.revisionNotice(found, locale),
      errors,
      hasErrors: errors.length > 0,
      csrfToken: csrfToken(req),
    });
  }

  check(
    req: Request,
    res: Response,
    found: Found,
    status: number,
    data: { errors?: FieldError[] },
  ) {
    const { application, service } = found;
    const locale = res.locals.locale as Locale;
    const base = `/applications/${application.id}`;
    const lastStep = this.forms.steps(service, application.variant).at(-1)!;
    renderForm(req, res, this.i18n, CHECK_PAGE, status, {
      ...data,
      navActive: 'applications',
      service,
      application,
      sections: this.summary(service, application, locale).map((s) => ({
        ...s,
        changeHref: `${base}/steps/${s.slug}?return=check`,
      })),
      backLink: this.forms.hasTaskList(service, application.variant)
        ? base
        : `${base}/steps/${lastStep.slug}`,
      revisionNotice: this.revisionNotice(found, locale),
    });
  }

  async application(
    req: Request,
    res: Response,
    found: Found,
    status: number,
    data: { values?: Record<string, string>; errors?: { field: string; message: string }[] },
  ) {
    const { application, service } = found;
    const locale = res.locals.locale as Locale;
    const errors = data.errors ?? [];
    const [transitions, messages] = await Promise.all([
      this.applicationsRead.transitions(application.id),
      this.applicationsRead.messages(application.id),
    ]);
    const requested = [...transitions].reverse().find((t) => t.to === 'information_requested');
    res.status(status).render('applications/show', {
      pageTitle: `${application.reference ?? ''} – ${service.title[locale]}`,
      navActive: 'applications',
      service,
      application,
      statusLabel: this.i18n.t(locale, `applicationStatus.${application.status}`),
      submitted: application.submittedAt ? formatDateTime(application.submittedAt, locale) : '',
      timeline: transitions.map((t) => ({
        ...t,
        label: this.i18n.t(locale, `applicationStatus.${t.to}`),
        at: formatDateTime(t.at, locale),
        by: t.actorRole === 'staff' ? this.i18n.t(locale, 'applications.show.byCity') : t.actorName,
      })),
      messages: messages.map((m) => ({
        ...m,
        at: formatDateTime(m.createdAt, locale),
        by:
          m.authorRole === 'staff' ? this.i18n.t(locale, 'applications.show.byCity') : m.authorName,
        fromCity: m.authorRole === 'staff',
      })),
      sections: this.summary(service, application, locale),
      informationRequested: application.status === 'information_requested',
      requestReason: requested?.reason,
      changeHref: `/applications/${application.id}/steps/${this.forms.steps(service, application.variant)[0].slug}`,
      canWithdraw: canTransition(application.status, 'withdrawn', 'applicant'),
      canMessage: application.status !== 'draft',
      decisionNote: application.decisionNote,
      values: data.values ?? {},
      errors,
      hasErrors: errors.length > 0,
      fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
      csrfToken: csrfToken(req),
    });
  }

  withdraw(
    req: Request,
    res: Response,
    found: Found,
    status: number,
    data: { values?: Record<string, string>; errors?: FieldError[] },
  ) {
    renderForm(req, res, this.i18n, WITHDRAW_PAGE, status, {
      ...data,
      navActive: 'applications',
      ...found,
    });
  }
}

export function formatDate(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    dateStyle: 'long',
    timeZone: 'America/Toronto',
  }).format(new Date(date));
}
