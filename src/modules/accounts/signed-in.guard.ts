import {
  applyDecorators,
  Catch,
  createParamDecorator,
  Injectable,
  SetMetadata,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import { signedInWithin } from '../../platform/http/sessions.js';
import type { Account } from './account.service.js';

const RETURN_KEY = 'guichet:sign-in-return';
const RECENT_PASSWORD_KEY = 'guichet:recent-password';

/**
 * Nobody is signed in: answered by `SignInRedirectFilter` with a 303 to the
 * sign-in page, which comes back to `returnTo` afterwards. `SignedInGuard`
 * throws it, and so does `StaffRolesGuard` (with its own return address).
 */
export class SignInRequired extends Error {
  /**
   * `signIn`: where to prove who you are; `/sign-in` unless a page asks more
   * (the staff area's second factor, ADR 0046).
   */
  constructor(
    readonly returnTo: string,
    readonly signIn = '/sign-in',
  ) {
    super('sign-in required');
    this.name = 'SignInRequired';
  }
}

/** Answers SignInRequired with a 303 to its sign-in page, coming back to its address afterwards. */
@Catch(SignInRequired)
export class SignInRedirectFilter implements ExceptionFilter {
  catch(exception: SignInRequired, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<Response>();
    const joiner = exception.signIn.includes('?') ? '&' : '?';
    res.redirect(
      303,
      `${exception.signIn}${joiner}return=${encodeURIComponent(exception.returnTo)}`,
    );
  }
}

/** `template` with each `:name` part filled from the route's parameters ('/organizations/:id'). */
function fill(template: string, params: Record<string, string | undefined>): string {
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) => String(params[name] ?? ''));
}

/**
 * The one "signed in" check: someone signed in (the session middleware set
 * `res.locals.account`) goes on; anyone else is sent to sign in, coming back
 * to the handler's (or controller's) `@SignedIn(returnTo)` address, or to the
 * page asked for (`req.originalUrl`) when it names none. As a guard it answers
 * before any form body is read, so an anonymous post is sent to sign in
 * whatever it holds. Apply it with `@SignedIn()`.
 */
@Injectable()
export class SignedInGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (res.locals.account) return true;
    const returnTo = this.reflector.getAllAndOverride<string | undefined>(RETURN_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    throw new SignInRequired(
      returnTo === undefined
        ? req.originalUrl
        : fill(returnTo, req.params as Record<string, string | undefined>),
    );
  }
}

/**
 * The handler (or every handler of the controller) needs someone signed in;
 * anyone else is sent to sign in and back to `returnTo`, whose `:name` parts
 * are filled from the route's parameters (`@SignedIn('/organizations/:id')`),
 * or, without `returnTo`, back to the page asked for.
 */
export const SignedIn = (returnTo?: string) =>
  applyDecorators(
    ...(returnTo === undefined ? [] : [SetMetadata(RETURN_KEY, returnTo)]),
    UseGuards(SignedInGuard),
    UseFilters(SignInRedirectFilter),
  );

/** The signed-in account (set by the session middleware; behind `@SignedIn`). */
export const CurrentAccount = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Account =>
    ctx.switchToHttp().getResponse<Response>().locals.account as Account,
);

/**
 * Before an action that grants lasting access (an SME's API key, ADR 0046):
 * a password sign-in at most REAUTH_MINUTES old, or the sign-in page again
 * (saying why), coming back to `returnTo` (`:name` parts from the route). Put
 * it after `@SignedIn`.
 */
@Injectable()
export class RecentPasswordGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (signedInWithin(req.session, this.config.REAUTH_MINUTES)) return true;
    const returnTo = this.reflector.getAllAndOverride<string>(RECENT_PASSWORD_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    throw new SignInRequired(
      fill(returnTo, req.params as Record<string, string | undefined>),
      '/sign-in?again=1',
    );
  }
}

export const RecentPassword = (returnTo: string) =>
  applyDecorators(SetMetadata(RECENT_PASSWORD_KEY, returnTo), UseGuards(RecentPasswordGuard));
