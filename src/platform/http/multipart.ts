import busboy, { type Busboy, type FileStream } from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { csrfMatches, expireSessionIfDue } from './sessions.js';

/** A file read from a multipart form, whole, within its route's limit. */
export interface Upload {
  originalname: string;
  buffer: Buffer;
  size: number;
}

/** Why a form's file (or the form) could not be read whole. */
export type UploadProblem = 'too-large' | 'unreadable';

/** A request whose multipart body was read by readMultipart. */
export interface UploadedRequest extends Request {
  /** The files sent, by input name (empty inputs left out). */
  uploads?: Record<string, Upload>;
  /** The inputs where a chosen file had no bytes at all. */
  emptyUploads?: string[];
  uploadProblem?: UploadProblem;
}

/** What one route's multipart form may carry (see ADR 0016). */
export interface MultipartLimits {
  /** The largest file, in bytes. */
  fileBytes: number;
  files: number;
  fields: number;
  /** The longest field value, in bytes. */
  fieldBytes: number;
  /**
   * Whether the text fields may be read from a signed-out session (one that timed
   * out, posted late with its own CSRF token). Its files are then skipped unread.
   */
  fieldsWhenSignedOut?: boolean;
}

interface SessionSource {
  middleware: RequestHandler;
}

/**
 * Reads a multipart form, checking who sends it BEFORE any file is read: the
 * session first (no session, no CSRF token: nothing is read and the request is
 * refused by the CSRF guard); then each field as it comes, and at the first file
 * part the `_csrf` field the forms send first must already match the session's,
 * and the session must be signed in. Otherwise reading stops there, the
 * connection is closed after the answer, and the guard (bad token) or the
 * handler (signed out: sign in) answers. Files are kept in memory up to the
 * route's limit; a bigger file is dropped and marked 'too-large', so the page
 * shows a field message, never an error page.
 */
export function readMultipart(
  sessions: SessionSource,
  config: AppConfig,
  limits: MultipartLimits,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    sessions.middleware(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (req.session) expireSessionIfDue(req, config);
      // No session or no token: nothing to read, the CSRF guard refuses it.
      if (!req.session?.csrfToken) {
        Object.assign(req, { body: {}, uploads: {}, emptyUploads: [] });
        return stopReading(req, res, next);
      }
      read(req as UploadedRequest, res, limits, next, sessionSender(limits));
    });
  };
}

/** Whether a file part is read ('read'), skipped ('skip') or ends the reading ('stop'). */
type SenderCheck = (
  req: UploadedRequest,
  body: Record<string, string | string[]>,
) => 'read' | 'skip' | 'stop';

/** A form's sender: `_csrf` matches the session's, and the session is signed in (ADR 0016). */
function sessionSender(limits: MultipartLimits): SenderCheck {
  return (req, body) => {
    if (!csrfMatches(req, body._csrf)) {
      req.body = {};
      return 'stop';
    }
    if (!req.session.accountId) return limits.fieldsWhenSignedOut ? 'skip' : 'stop';
    return 'read';
  };
}

/**
 * Reads the multipart body of an API request whose sender the API key guard
 * has already checked (so no file byte is read before the key is): the same
 * limits and problems as the forms' reader, without session or CSRF (an API
 * client has neither). Resolves once the body is read or reading stopped.
 */
export function readApiMultipart(
  req: Request,
  res: Response,
  limits: MultipartLimits,
): Promise<UploadedRequest> {
  const uploaded = req as UploadedRequest;
  if (!req.is('multipart/form-data')) {
    Object.assign(uploaded, { uploads: {}, emptyUploads: [] });
    return Promise.resolve(uploaded);
  }
  return new Promise((resolve) => {
    read(
      uploaded,
      res,
      limits,
      () => resolve(uploaded),
      () => 'read',
    );
  });
}

function read(
  req: UploadedRequest,
  res: Response,
  limits: MultipartLimits,
  next: NextFunction,
  sender: SenderCheck,
) {
  const body: Record<string, string | string[]> = {};
  req.body = body;
  req.uploads = {};
  req.emptyUploads = [];

  let parser: Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      // busboy reports a limit once it is reached: one more, to report it once exceeded.
      limits: {
        fileSize: limits.fileBytes + 1,
        files: limits.files,
        fields: limits.fields,
        fieldSize: limits.fieldBytes + 1,
        parts: limits.files + limits.fields,
        fieldNameSize: 200,
      },
    });
  } catch {
    // No boundary, or not multipart after all.
    req.uploadProblem = 'unreadable';
    return stopReading(req, res, next);
  }

  // A body far bigger than the limits allow is not read to its end.
  const hardLimit = 2 * limits.fileBytes + limits.fields * 1024 + 1024 * 1024;
  let received = 0;
  let closed = false;
  let pending = 0;
  let done = false;
  const finish = (stop: boolean) => {
    if (done) return;
    done = true;
    req.off('data', count);
    if (stop) {
      req.unpipe(parser);
      parser.removeAllListeners('file').removeAllListeners('field');
      parser.on('error', () => undefined);
      return stopReading(req, res, next);
    }
    next();
  };
  const settle = () => {
    if (closed && pending === 0) finish(false);
  };
  const problem = (what: UploadProblem) => {
    req.uploadProblem ??= what;
  };
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received > hardLimit) {
      problem('too-large');
      finish(true);
    }
  };
  req.on('data', count);

  parser.on('field', (name, value, info) => {
    if (done) return;
    if (info.valueTruncated || info.nameTruncated) return problem('unreadable');
    const before = body[name];
    if (before === undefined) body[name] = value;
    else body[name] = Array.isArray(before) ? [...before, value] : [before, value];
  });

  parser.on('file', (name, stream: FileStream, info) => {
    if (done) return stream.resume();
    // Who sends it is known before the first file byte is read.
    const admitted = sender(req, body);
    if (admitted === 'stop') return finish(true);
    // A late post from the person's own timed-out session: the text only.
    if (admitted === 'skip') return stream.resume();
    if (!info.filename) return stream.resume();
    pending += 1;
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (stream.truncated) return;
      size += chunk.length;
      chunks.push(chunk);
    });
    stream.on('limit', () => {
      problem('too-large');
      chunks.length = 0;
    });
    stream.on('end', () => {
      pending -= 1;
      if (!stream.truncated) {
        if (size === 0) req.emptyUploads!.push(name);
        else
          req.uploads![name] = {
            originalname: info.filename!,
            buffer: Buffer.concat(chunks, size),
            size,
          };
      }
      settle();
    });
  });

  parser.on('partsLimit', () => problem('unreadable'));
  parser.on('filesLimit', () => problem('unreadable'));
  parser.on('fieldsLimit', () => problem('unreadable'));
  parser.on('error', () => {
    problem('unreadable');
    finish(true);
  });
  parser.on('close', () => {
    closed = true;
    settle();
  });
  req.pipe(parser);
}

/** Answers without reading the rest of the body, and closes the connection afterwards. */
function stopReading(req: Request, res: Response, next: NextFunction) {
  res.setHeader('Connection', 'close');
  req.pause();
  next();
}

/** The limits of each multipart form, from the configuration. */
export function multipartLimits(config: AppConfig) {
  return {
    step: {
      fileBytes: config.UPLOAD_STEP_MAX_BYTES,
      files: 10,
      fields: 1000,
      fieldBytes: 64 * 1024,
      fieldsWhenSignedOut: true,
    },
    bulk: { fileBytes: config.UPLOAD_BULK_MAX_BYTES, files: 2, fields: 20, fieldBytes: 4 * 1024 },
    feedback: {
      fileBytes: config.UPLOAD_FEEDBACK_MAX_BYTES,
      files: 2,
      fields: 50,
      fieldBytes: 64 * 1024,
    },
    evidence: {
      fileBytes: config.UPLOAD_EVIDENCE_MAX_BYTES,
      files: 1,
      fields: 20,
      fieldBytes: 8 * 1024,
    },
    /** One file for one question of an application, through the API (POST /api/v1/applications/{id}/files). */
    apiFile: { fileBytes: config.UPLOAD_STEP_MAX_BYTES, files: 1, fields: 10, fieldBytes: 1024 },
    cohortImport: {
      fileBytes: config.UPLOAD_COHORT_IMPORT_MAX_BYTES,
      files: 1,
      fields: 20,
      fieldBytes: 4 * 1024,
    },
    /** A service document imported into the studio (the repo's are 30 KB at most). */
    serviceImport: {
      fileBytes: config.UPLOAD_COHORT_IMPORT_MAX_BYTES,
      files: 1,
      fields: 10,
      fieldBytes: 1024,
    },
  } satisfies Record<string, MultipartLimits>;
}
