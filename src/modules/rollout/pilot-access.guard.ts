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
import type { Request, Response } from 'express';
import type { ActingAs } from '../accounts/acting-as.js';

/** Who may post a pilot form: someone signed in; for volunteering, acting for an SME. */
interface PilotAccess {
  /** Where signing in comes back to. */
  returnTo: (params: Record<string, string>) => string;
  /** Only for someone acting for an SME (anyone else goes back to /pilot). */
  sme?: boolean;
}

const PILOT_ACCESS = Symbol('pilotAccess');

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
 * Checked before the form is read (a guard runs before `@FormBody`): anonymous
 * → sign in, coming back to `returnTo`; volunteering while not acting for an
 * SME → back to /pilot.
 */
@Injectable()
export class PilotAccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.get<PilotAccess | undefined>(PILOT_ACCESS, context.getHandler());
    if (!access) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!res.locals.account)
      throw new SeeOther(
        `/sign-in?return=${encodeURIComponent(access.returnTo(req.params as Record<string, string>))}`,
      );
    const actingAs = res.locals.actingAs as ActingAs;
    if (access.sme && !(actingAs.audience === 'business' && actingAs.organization))
      throw new SeeOther('/pilot');
    return true;
  }
}

/** The pilot handler needs someone signed in (and, with `sme`, acting for an SME). */
export const PilotAccess = (access: PilotAccess) =>
  applyDecorators(
    SetMetadata(PILOT_ACCESS, access),
    UseGuards(PilotAccessGuard),
    UseFilters(SeeOtherFilter),
  );
