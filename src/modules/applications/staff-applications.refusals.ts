import { defineRefusals, type Refusal } from '../../platform/errors/refusal.js';
import { assertUnreachable } from '../../platform/errors/assert-unreachable.js';
import type { ProcessingResult, TextProblem } from './application-processing.service.js';
import type { ApplicationStatus } from './application-status.js';

/** The text fields of the application page's forms (each also the id the error summary links to). */
export type NoteField = 'informationReason' | 'conditions' | 'rejectionReason' | 'message';

export type StaffApplicationProblem =
  | 'not-found'
  | 'not-allowed'
  | 'own-application'
  | 'own-organization'
  | `${NoteField}-${TextProblem}`;

const text = (field: NoteField, problem: TextProblem) => ({
  status: 422,
  message: `staffApplications.errors.${field}.${problem}`,
  field,
});

/**
 * What a clerk's action on an application may be refused, shown on the
 * application's page again (`StaffApplicationPage`): 409 when its status no
 * longer allows the action, 403 for separation of duties, 422 for a text
 * missing or too long (beside its field).
 */
export const STAFF_APPLICATION_REFUSALS = defineRefusals<StaffApplicationProblem>(
  'staff-applications',
  {
    'not-found': { status: 404, message: 'errors.not_found.message', code: 'not_found' },
    'not-allowed': {
      status: 409,
      message: 'staffApplications.errors.notAllowed',
      field: 'actions',
    },
    'own-application': {
      status: 403,
      message: 'staffApplications.conflict.own-application',
      field: 'actions',
    },
    'own-organization': {
      status: 403,
      message: 'staffApplications.conflict.own-organization',
      field: 'actions',
    },
    'informationReason-required': text('informationReason', 'required'),
    'informationReason-too-long': text('informationReason', 'too-long'),
    'conditions-required': text('conditions', 'required'),
    'conditions-too-long': text('conditions', 'too-long'),
    'rejectionReason-required': text('rejectionReason', 'required'),
    'rejectionReason-too-long': text('rejectionReason', 'too-long'),
    'message-required': text('message', 'required'),
    'message-too-long': text('message', 'too-long'),
  },
);

/**
 * The refusal of an action ApplicationProcessingService did not take. `field`
 * is the text the action sent (none for "assign to me"); `status` is the
 * application's status now, which the 409's message names.
 */
export function processingRefusal(
  result: Extract<ProcessingResult, { ok: false }>,
  field: NoteField | undefined,
  status: ApplicationStatus | undefined,
): Refusal<StaffApplicationProblem> {
  const refuse = STAFF_APPLICATION_REFUSALS.of;
  switch (result.reason) {
    case 'not-found':
      return refuse('not-found');
    case 'not-allowed':
      return status
        ? refuse('not-allowed', { paramKeys: { status: `applicationStatus.${status}` } })
        : refuse('not-found');
    case 'conflict-of-interest':
      return refuse(result.conflict);
    case 'invalid':
      if (!field)
        throw new Error(`A text was refused (${result.problem}) on an action without one`);
      return refuse(`${field}-${result.problem}`);
    default:
      return assertUnreachable(result);
  }
}
