import { defineRefusals } from '../../platform/errors/refusal.js';
import type { UnavailableReason } from '../rollout/variant-access.service.js';

/**
 * Why a variant's start page is not open to this person, and the status its
 * "not available" page answers with. The page itself is the module's own
 * (service-pages/unavailable): it says what to do next for each reason.
 */
export const SERVICE_PAGE_REFUSALS = defineRefusals<UnavailableReason>('service-pages', {
  'other-audience': { status: 403, message: 'unavailable.other-audience.heading' },
  'not-released': { status: 403, message: 'unavailable.not-released.heading' },
  'flags-unavailable': { status: 503, message: 'unavailable.flags-unavailable.heading' },
});
