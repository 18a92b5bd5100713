import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import { ChangeFeed } from '../../platform/database/change-feed.js';
import { ShortLivedCache } from '../../platform/database/short-lived-cache.js';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RolloutReadModel, type VariantStage } from '../rollout/rollout.read-model.js';
import { stageKind } from '../rollout/stages.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { QuestionChangesCache, type QuestionChange } from './revision-changes.js';

/**
 * What the phase banner partial shows on a page of a variant in a pilot or
 * gradual stage, or of a candidate revision the person gets before others.
 */
export interface PhaseBanner {
  /**
   * `pilot-business`, `gradual-citizen`…: the banner's tag and text
   * (`phase.<phase>.*`); `candidate`: "this form has changed".
   */
  phase: `${'pilot' | 'gradual'}-${Audience}` | 'candidate';
  feedbackHref: string;
  /** For a candidate: what changed in the questions, at most MAX_CHANGES of them. */
  changes?: { change: QuestionChange['change']; label: string }[];
  /** How many more changed than the list shows. */
  moreChanges?: number;
}

/** The candidate banner stays short: this many questions at most, then "and N more". */
const MAX_CHANGES = 5;

type RenderCallback = (error: Error, html: string) => void;
type Render = (view: string, options?: object, callback?: RenderCallback) => void;

/** The variant a page belongs to, from what its controller renders it with. */
function variantOf(
  options: Record<string, unknown>,
): { slug: string; variant: Audience } | undefined {
  const service = options.service as { slug?: unknown } | undefined;
  const application = options.application as
    { serviceSlug?: unknown; variant?: unknown; reference?: unknown; id?: unknown } | undefined;
  const slug = service?.slug ?? application?.serviceSlug;
  const variant = application?.variant ?? options.audience;
  if (typeof slug !== 'string' || !(AUDIENCES as readonly unknown[]).includes(variant))
    return undefined;
  return { slug, variant: variant as Audience };
}

/**
 * Every page of a service variant in a pilot or gradual stage carries the phase
 * banner with a link to the feedback form, which knows where it was followed
 * from: the page, the way back, and the application if the page shows one.
 *
 * A person on a candidate revision (ADR 0032: newer than the variant's
 * current one) sees instead, on its start page and on the pages of a draft
 * on it, the candidate's banner: "this form has changed: tell us how it works
 * for you", the feedback link, and the questions added, changed or removed
 * (from the studio's comparison), whatever the variant's stage.
 *
 * Pages say which variant they belong to by rendering with `service` (or an
 * `application`) and `audience` (or the application's variant), and which
 * revision they show with `revision` (a start page) or the application's
 * `serviceRevision`; this wraps `res.render` so no controller has to ask the
 * rollout itself. Staff pages and error pages (other than a form's 422, or a
 * step shown again after its draft moved, 409) carry no such banner.
 */
@Injectable()
export class PhaseBannerMiddleware implements NestMiddleware {
  private readonly changes = new QuestionChangesCache();
  /**
   * Each variant's stage, for the banner only, kept for at most
   * SESSION_CACHE_MS (≤ 1 s) and dropped as soon as the database announces a
   * change to the plan (ADR 0037). Access is decided elsewhere, uncached.
   */
  private readonly stages: ShortLivedCache<VariantStage>;

  constructor(
    private readonly rollout: RolloutReadModel,
    private readonly catalogue: CatalogueService,
    private readonly logger: JsonLogger,
    changes: ChangeFeed,
    config: AppConfig,
  ) {
    this.stages = new ShortLivedCache(changes, config.SESSION_CACHE_MS, 1000);
    changes.on('content_changed', (payload) => {
      if (payload.startsWith('rollout:')) this.stages.delete(payload.slice('rollout:'.length));
    });
  }

  use(req: Request, res: Response, next: NextFunction) {
    if (req.path.startsWith('/staff')) return next();
    const render = res.render.bind(res) as Render;
    const wrapped: Render = (view, options, callback) => {
      const data = (options ?? {}) as Record<string, unknown>;
      const page = variantOf(data);
      const status = res.statusCode;
      if (
        !page ||
        typeof options !== 'object' ||
        (status >= 400 && status !== 422 && status !== 409)
      )
        return render(view, options, callback);
      this.banner(req, data, page, res.locals.locale as Locale).then(
        (phaseBanner) => render(view, phaseBanner ? { ...data, phaseBanner } : data, callback),
        (error: unknown) => {
          // The page matters more than its banner.
          this.logger.event('warn', 'feedback.phase_banner_failed', {
            error: error instanceof Error ? error.message : String(error),
          });
          render(view, data, callback);
        },
      );
    };
    res.render = wrapped as Response['render'];
    next();
  }

  private async banner(
    req: Request,
    data: Record<string, unknown>,
    page: { slug: string; variant: Audience },
    locale: Locale,
  ): Promise<PhaseBanner | undefined> {
    const candidate = this.candidate(data, page, locale);
    if (candidate)
      return { phase: 'candidate', feedbackHref: this.feedbackHref(req, data, page), ...candidate };
    const stage = await this.stages.get(`${page.slug}.${page.variant}`, () =>
      this.rollout.stageOf(page.slug, page.variant),
    );
    if (!stage || !stage.trial || stage.paused) return undefined;
    return {
      phase: `${stageKind(page.variant, stage.stage) === 'pilot' ? 'pilot' : 'gradual'}-${page.variant}`,
      feedbackHref: this.feedbackHref(req, data, page),
    };
  }

  /**
   * The questions that changed, when the page shows a candidate revision: a
   * start page's (`revision`) or a draft's, newer than the variant's current.
   */
  private candidate(
    data: Record<string, unknown>,
    page: { slug: string; variant: Audience },
    locale: Locale,
  ): Pick<PhaseBanner, 'changes' | 'moreChanges'> | undefined {
    const application = data.application as
      { status?: unknown; serviceRevision?: unknown } | undefined;
    const revision =
      typeof data.revision === 'number'
        ? data.revision
        : application?.status === 'draft' && typeof application.serviceRevision === 'number'
          ? application.serviceRevision
          : undefined;
    const current = this.catalogue.served(page.slug, page.variant);
    if (revision === undefined || !current || revision <= current.revision) return undefined;
    const candidate = this.catalogue.revision(page.slug, revision);
    if (!candidate) return undefined;
    const changes = this.changes.of(current.definition, candidate, page.variant);
    return {
      changes: changes
        .slice(0, MAX_CHANGES)
        .map(({ change, label }) => ({ change, label: label[locale] })),
      moreChanges: Math.max(0, changes.length - MAX_CHANGES),
    };
  }

  /** The feedback form, told where it was followed from: the page, the way back, the application. */
  private feedbackHref(
    req: Request,
    data: Record<string, unknown>,
    page: { slug: string; variant: Audience },
  ): string {
    const application = data.application as { reference?: unknown; id?: unknown } | undefined;
    const named = application?.reference ?? application?.id;
    const query = new URLSearchParams();
    if (typeof named === 'string') query.set('application', named);
    query.set('page', req.path);
    // Back to this page; after a form post, to the application (a POST's URL may not answer a GET).
    const back =
      req.method === 'GET'
        ? req.originalUrl
        : typeof application?.id === 'string'
          ? `/applications/${application.id}`
          : undefined;
    if (back) query.set('return', back);
    return `/services/${page.slug}/${page.variant}/feedback?${query.toString()}`;
  }
}
