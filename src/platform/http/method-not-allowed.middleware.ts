import { Injectable, MethodNotAllowedException, type NestMiddleware } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';

interface RouteLayer {
  match(path: string): unknown;
  route?: { methods: Record<string, boolean>; _handlesMethod(method: string): boolean };
}

/** How many answers (method and path) are remembered; the oldest goes first. */
const REMEMBERED = 10_000;
/** Longer paths are worked out each time: 10,000 of them stay under 10 MB. */
const LONGEST_REMEMBERED = 512;

/**
 * A known address asked with a method it does not take (`DELETE /sign-in`,
 * `PUT /api/v1/applications`) is answered 405 with an `Allow` header listing
 * the methods it takes, instead of 404. Read from the router itself, so every
 * route, present or future, is covered; unknown addresses stay 404.
 *
 * The answer depends only on the method and the path, and the routes do not
 * change once the portal serves: it is worked out once per method and path
 * (every route's pattern tried in turn) and remembered (the 10,000 most
 * recent, paths up to 512 characters), so a page asked again costs one map
 * lookup instead of a pass over the router (ADR 0037).
 */
@Injectable()
export class MethodNotAllowedMiddleware implements NestMiddleware {
  /** `GET /path` → undefined when some route takes it, else the `Allow` header. */
  private readonly answers = new Map<string, string | undefined>();

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method === 'OPTIONS') return next();
    // The whole path: Nest mounts middleware on a path, which req.path is relative to.
    const path = req.originalUrl.split('?')[0];
    const key = `${req.method} ${path}`;
    let allow: string | undefined;
    if (this.answers.has(key)) allow = this.answers.get(key);
    else {
      allow = this.allowHeader(req.method, path);
      if (key.length <= LONGEST_REMEMBERED) {
        if (this.answers.size >= REMEMBERED) this.answers.delete(this.answers.keys().next().value!);
        this.answers.set(key, allow);
      }
    }
    if (allow === undefined) return next();
    res.setHeader('Allow', allow);
    throw new MethodNotAllowedException();
  }

  /** The methods `path` takes when no route takes `method` there, else undefined. */
  private allowHeader(requested: string, path: string): string | undefined {
    const express = this.adapterHost.httpAdapter.getInstance<{
      router: { stack: RouteLayer[] };
    }>();
    const allowed = new Set<string>();
    for (const layer of express.router.stack) {
      if (!layer.route || !layer.match(path)) continue;
      if (layer.route._handlesMethod(requested)) return undefined;
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on) allowed.add(method.toUpperCase());
    }
    if (allowed.size === 0) return undefined;
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort().join(', ');
  }
}
