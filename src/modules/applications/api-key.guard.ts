import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { requestOrigin } from '../audit/request-origin.js';
import { ApiKeysService } from './api-keys.service.js';
import { rateLimitHeaders } from './api.refusals.js';
import { REQUIRED_SCOPE } from './openapi.js';

/**
 * The API's door: reads `Authorization: Bearer gk_…` and the scope the
 * operation requires (`@RequiresScope`), and lets ApiKeysService decide (rate
 * limits, key, scope). Announces the key's rate limit in the headers; the key
 * is `res.locals.apiKey` for the handler (`@CurrentApiKey()`).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const bearer = /^Bearer +(\S+) *$/i.exec(req.header('authorization') ?? '')?.[1];
    const scope = this.reflector.get<string | undefined>(REQUIRED_SCOPE, context.getHandler());
    const { principal, rateLimit } = await this.keys.authenticate(
      bearer,
      scope,
      requestOrigin(req, res),
    );
    for (const [name, value] of Object.entries(rateLimitHeaders(rateLimit)))
      res.setHeader(name, value);
    res.locals.apiKey = principal;
    return true;
  }
}
