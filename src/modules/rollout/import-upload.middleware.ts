import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { MAX_IMPORT_BYTES } from './cohort-csv.js';

/** The file input of the cohort import form. */
export const IMPORT_FILE_FIELD = 'membersFile';

/** The import form's request, after its multipart body was read. */
export interface ImportUploadRequest extends Request {
  importFile?: { originalname: string; buffer: Buffer; size: number };
  /** The file was over the limit (the page says so beside the file input). */
  importProblem?: 'too-large';
}

const parser = multer({
  storage: multer.memoryStorage(),
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 20, fieldSize: 4 * 1024 },
}).single(IMPORT_FILE_FIELD);

/**
 * Reads the cohort import form (multipart) before the guards run, so that the
 * CSRF guard sees `_csrf`. A file over 1 MiB is not an error page: the cohort
 * page shows a message beside the file input.
 */
export function importUploadMiddleware(req: Request, res: Response, next: NextFunction): void {
  if (!req.is('multipart/form-data')) return next();
  parser(req, res, (error: unknown) => {
    const upload = req as ImportUploadRequest;
    req.body ??= {};
    if (error) {
      const code = (error as { code?: string }).code;
      if (code === 'LIMIT_FILE_SIZE') upload.importProblem = 'too-large';
      else if (!code?.startsWith('LIMIT_')) return next(error);
    }
    const file = req.file;
    if (file && file.size > 0)
      upload.importFile = { originalname: file.originalname, buffer: file.buffer, size: file.size };
    next();
  });
}
