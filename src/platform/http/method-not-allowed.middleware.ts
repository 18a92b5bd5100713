import { Injectable, MethodNotAllowedException, type NestMiddleware } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';

interface RouteLayer {
  match(path: string): unknown;
  route?: { methods: Record<string, boolean>; _handlesMethod(method: string): boolean };
}

/**
 * A known address asked with a method it does not take (`DELETE /sign-in`,
 * `PUT /api/v1/applications`) is answered 405 with an `Allow` header listing
 * the methods it takes, instead of 404. Read from the router itself, so every
 * route, present or future, is covered; unknown addresses stay 404.
 */
@Injectable()
export class MethodNotAllowedMiddleware implements NestMiddleware {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method === 'OPTIONS') return next();
    const express = this.adapterHost.httpAdapter.getInstance<{
      router: { stack: RouteLayer[] };
    }>();
    // The whole path: Nest mounts middleware on a path, which req.path is relative to.
    const path = req.originalUrl.split('?')[0];
    const allowed = new Set<string>();
    for (const layer of express.router.stack) {
      if (!layer.route || !layer.match(path)) continue;
      if (layer.route._handlesMethod(req.method)) return next();
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on) allowed.add(method.toUpperCase());
    }
    if (allowed.size === 0) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    res.setHeader('Allow', [...allowed].sort().join(', '));
    throw new MethodNotAllowedException();
  }
}
