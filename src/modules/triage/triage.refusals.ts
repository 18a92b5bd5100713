import { defineRefusals, type Refusal } from '../../platform/errors/refusal.js';
import type { TriageField, TriageResult } from './feedback-triage.service.js';

/**
 * Everything triage may refuse on a feedback item's page: each action's
 * problems (`<field>-<problem>`, as FeedbackTriageService names them), a change
 * made meanwhile (409) and the item or the role missing.
 */
export type TriageRefusalCode =
  | 'not-found'
  | 'forbidden'
  | 'conflict-status'
  | 'conflict-assignee'
  | 'status-required'
  | 'status-invalid'
  | 'original-required'
  | 'original-invalid'
  | 'original-unknown'
  | 'original-self'
  | 'original-is-duplicate'
  | 'assignee-required'
  | 'assignee-invalid'
  | 'tag-required'
  | 'tag-invalid'
  | 'tag-too-many'
  | 'note-required'
  | 'note-too-long'
  | 'reply-required'
  | 'reply-too-long';

const invalid = (field: TriageField, problem: string) => ({
  status: 422,
  message: `staffFeedback.errors.${field}.${problem}`,
  field,
});

/**
 * Triage's refusals, each with its status and message, in one place. The
 * item's page (StaffFeedbackItemPage) fills in what a message names: the
 * status or assignee now (409), the longest text allowed.
 */
export const TRIAGE_REFUSALS = defineRefusals<TriageRefusalCode>('triage', {
  'not-found': { status: 404, message: 'errors.not_found.message' },
  forbidden: { status: 403, message: 'errors.forbidden.message' },
  'conflict-status': {
    status: 409,
    message: 'staffFeedback.errors.conflict.status',
    field: 'status',
  },
  'conflict-assignee': {
    status: 409,
    message: 'staffFeedback.errors.conflict.assignee',
    field: 'assignee',
  },
  'status-required': invalid('status', 'required'),
  'status-invalid': invalid('status', 'invalid'),
  'original-required': invalid('original', 'required'),
  'original-invalid': invalid('original', 'invalid'),
  'original-unknown': invalid('original', 'unknown'),
  'original-self': invalid('original', 'self'),
  'original-is-duplicate': invalid('original', 'is-duplicate'),
  'assignee-required': invalid('assignee', 'required'),
  'assignee-invalid': invalid('assignee', 'invalid'),
  'tag-required': invalid('tag', 'required'),
  'tag-invalid': invalid('tag', 'invalid'),
  'tag-too-many': invalid('tag', 'too-many'),
  'note-required': invalid('note', 'required'),
  'note-too-long': invalid('note', 'too-long'),
  'reply-required': invalid('reply', 'required'),
  'reply-too-long': invalid('reply', 'too-long'),
});

/**
 * The outcome of an action on one item when it is ok; otherwise throws its
 * refusal. `form` is the form the action came from (a conflict is about its
 * status or its assignee).
 */
export function unwrapTriage(
  result: TriageResult,
  form: TriageField,
): Extract<TriageResult, { ok: true }> {
  if (result.ok) return result;
  throw triageRefusal(result, form);
}

function triageRefusal(
  result: Extract<TriageResult, { ok: false }>,
  form: TriageField,
): Refusal<TriageRefusalCode> {
  switch (result.reason) {
    case 'not-found':
    case 'forbidden':
      return TRIAGE_REFUSALS.of(result.reason);
    case 'conflict':
      return TRIAGE_REFUSALS.of(form === 'assignee' ? 'conflict-assignee' : 'conflict-status');
    case 'invalid': {
      const code = `${result.field}-${result.problem}`;
      if (!(code in TRIAGE_REFUSALS.table))
        throw new Error(`triage: no refusal for ${result.field} ${result.problem}`);
      return TRIAGE_REFUSALS.of(code as TriageRefusalCode);
    }
  }
}
