import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import { stageKind } from '../rollout/stages.js';

/** What the phase banner partial shows on a page of a variant in a pilot or gradual stage. */
export interface PhaseBanner {
  /** `pilot-business`, `gradual-citizen`…: the banner's tag and text (`phase.<phase>.*`). */
  phase: `${'pilot' | 'gradual'}-${Audience}`;
  feedbackHref: string;
}

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
 * Pages say which variant they belong to by rendering with `service` (or an
 * `application`) and `audience` (or the application's variant); this wraps
 * `res.render` so no controller has to ask the rollout itself. Staff pages
 * and error pages (other than a form's 422) carry no such banner.
 */
@Injectable()
export class PhaseBannerMiddleware implements NestMiddleware {
  constructor(
    private readonly rollout: RolloutReadModel,
    private readonly logger: JsonLogger,
  ) {}

  use(req: Request, res: Response, next: NextFunction) {
    if (req.path.startsWith('/staff')) return next();
    const render = res.render.bind(res) as Render;
    const wrapped: Render = (view, options, callback) => {
      const data = (options ?? {}) as Record<string, unknown>;
      const page = variantOf(data);
      const status = res.statusCode;
      if (!page || typeof options !== 'object' || (status >= 400 && status !== 422))
        return render(view, options, callback);
      this.banner(req, data, page).then(
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
  ): Promise<PhaseBanner | undefined> {
    const stage = await this.rollout.stageOf(page.slug, page.variant);
    if (!stage.trial || stage.paused) return undefined;
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
    return {
      phase: `${stageKind(page.variant, stage.stage) === 'pilot' ? 'pilot' : 'gradual'}-${page.variant}`,
      feedbackHref: `/services/${page.slug}/${page.variant}/feedback?${query.toString()}`,
    };
  }
}
