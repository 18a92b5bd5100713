import { defineRefusals } from '../../platform/errors/refusal.js';
import type { CohortProblem } from './cohorts.service.js';

/**
 * What CohortsService refuses on a cohort's pages (the cohort page, its edit
 * and removal forms, the new cohort form), each with its status and message.
 * A refusal without a field goes beside the field of the form that was sent.
 */
export const COHORT_REFUSALS = defineRefusals<CohortProblem>('cohorts', {
  'not-found': { status: 404, code: 'not_found', message: 'errors.not_found.message' },
  /** The member changed meanwhile: the cohort page says so above its members. */
  'not-current': { status: 409, message: 'cohorts.errors.notCurrent', field: 'members' },
  'slug-taken': { status: 422, message: 'cohorts.errors.slugTaken', field: 'slug' },
  'wrong-audience': { status: 422, message: 'cohorts.errors.wrongAudience' },
  'unknown-neq': { status: 422, message: 'cohorts.errors.unknownNeq' },
  'already-member': { status: 422, message: 'cohorts.errors.alreadyMember' },
  'no-cohort': { status: 422, message: 'cohorts.errors.cohortRequired' },
});

/** What a decision on a volunteer SME can be refused for. */
export type VolunteerProblem = Exclude<CohortProblem, 'slug-taken' | 'unknown-neq'>;

/**
 * The same problems on the volunteers page, said of a volunteer: "not current"
 * is a request decided meanwhile, "already a member" the SME of the request.
 */
export const VOLUNTEER_REFUSALS = defineRefusals<VolunteerProblem>('cohorts.volunteers', {
  'not-found': { status: 404, code: 'not_found', message: 'errors.not_found.message' },
  'not-current': {
    status: 409,
    message: 'cohorts.errors.volunteerDecided',
    field: 'volunteers',
  },
  'no-cohort': { status: 422, message: 'cohorts.errors.cohortRequired' },
  'wrong-audience': { status: 422, message: 'cohorts.errors.volunteerAudience' },
  'already-member': { status: 422, message: 'cohorts.errors.volunteerAlreadyMember' },
});
