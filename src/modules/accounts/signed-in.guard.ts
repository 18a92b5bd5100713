import {
  Catch,
  createParamDecorator,
  Injectable,
  SetMetadata,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Account } from './account.service.js';

const RETURN_KEY = 'guichet:sign-in-return';

/** Where the sign-in page sends back to, when it is not the page asked for. */
export const SignInReturn = (path: string) => SetMetadata(RETURN_KEY, path);

/** Nobody is signed in: answered with a 303 to the sign-in page by `SignInFirstFilter`. */
export class SignInFirst extends Error {
  constructor(readonly returnTo: string) {
    super('sign-in required');
    this.name = 'SignInFirst';
  }
}

@Catch(SignInFirst)
export class SignInFirstFilter implements ExceptionFilter {
  catch(exception: SignInFirst, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<Response>();
    res.redirect(303, `/sign-in?return=${encodeURIComponent(exception.returnTo)}`);
  }
}

/**
 * Pages for signed-in people only: nobody signed in → 303 to the sign-in page,
 * coming back to the page asked for (or to `@SignInReturn`). As a guard, it
 * answers before the form body is read. Use with `@UseFilters(SignInFirstFilter)`.
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
    throw new SignInFirst(returnTo ?? req.originalUrl);
  }
}

/** The signed-in account (set by the session middleware; behind `SignedInGuard`). */
export const CurrentAccount = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Account =>
    ctx.switchToHttp().getResponse<Response>().locals.account as Account,
);
