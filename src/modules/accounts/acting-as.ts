import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Response } from 'express';
import type { Audience } from '../../platform/flags/flag-context.js';

export interface ActingAsOrganization {
  id: string;
  name: string;
  employeeCount: number;
}

/** Who the user is acting as on this request: themselves (citizen) or an SME. */
export interface ActingAs {
  audience: Audience;
  accountId?: string;
  organization?: ActingAsOrganization;
  staff: boolean;
}

/** The current request's ActingAs, set by the acting-as middleware. */
export const CurrentActingAs = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ActingAs =>
    ctx.switchToHttp().getResponse<Response>().locals.actingAs as ActingAs,
);
