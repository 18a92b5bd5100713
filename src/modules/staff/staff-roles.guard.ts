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
import { SignInRequired } from '../accounts/signed-in.guard.js';
import { StaffReadModel } from './staff.read-model.js';
import { holdsRole, type StaffRole } from './staff-role.js';

const STAFF_ROLES_KEY = 'guichet:staff-roles';

/**
 * The staff roles that may use a handler (or every handler of a controller).
 * With no role listed, any staff member may.
 */
export const StaffRoles = (...roles: StaffRole[]) => SetMetadata(STAFF_ROLES_KEY, roles);

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
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const accountId = req.session?.accountId;
    if (!accountId) {
      throw new SignInRequired(req.method === 'GET' ? req.originalUrl : '/staff');
    }
    const roles = await this.staff.rolesOf(accountId);
    if (roles.length === 0) throw new NotFoundException();
    const allowed =
      this.reflector.getAllAndOverride<StaffRole[] | undefined>(STAFF_ROLES_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    if (allowed.length > 0 && !holdsRole(roles, allowed)) throw new ForbiddenException();
    res.locals.staffRoles = roles;
    return true;
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
