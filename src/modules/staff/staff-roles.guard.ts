import {
  createParamDecorator,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import { SignInRequired } from '../accounts/signed-in.guard.js';
import { StaffReadModel } from './staff.read-model.js';
import { holdsRole, type StaffRole } from './staff-role.js';

const STAFF_ROLES_KEY = 'guichet:staff-roles';
const RECENT_KEY = 'guichet:staff-recent-sign-in';

/**
 * The staff roles that may use a handler (or every handler of a controller).
 * With no role listed, any staff member may.
 */
export const StaffRoles = (...roles: StaffRole[]) => SetMetadata(STAFF_ROLES_KEY, roles);

/**
 * A sensitive action (roles, removal from staff, a rollout override): the
 * person must have given their second factor, or signed in with the
 * directory, within REAUTH_MINUTES; otherwise they confirm it first and
 * come back to `returnTo` (`:name` parts filled from the route), the form.
 */
export const RecentSignIn = (returnTo: string) => SetMetadata(RECENT_KEY, returnTo);

/**
 * Staff pages: anonymous → sign in (SignInRequired, the same redirect as
 * `@SignedIn`, coming back to the page asked for, or to /staff after a post);
 * signed in but not staff → 404 (the staff area is not revealed); staff
 * holding none of the roles → 403. Sets `res.locals.staffRoles` (all the roles
 * the person holds, read from the database on every request).
 * Use with `@UseFilters(SignInRedirectFilter)` (accounts/signed-in.guard.ts).
 */
@Injectable()
export class StaffRolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly staff: StaffReadModel,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const accountId = req.session?.accountId;
    if (!accountId) {
      throw new SignInRequired(req.method === 'GET' ? req.originalUrl : '/staff');
    }
    const { roles, directoryLinked } = await this.staff.access(accountId);
    if (roles.length === 0) throw new NotFoundException();
    const allowed =
      this.reflector.getAllAndOverride<StaffRole[] | undefined>(STAFF_ROLES_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    if (allowed.length > 0 && !holdsRole(roles, allowed)) throw new ForbiddenException();
    // Someone the city's directory knows comes in through it (ADR 0045): a
    // Guichet password set before, or since, does not open the staff area.
    if (directoryLinked && this.config.OIDC_ISSUER && req.session.signedInWith !== 'directory')
      throw new SignInRequired(req.method === 'GET' ? req.originalUrl : '/staff', '/staff/sign-in');
    this.checkSecondFactor(context, req);
    res.locals.staffRoles = roles;
    return true;
  }

  /**
   * ADR 0046: a password alone does not open the staff area; a sensitive
   * action also needs the proof to be recent. A directory sign-in counts as
   * the proof (the directory applies the city's own second factor).
   */
  private checkSecondFactor(context: ExecutionContext, req: Request) {
    const directory = req.session.signedInWith === 'directory';
    if (this.config.STAFF_SECOND_FACTOR === 'off' && !directory) return;
    const here = req.method === 'GET' ? req.originalUrl : '/staff';
    const proved = req.session.strongAuthAt;
    if (!proved)
      throw new SignInRequired(here, directory ? '/staff/sign-in' : '/staff/second-factor');
    const recent = this.reflector.getAllAndOverride<string | undefined>(RECENT_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!recent || Date.now() - proved <= this.config.REAUTH_MINUTES * 60_000) return;
    const back = recent.replace(/:([A-Za-z]+)/g, (_, name: string) =>
      encodeURIComponent(String(req.params[name] ?? '')),
    );
    throw new SignInRequired(back, directory ? '/staff/sign-in?again=1' : '/staff/second-factor');
  }
}

/** The staff member acting on this request, as `StaffRolesGuard` let them in. */
export interface StaffActor {
  accountId: string;
  /** Every role they hold (never empty), in `STAFF_ROLES`'s order. */
  roles: readonly StaffRole[];
}

/** The staff member of a request `StaffRolesGuard` let in (for page objects outside controllers). */
export function staffActorOf(req: Request, res: Response): StaffActor {
  return { accountId: req.session.accountId!, roles: res.locals.staffRoles as StaffRole[] };
}

/** The current staff member (only on handlers behind `StaffRolesGuard`). */
export const CurrentStaff = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): StaffActor => {
    const http = ctx.switchToHttp();
    return staffActorOf(http.getRequest<Request>(), http.getResponse<Response>());
  },
);
