import type { Request } from 'express';
import type { Locale } from '../../../platform/i18n/i18n.service.js';
import type { Upload, UploadedRequest, UploadProblem } from '../../../platform/http/multipart.js';
import { sitePath } from '../return-path.js';

/**
 * The feedback form's hidden fields: where the person was (the application, the
 * page, the window's size) and where the thank-you page leads back to. The
 * request's word only: FeedbackService checks each (an application that is not
 * theirs, a path to another site or a malformed viewport are left out).
 */
export class FeedbackHiddenFields {
  application?: unknown;
  page?: unknown;
  viewport?: unknown;
  /** A path on this site, or undefined. */
  returnTo?: string;

  static of(body: unknown): FeedbackHiddenFields {
    const source = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const hidden = new FeedbackHiddenFields();
    hidden.application = source.application;
    hidden.page = source.page;
    hidden.viewport = source.viewport;
    hidden.returnTo = sitePath(source.return);
    return hidden;
  }
}

/**
 * A post of the feedback form as the service takes it: the typed fields (checked
 * by the service with FeedbackDto, so that their problems and the file's show
 * together), the hidden fields, the file and what the request says of the reader.
 */
export interface FeedbackPost {
  body: unknown;
  hidden: FeedbackHiddenFields;
  /** The chosen file, if any. */
  attachment?: Upload;
  /** A file the upload could not read whole (too large, cut off). */
  uploadProblem?: UploadProblem;
  userAgent?: string;
  language: Locale;
}

/** The feedback form's post, read from the request. */
export function feedbackPost(req: Request, language: Locale): FeedbackPost {
  const uploaded = req as UploadedRequest;
  return {
    body: req.body as unknown,
    hidden: FeedbackHiddenFields.of(req.body),
    attachment: uploaded.uploads?.attachment,
    uploadProblem: uploaded.uploadProblem,
    userAgent: req.get('user-agent'),
    language,
  };
}
