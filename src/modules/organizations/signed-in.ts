import {
  createParamDecorator,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Account } from '../accounts/account.service.js';
import { SignInRequiredException } from '../staff/staff-roles.guard.js';

const RETURN_TO = 'guichet:sign-in-return';

/**
 * The handler needs someone signed in; anyone else is sent to sign in and back
 * to `returnTo`, whose `:name` parts are filled from the route's parameters
 * (e.g. '/organizations/:id'). Use with `SignedInGuard` and
 * `@UseFilters(SignInRedirectFilter)`. Checked before the body is read, so an
 * anonymous post is sent to sign in whatever it holds.
 */
export const SignedIn = (returnTo: string) => SetMetadata(RETURN_TO, returnTo);

@Injectable()
export class SignedInGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const returnTo = this.reflector.get<string | undefined>(RETURN_TO, context.getHandler());
    if (returnTo === undefined) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (res.locals.account) return true;
    throw new SignInRequiredException(
      returnTo.replace(/:([A-Za-z]+)/g, (_, name: string) => String(req.params[name] ?? '')),
    );
  }
}

/** The signed-in person (only on handlers marked `@SignedIn`). */
export const CurrentAccount = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Account =>
    ctx.switchToHttp().getResponse<Response>().locals.account as Account,
);

/** The signed-in person, or undefined after answering with a redirect to sign in (coming back to `returnTo`). */
export function signedIn(res: Response, returnTo: string): Account | undefined {
  const account = res.locals.account as Account | undefined;
  if (!account) res.redirect(303, `/sign-in?return=${encodeURIComponent(returnTo)}`);
  return account;
}
