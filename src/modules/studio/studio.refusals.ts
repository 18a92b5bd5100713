import { defineRefusals } from '../../platform/errors/refusal.js';

export type StudioProblem =
  | 'not-found'
  | 'slug-taken'
  | 'prefix-taken'
  | 'stale-draft'
  | 'not-a-draft'
  | 'draft-exists'
  | 'checks-failed'
  | 'not-ready'
  | 'last-revision'
  | 'in-rollout'
  | 'draft-too-large';

/**
 * What the studio may refuse: 404 for an unknown service or revision, 422 for
 * a slug or prefix another service has (beside its field), 409 when the draft
 * changed since the designer opened it (someone else saved first: what they
 * typed is shown again, nothing saved), when the revision is no longer a draft,
 * when its checks do not all pass, when withdrawing would leave the service
 * without a revision to serve, or would pull a candidate out of its rollout
 * (the rollout console rolls it back: ADR 0032).
 */
export const STUDIO_REFUSALS = defineRefusals<StudioProblem>('studio', {
  'not-found': { status: 404, message: 'errors.not_found.message', code: 'not_found' },
  'slug-taken': { status: 422, message: 'studio.errors.slugTaken', field: 'slug' },
  'prefix-taken': {
    status: 422,
    message: 'studio.errors.prefixTaken',
    field: 'referencePrefix',
  },
  'stale-draft': {
    status: 409,
    message: 'studio.errors.staleDraft',
    title: 'studio.errors.conflictTitle',
  },
  'not-a-draft': {
    status: 409,
    message: 'studio.errors.notADraft',
    title: 'studio.errors.conflictTitle',
  },
  'draft-exists': {
    status: 409,
    message: 'studio.errors.draftExists',
    title: 'studio.errors.conflictTitle',
  },
  'checks-failed': {
    status: 409,
    message: 'studio.errors.checksFailed',
    title: 'studio.errors.conflictTitle',
  },
  'not-ready': {
    status: 409,
    message: 'studio.errors.notReady',
    title: 'studio.errors.conflictTitle',
  },
  'draft-too-large': {
    status: 422,
    message: 'studio.errors.draftTooLarge',
    title: 'studio.errors.conflictTitle',
  },
  'in-rollout': {
    status: 409,
    message: 'studio.errors.inRollout',
    title: 'studio.errors.conflictTitle',
  },
  'last-revision': {
    status: 409,
    message: 'studio.errors.lastRevision',
    title: 'studio.errors.conflictTitle',
  },
});
