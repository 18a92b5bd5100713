import { defineRefusals } from '../../platform/errors/refusal.js';
import type { ApiKeyProblem } from './api-keys.service.js';

/**
 * What the API keys pages refuse: an SME the person does not belong to (or a
 * key it does not have) is not found; a member who is not an owner is
 * forbidden (ApiKeysPage shows the SME's "owners only" page).
 */
export const API_KEY_REFUSALS = defineRefusals<ApiKeyProblem>('api-keys', {
  'not-found': { status: 404, message: 'errors.not_found.message', code: 'not_found' },
  forbidden: { status: 403, message: 'errors.forbidden.message', code: 'forbidden' },
});
