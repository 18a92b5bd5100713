import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';

/** The largest attachment: 10 MiB. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface Upload {
  originalname: string;
  buffer: Buffer;
  size: number;
}

/** A request to a step page, after its multipart body was read. */
export interface UploadedRequest extends Request {
  uploads?: Record<string, Upload>;
  /** Why the file could not be read ('too-large'), if so. */
  uploadProblem?: 'too-large' | 'unreadable';
}

const parser = multer({
  storage: multer.memoryStorage(),
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_FILE_BYTES, files: 10, fields: 1000, fieldSize: 64 * 1024 },
}).any();

/**
 * Reads multipart step forms (those with a file input) before the CSRF guard
 * runs, so the guard sees `_csrf` (the form puts it first). A step may have
 * several file inputs; the browser sends every one, empty ones included. A file over the
 * limit is not an error page: the step shows a field message instead.
 */
export function uploadMiddleware(req: Request, res: Response, next: NextFunction): void {
  if (!req.is('multipart/form-data')) return next();
  parser(req, res, (error: unknown) => {
    const uploaded = req as UploadedRequest;
    req.body ??= {};
    if (error) {
      const code = (error as { code?: string }).code;
      // Never an error page: the step shows a field message and keeps the rest.
      if (code === 'LIMIT_FILE_SIZE') uploaded.uploadProblem = 'too-large';
      else if (code?.startsWith('LIMIT_')) uploaded.uploadProblem = 'unreadable';
      else return next(error);
    }
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    uploaded.uploads = Object.fromEntries(
      files
        .filter((f) => f.size > 0)
        .map((f) => [
          f.fieldname,
          { originalname: f.originalname, buffer: f.buffer, size: f.size },
        ]),
    );
    next();
  });
}
