import { defineRefusals } from '../../platform/errors/refusal.js';

export type ServiceDocumentsProblem =
  'no-file' | 'unreadable' | 'too-large' | 'not-json' | 'not-a-service';

/**
 * What the studio's import refuses, beside its file field (`definition`), all
 * 422: no file, a form the multipart reader could not read whole, a file above
 * the upload limit, a file that is not JSON (with
 * the parser's message), a document that is not a sound guichet-service
 * document (every problem with its JSON pointer, in `problems` for JSON
 * clients, in a table on the page).
 */
export const SERVICE_DOCUMENTS_REFUSALS = defineRefusals<ServiceDocumentsProblem>(
  'studio-documents',
  {
    'no-file': {
      status: 422,
      message: 'studioServices.import.errors.noFile',
      field: 'definition',
    },
    unreadable: {
      status: 422,
      message: 'studioServices.import.errors.unreadable',
      field: 'definition',
    },
    'too-large': {
      status: 422,
      message: 'studioServices.import.errors.tooLarge',
      field: 'definition',
    },
    'not-json': {
      status: 422,
      message: 'studioServices.import.errors.notJson',
      field: 'definition',
    },
    'not-a-service': {
      status: 422,
      message: 'studioServices.import.errors.notAService',
      field: 'definition',
    },
  },
);
