import { defineRefusals, type Refusal } from '../../platform/errors/refusal.js';

/** Why a person's download of their data was refused. */
export type PersonalDataProblem =
  /** Too many downloads from one account (rule data-download:account). */
  'too-many';

export const PERSONAL_DATA_REFUSALS = defineRefusals<PersonalDataProblem>('personal-data', {
  'too-many': { status: 429, message: 'accounts.errors.tooMany', field: 'download' },
});

/** "Too many attempts, try again in N minutes", with Retry-After. */
export function tooManyDownloads(retryAfterSeconds: number): Refusal<PersonalDataProblem> {
  return PERSONAL_DATA_REFUSALS.of('too-many', {
    params: { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) },
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}
