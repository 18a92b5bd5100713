import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import { AppConfig } from '../../platform/config/app-config.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { ServiceDocumentProblem } from '../catalogue/service-document.js';
import { staffActorOf, type StaffActor } from '../staff/staff-roles.guard.js';
import type { RevisionState, RevisionSummary } from './service-revisions.service.js';
import { StudioServicesService, type StudioServiceOverview } from './studio.service.js';
import { revisionPath } from './studio-paths.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on a service's page after a change there. */
    studioServicesNotice?: { key: string; values?: Record<string, string | number> };
  }
}

const NAV = { navActive: 'staff', staffNavActive: 'studio' };
const AUDIENCES: readonly Audience[] = ['citizen', 'business'];
const STATE_TAG: Record<RevisionState, string> = {
  draft: 'govuk-tag--blue',
  ready: 'govuk-tag--green',
  withdrawn: 'govuk-tag--grey',
};

const localeOf = (res: Response) => res.locals.locale as Locale;
/** The signed-in staff member, as `@CurrentStaff()` gives it to handlers. */
const actorOf = (req: Request, res: Response): StaffActor => staffActorOf(req, res);

/** Where a revision's pages are (the revision's own page, its preview and checks are other parts of the studio). */
export const revisionHref = revisionPath;

/** The studio's pages for one service, and for creating and importing one. */
@Injectable()
export class StudioServicesPresenter {
  constructor(private readonly i18n: I18nService) {}

  notice(req: Request, key: string, values?: Record<string, string | number>) {
    req.session.studioServicesNotice = { key, values };
  }

  takeNotice(req: Request, locale: Locale): string | undefined {
    const notice = req.session.studioServicesNotice;
    if (!notice) return undefined;
    delete req.session.studioServicesNotice;
    return this.i18n.t(locale, notice.key, notice.values);
  }

  /** A service's page: its revisions with their states and actions, what each variant serves. */
  overview(locale: Locale, overview: StudioServiceOverview, notice?: string) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const { service, revisions } = overview;
    const slug = service.slug;
    const draft = revisions.find((r) => r.state === 'draft');
    const latestReady = revisions.find((r) => r.state === 'ready');
    const servedBy = (n: number) =>
      AUDIENCES.filter((v) => service.served[v] === n).map((v) =>
        t(`studioServices.overview.variant.${v}`),
      );
    const date = (d: Date | null) => (d ? formatDateTime(d, locale) : '');
    return {
      pageTitle: service.title[locale],
      ...NAV,
      notice,
      slug,
      title: service.title[locale],
      otherTitle: service.title[locale === 'fr' ? 'en' : 'fr'],
      otherLang: locale === 'fr' ? 'en' : 'fr',
      referencePrefix: service.referencePrefix,
      department: service.department[locale],
      exportHref: `/staff/services/${slug}/export.json`,
      variants: AUDIENCES.map((variant) => ({
        variant,
        label: t(`studioServices.overview.variant.${variant}`),
        stage: service.stages[variant].stage,
        stageLabel: t(`rollout.stage.${service.stages[variant].stage}`),
        paused: service.stages[variant].paused,
        revision: service.served[variant],
        revisionHref:
          service.served[variant] === null
            ? undefined
            : revisionHref(slug, service.served[variant]),
      })),
      candidate: service.candidate && {
        number: service.candidate.revision,
        stage: service.candidate.stage,
        text: t('studioServices.overview.candidate', {
          number: service.candidate.revision,
          stage: t(`rollout.stage.${service.candidate.stage}`),
        }),
        consoleHref: `/staff/rollout/${slug}/revisions`,
      },
      draft: draft && { number: draft.number, href: revisionHref(slug, draft.number) },
      canStartDraft: !draft && latestReady !== undefined,
      latestReady: latestReady?.number,
      startDraftAction: `/staff/services/${slug}/drafts`,
      revisions: revisions.map((r) =>
        this.revisionRow(locale, slug, r, {
          draft,
          latestReady,
          servedBy,
          date,
          readyCount: revisions.filter((x) => x.state === 'ready').length,
          inRollout: service.candidate?.revision,
          released: revisions.filter((x) => x.state !== 'draft').length,
        }),
      ),
      compare:
        revisions.length >= 2
          ? {
              action: `/staff/services/${slug}/compare`,
              from: revisions.map((r, i) => ({
                value: r.number,
                label: t('studioServices.overview.revisionLabel', { number: r.number }),
                selected: i === 1,
              })),
              to: revisions.map((r, i) => ({
                value: r.number,
                label: t('studioServices.overview.revisionLabel', { number: r.number }),
                selected: i === 0,
              })),
            }
          : undefined,
    };
  }

  private revisionRow(
    locale: Locale,
    slug: string,
    r: RevisionSummary,
    context: {
      draft?: RevisionSummary;
      latestReady?: RevisionSummary;
      servedBy: (n: number) => string[];
      date: (d: Date | null) => string;
      readyCount: number;
      released: number;
      inRollout?: number;
    },
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    return {
      number: r.number,
      state: r.state,
      stateLabel: t(`studioServices.state.${r.state}`),
      stateTag: STATE_TAG[r.state],
      href: revisionHref(slug, r.number),
      createdAt: context.date(r.createdAt),
      readyAt: context.date(r.readyAt),
      withdrawnAt: context.date(r.withdrawnAt),
      basedOn: r.basedOn,
      basedOnHref: r.basedOn === null ? undefined : revisionHref(slug, r.basedOn),
      servedBy: context.servedBy(r.number).join(', '),
      previewCitizen: revisionHref(slug, r.number, 'preview/citizen'),
      previewBusiness: revisionHref(slug, r.number, 'preview/business'),
      checksHref: r.state === 'draft' ? revisionHref(slug, r.number, 'checks') : undefined,
      exportHref: `/staff/services/${slug}/export.json?revision=${r.number}`,
      // A service never released keeps its first draft (nothing else to serve).
      discardHref:
        r.state === 'draft' && context.released > 0
          ? revisionHref(slug, r.number, 'discard')
          : undefined,
      inRollout: r.number === context.inRollout,
      // The only ready revision cannot be withdrawn (the service must keep one to serve),
      // nor one in rollout (the rollout console rolls it back).
      withdrawHref:
        r.state === 'ready' && context.readyCount > 1 && r.number !== context.inRollout
          ? revisionHref(slug, r.number, 'withdraw')
          : undefined,
      // Restore: a draft from an older revision, when there is no draft yet.
      restore:
        !context.draft && r.state !== 'draft' && r.number !== context.latestReady?.number
          ? { action: `/staff/services/${slug}/drafts`, from: r.number }
          : undefined,
    };
  }
}

/** A service's page, also shown again (409) when one of its actions is refused. */
@Injectable()
export class StudioServicePage implements FormPageRenderer {
  constructor(
    private readonly i18n: I18nService,
    private readonly studio: StudioServicesService,
    private readonly presenter: StudioServicesPresenter,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    const locale = localeOf(res);
    const overview = await this.studio.overview(actorOf(req, res), String(req.params.slug));
    const notice = status === 200 ? this.presenter.takeNotice(req, locale) : undefined;
    const model = this.presenter.overview(locale, overview, notice);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/services/overview', title: model.pageTitle },
      status,
      {
        ...model,
        values: form.values,
        // Its forms are buttons: every message links to the revisions they act on.
        errors: form.errors.map((e) => ({ ...e, field: 'revisions' })),
      },
    );
  }
}

/** The "create a service" form. */
@Injectable()
export class StudioNewServicePage implements FormPageRenderer {
  constructor(private readonly i18n: I18nService) {}

  render(req: Request, res: Response, status: number, form: FormState) {
    const locale = localeOf(res);
    const t = (key: string) => this.i18n.t(locale, key);
    const errors = Object.fromEntries(form.errors.map((e) => [e.field, e.message]));
    // Each text in French and English side by side.
    const bilingual = (['title', 'department'] as const).map((text) => ({
      legend: t(`studioServices.new.${text}Legend`),
      inputs: (['fr', 'en'] as const).map((lang) => {
        const name = `${text}${lang === 'fr' ? 'Fr' : 'En'}`;
        return {
          name,
          lang,
          label: t(`studioServices.language.${lang}`),
          value: form.values[name],
          error: errors[name],
        };
      }),
    }));
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/services/new', titleKey: 'studioServices.new.title' },
      status,
      { ...NAV, values: form.values, errors: form.errors, bilingual, backLink: '/staff/services' },
    );
  }
}

/** The import form; after a refused document, the table of its problems. */
@Injectable()
export class StudioImportPage implements FormPageRenderer {
  constructor(
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  render(req: Request, res: Response, status: number, form: FormState) {
    const locale = localeOf(res);
    const problems = (form.refusal?.details.body?.problems ?? []) as ServiceDocumentProblem[];
    const params = form.refusal?.code === 'draft-exists' ? form.refusal.details.params : undefined;
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/services/import', titleKey: 'studioServices.import.title' },
      status,
      {
        ...NAV,
        values: {},
        // A refusal about the service (its draft, its prefix) goes beside the file too.
        errors: form.errors.map((e) => ({ ...e, field: e.field || 'definition' })),
        backLink: '/staff/services',
        maxSize: formatNumber(this.config.UPLOAD_COHORT_IMPORT_MAX_BYTES / (1024 * 1024), locale),
        problems: form.refusal?.code === 'not-a-service' ? problems : [],
        // The service already has a draft: a link to it.
        draft: params && {
          number: params.number,
          href: revisionHref(String(params.slug), Number(params.number)),
        },
      },
    );
  }
}

/** The pages that ask to confirm: discarding a draft, withdrawing a ready revision. */
@Injectable()
export class StudioConfirmPages {
  constructor(
    private readonly i18n: I18nService,
    private readonly studio: StudioServicesService,
  ) {}

  async discard(req: Request, res: Response, actor: StaffActor, slug: string, number: number) {
    const locale = localeOf(res);
    const { service, revisions } = await this.studio.overview(actor, slug);
    const draft = revisions.find((r) => r.number === number && r.state === 'draft');
    if (!draft) return undefined;
    renderForm(
      req,
      res,
      this.i18n,
      {
        view: 'studio/services/discard',
        title: this.i18n.t(locale, 'studioServices.discard.title', { number }),
      },
      200,
      {
        ...NAV,
        caption: service.title[locale],
        number,
        version: draft.version,
        action: revisionHref(slug, number, 'discard'),
        backLink: `/staff/services/${slug}`,
      },
    );
    return true;
  }

  async withdraw(req: Request, res: Response, actor: StaffActor, slug: string, number: number) {
    const locale = localeOf(res);
    const { service, revisions } = await this.studio.overview(actor, slug);
    const revision = revisions.find((r) => r.number === number && r.state === 'ready');
    if (!revision) return undefined;
    const fallback = revisions.find((r) => r.state === 'ready' && r.number !== number);
    const drafts = await this.studio.draftApplications(actor, slug, number);
    renderForm(
      req,
      res,
      this.i18n,
      {
        view: 'studio/services/withdraw',
        title: this.i18n.t(locale, 'studioServices.withdraw.title', { number }),
      },
      200,
      {
        ...NAV,
        caption: service.title[locale],
        number,
        fallback: fallback?.number,
        drafts,
        draftsText: this.i18n.t(locale, 'studioServices.withdraw.drafts', {
          count: drafts,
          fallback: fallback?.number ?? 0,
        }),
        action: revisionHref(slug, number, 'withdraw'),
        backLink: `/staff/services/${slug}`,
      },
    );
    return true;
  }
}
