import type { Response } from 'express';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { RolloutReadModel } from './rollout.read-model.js';
import { stageKind } from './stages.js';

/**
 * The phase banner of a variant's pages in a pilot or gradual stage
 * ("Projet pilote – PME" / "Pilot – SMEs"), with a link to the feedback form
 * that knows where the person was (the page, the application) and how to come
 * back. Other pages keep the portal's own banner.
 */
export async function setVariantPhase(
  rollout: RolloutReadModel,
  res: Response,
  where: { slug: string; variant: Audience; path: string; reference?: string },
): Promise<void> {
  const stage = await rollout.stageOf(where.slug, where.variant);
  if (!stage.trial || stage.paused) return;
  const kind = stageKind(where.variant, stage.stage);
  const query = new URLSearchParams({ page: where.path, return: where.path });
  if (where.reference) query.set('application', where.reference);
  res.locals.phase = `${kind}-${where.variant}`;
  res.locals.phaseFeedbackHref = `/services/${where.slug}/${where.variant}/feedback?${query}`;
}
