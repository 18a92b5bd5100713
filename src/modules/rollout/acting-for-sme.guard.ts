import {
  applyDecorators,
  Catch,
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
import type { Response } from 'express';
import type { ActingAs } from '../accounts/acting-as.js';
import { SignedIn } from '../accounts/signed-in.guard.js';

const OTHERWISE = Symbol('actingForSmeOtherwise');

/** Someone who may not post the form (yet) is sent elsewhere, with 303. */
export class SeeOther extends Error {
  constructor(readonly location: string) {
    super('see other');
  }
}

@Catch(SeeOther)
export class SeeOtherFilter implements ExceptionFilter {
  catch(exception: SeeOther, host: ArgumentsHost) {
    host.switchToHttp().getResponse<Response>().redirect(303, exception.location);
  }
}

/**
 * Someone signed in but not acting for an SME is sent to the handler's
 * `otherwise` address (303). Runs after `SignedInGuard` (see `ActingForSme`),
 * before the form is read.
 */
@Injectable()
export class ActingForSmeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const otherwise = this.reflector.get<string>(OTHERWISE, context.getHandler());
    const res = context.switchToHttp().getResponse<Response>();
    const actingAs = res.locals.actingAs as ActingAs;
    if (actingAs.audience === 'business' && actingAs.organization) return true;
    throw new SeeOther(otherwise);
  }
}

/**
 * The handler is for someone signed in (`@SignedIn(returnTo)`: anyone else
 * signs in first, coming back to `returnTo`) and acting for an SME (anyone
 * else goes to `otherwise`). The two guards run in that order.
 */
export const ActingForSme = (access: { returnTo: string; otherwise: string }) =>
  applyDecorators(
    SignedIn(access.returnTo),
    SetMetadata(OTHERWISE, access.otherwise),
    UseGuards(ActingForSmeGuard),
    UseFilters(SeeOtherFilter),
  );
