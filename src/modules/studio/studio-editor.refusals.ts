import { defineRefusals } from '../../platform/errors/refusal.js';

export type StudioEditorProblem = 'not-a-draft';

/**
 * What the draft editor refuses on its own: opening the editing pages of a
 * revision that is ready or withdrawn (409: a released revision never changes;
 * its page shows it read only). Saving one is refused by
 * `ServiceRevisionsService` (`not-a-draft`), shown with the same message.
 */
export const STUDIO_EDITOR_REFUSALS = defineRefusals<StudioEditorProblem>('studio-editor', {
  'not-a-draft': {
    status: 409,
    message: 'studioEditor.errors.notADraft',
    title: 'studioEditor.errors.conflictTitle',
  },
});
