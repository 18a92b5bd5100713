import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';

/** Where a change comes from, for its audit event. */
export interface RequestOrigin {
  ip?: string;
  requestId?: string;
}

export function requestOrigin(req: Request, res: Response): RequestOrigin {
  return { ip: req.ip, requestId: String(res.locals.requestId ?? '') };
}

/** The current request's origin, for the audit event of the change a handler asks for. */
export const CurrentOrigin = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  requestOrigin(
    ctx.switchToHttp().getRequest<Request>(),
    ctx.switchToHttp().getResponse<Response>(),
  ),
);
