import type { NextFunction, Request, Response } from 'express';

/**
 * `Cache-Control: no-store` on every response the portal builds: pages, forms,
 * downloads (attachments, receipts, feedback files, exports) and the API. Any of
 * them may carry someone's personal data, and a page for a person who is
 * signed out can still show what they typed; a shared computer's cache or a
 * proxy must keep none of it. Registered after the static assets, which keep
 * their own caching (they answer before this runs). A handler may still choose
 * otherwise for a public document by setting the header itself.
 */
export function noStoreMiddleware(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
