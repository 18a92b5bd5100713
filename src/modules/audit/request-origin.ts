import type { Request, Response } from 'express';

/** Where a change comes from, for its audit event. */
export interface RequestOrigin {
  ip?: string;
  requestId?: string;
}

export function requestOrigin(req: Request, res: Response): RequestOrigin {
  return { ip: req.ip, requestId: String(res.locals.requestId ?? '') };
}
