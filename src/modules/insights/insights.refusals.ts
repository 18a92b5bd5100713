import { defineRefusals } from '../../platform/errors/refusal.js';

/** The insights' refusals: the count of applications received outside the portal, checked. */
export const INSIGHTS_REFUSALS = defineRefusals('insights', {
  'unknown-service': {
    status: 422,
    message: 'insights.offline.errors.serviceRequired',
    field: 'service',
  },
  'day-invalid': { status: 422, message: 'insights.offline.errors.dayInvalid', field: 'day' },
  'day-to-come': { status: 422, message: 'insights.offline.errors.dayToCome', field: 'day' },
});
