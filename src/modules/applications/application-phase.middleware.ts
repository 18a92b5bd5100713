import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import { setVariantPhase } from '../rollout/variant-phase.js';
import { isUuid } from './applications.service.js';

/**
 * The pages of an application carry its variant's phase banner (pilot or
 * gradual stage) with a feedback link that names the application and page.
 * The stage of a service is public; nothing of the application is shown.
 */
@Injectable()
export class ApplicationPhaseMiddleware implements NestMiddleware {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rollout: RolloutReadModel,
  ) {}

  async use(req: Request, res: Response, next: NextFunction) {
    try {
      const id = /^\/applications\/([^/]+)/.exec(req.originalUrl)?.[1];
      if (id && isUuid(id)) {
        const [row] = await this.dataSource.query<
          { service_slug: string; variant: Audience; reference: string | null }[]
        >(
          `SELECT application.service_slug, application.variant, application.reference
             FROM application WHERE application.id = $1`,
          [id],
        );
        if (row)
          await setVariantPhase(this.rollout, res, {
            slug: row.service_slug,
            variant: row.variant,
            path: req.originalUrl.split('?')[0],
            reference: row.reference ?? undefined,
          });
      }
      next();
    } catch (error) {
      next(error);
    }
  }
}
