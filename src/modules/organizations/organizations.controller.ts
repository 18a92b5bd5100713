import { Body, Controller, Get, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByField, validateForm, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import type { Account } from '../accounts/account.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { INVITATION_FIELDS, InvitationDto, isRole, type Role } from './dto/invitation.dto.js';
import {
  normalizeNeq,
  normalizePhone,
  normalizePostalCode,
  ORGANIZATION_FIELDS,
  OrganizationDto,
  parseEmployeeCount,
} from './dto/organization.dto.js';
import { NAICS_SECTORS } from './naics-sectors.js';
import {
  OrganizationService,
  type OrganizationProblem,
  type OrganizationView,
} from './organization.service.js';

export const origin = requestOrigin;

/** The signed-in person, or undefined after answering with a redirect to sign in (coming back to `returnTo`). */
export function signedIn(res: Response, returnTo: string): Account | undefined {
  const account = res.locals.account as Account | undefined;
  if (!account) res.redirect(303, `/sign-in?return=${encodeURIComponent(returnTo)}`);
  return account;
}

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/** "My businesses": registering an SME, its page, and its owners managing who belongs to it. */
@Controller('organizations')
export class OrganizationsController {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly i18n: I18nService,
    private readonly limiter: RateLimiter,
  ) {}

  @Get()
  async list(@Res() res: Response) {
    const account = signedIn(res, '/organizations');
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const memberships = await this.organizations.membershipsOf(account.id);
    res.render('organizations/list', {
      pageTitle: this.i18n.t(locale, 'organizations.list.title'),
      navActive: 'organizations',
      memberships: memberships.map((m) => ({
        ...m,
        roleLabel: this.i18n.t(locale, `organizations.roles.${m.role}`),
      })),
    });
  }

  @Get('new')
  showNew(@Req() req: Request, @Res() res: Response) {
    if (!signedIn(res, '/organizations/new')) return;
    this.renderNew(req, res, 200, {});
  }

  @Post('new')
  async create(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const account = signedIn(res, '/organizations/new');
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const form = await validateForm(OrganizationDto, body, ORGANIZATION_FIELDS, locale, this.i18n);
    const { value } = form;
    const values: Record<string, string> = Object.fromEntries(
      ORGANIZATION_FIELDS.map((field) => [field, value[field]]),
    );
    const neq = normalizeNeq(value.neq);
    const errors: FieldError[] = [...form.errors];
    // A registered NEQ in the same pass as the other problems, so all show at once.
    if (neq && (await this.organizations.neqTaken(neq))) errors.push(this.neqTaken(locale));
    errors.sort(
      (x, y) =>
        ORGANIZATION_FIELDS.indexOf(x.field as never) -
        ORGANIZATION_FIELDS.indexOf(y.field as never),
    );
    if (errors.length > 0) return this.renderNew(req, res, 422, { values, errors });

    const result = await this.organizations.register(
      account.id,
      {
        legalName: value.legalName,
        neq: neq!,
        streetAddress: value.streetAddress,
        city: value.city,
        postalCode: normalizePostalCode(value.postalCode)!,
        employeeCount: parseEmployeeCount(value.employeeCount)!,
        naicsCode: value.naicsCode,
        contactName: value.contactName,
        contactEmail: value.contactEmail,
        contactPhone: normalizePhone(value.contactPhone)!,
      },
      origin(req, res),
    );
    // Registered by someone else between the check and the insert.
    if (!result.ok)
      return this.renderNew(req, res, 422, { values, errors: [this.neqTaken(locale)] });
    res.redirect(303, `/organizations/${result.id}`);
  }

  @Get(':id')
  async show(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const account = signedIn(res, `/organizations/${id}`);
    if (!account) return;
    const view = await this.organizations.view(account.id, id);
    if (!view) throw new NotFoundException();
    this.renderShow(req, res, 200, view, account, {});
  }

  @Post(':id/invitations')
  async invite(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = signedIn(res, `/organizations/${id}`);
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const view = await this.organizations.view(account.id, id);
    if (!view) throw new NotFoundException();
    if (view.role !== 'owner') return this.refuse(req, res, view, account, 'forbidden');
    const { value, errors } = await validateForm(
      InvitationDto,
      body,
      INVITATION_FIELDS,
      locale,
      this.i18n,
    );
    const values = { email: value.email, role: value.role };
    if (errors.length > 0) return this.renderShow(req, res, 422, view, account, { values, errors });
    // Invitations send email on the city's behalf: rule invite:account, across instances.
    const limit = await this.limiter.take('invite:account', account.id);
    if (!limit.allowed) {
      res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      const minutes = Math.max(1, Math.ceil(limit.retryAfterSeconds / 60));
      const message = this.i18n.t(locale, 'accounts.errors.tooMany', { minutes });
      return this.renderShow(req, res, 429, view, account, {
        values,
        errors: [{ field: 'email', message }],
      });
    }
    const result = await this.organizations.invite(
      account.id,
      id,
      { email: value.email, role: value.role as Role },
      locale,
      origin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, view, account, result.problem, values);
    res.redirect(303, `/organizations/${id}?invited=1`);
  }

  @Post(':id/members/:accountId/role')
  async changeRole(
    @Param('id') id: string,
    @Param('accountId') memberId: string,
    @Body('role') role: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = signedIn(res, `/organizations/${id}`);
    if (!account) return;
    const view = await this.organizations.view(account.id, id);
    if (!view) throw new NotFoundException();
    if (view.role !== 'owner') return this.refuse(req, res, view, account, 'forbidden');
    if (!isRole(role)) {
      const message = this.i18n.t(res.locals.locale as Locale, 'organizations.errors.roleRequired');
      return this.renderShow(req, res, 422, view, account, {
        errors: [{ field: 'members', message }],
      });
    }
    const result = await this.organizations.changeRole(
      account.id,
      id,
      memberId,
      role,
      origin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, view, account, result.problem);
    res.redirect(303, `/organizations/${id}`);
  }

  @Post(':id/members/:accountId/remove')
  async remove(
    @Param('id') id: string,
    @Param('accountId') memberId: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = signedIn(res, `/organizations/${id}`);
    if (!account) return;
    const view = await this.organizations.view(account.id, id);
    if (!view) throw new NotFoundException();
    if (view.role !== 'owner') return this.refuse(req, res, view, account, 'forbidden');
    const result = await this.organizations.removeMember(
      account.id,
      id,
      memberId,
      origin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, view, account, result.problem);
    // Whoever removed themselves no longer sees the SME.
    res.redirect(303, memberId === account.id ? '/organizations' : `/organizations/${id}`);
  }

  /** Every refusal of the module, answered in one place. */
  private refuse(
    req: Request,
    res: Response,
    view: OrganizationView,
    account: Account,
    problem: OrganizationProblem,
    values: Record<string, string> = {},
  ) {
    const locale = res.locals.locale as Locale;
    switch (problem) {
      case 'not-found':
        throw new NotFoundException();
      case 'forbidden':
        return res.status(403).render('organizations/forbidden', {
          pageTitle: this.i18n.t(locale, 'organizations.forbidden.title'),
          organization: view.organization,
        });
      case 'last-owner':
        return this.renderShow(req, res, 422, view, account, {
          errors: [
            { field: 'members', message: this.i18n.t(locale, 'organizations.errors.lastOwner') },
          ],
        });
      case 'already-member':
        return this.renderShow(req, res, 422, view, account, {
          values,
          errors: [
            { field: 'email', message: this.i18n.t(locale, 'organizations.errors.alreadyMember') },
          ],
        });
      default:
        return assertUnreachable(problem);
    }
  }

  private neqTaken(locale: Locale): FieldError {
    return { field: 'neq', message: this.i18n.t(locale, 'organizations.errors.neqTaken') };
  }

  private renderNew(
    req: Request,
    res: Response,
    status: number,
    data: { values?: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    const chosen = data.values?.naicsCode;
    this.page(req, res, 'organizations/new', status, {
      pageTitle: this.i18n.t(locale, 'organizations.new.title'),
      ...data,
      values: data.values ?? {},
      navActive: 'organizations',
      sectors: NAICS_SECTORS.map((s) => ({
        code: s.code,
        name: s.name[locale],
        selected: s.code === chosen,
      })),
    });
  }

  private renderShow(
    req: Request,
    res: Response,
    status: number,
    view: OrganizationView,
    account: Account,
    data: { values?: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    const date = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      dateStyle: 'long',
      timeZone: 'America/Toronto',
    });
    const sector = NAICS_SECTORS.find((s) => s.code === view.organization.naicsCode);
    const roleLabel = (role: Role) => this.i18n.t(locale, `organizations.roles.${role}`);
    this.page(req, res, 'organizations/show', status, {
      ...data,
      values: data.values ?? { role: 'member' },
      navActive: 'organizations',
      pageTitle: view.organization.legalName,
      organization: view.organization,
      sectorName: sector ? `${sector.name[locale]} (${sector.code})` : view.organization.naicsCode,
      isOwner: view.role === 'owner',
      roleLabel: roleLabel(view.role),
      members: view.members.map((m) => ({
        ...m,
        roleLabel: roleLabel(m.role),
        isOwner: m.role === 'owner',
        isSelf: m.accountId === account.id,
      })),
      invitations: view.invitations.map((i) => ({
        ...i,
        roleLabel: roleLabel(i.role),
        expires: date.format(i.expiresAt),
      })),
      invited: req.query.invited === '1' && status === 200,
    });
  }

  /** A page with forms: the error summary and field messages, and the CSRF token. */
  private page(
    req: Request,
    res: Response,
    view: string,
    status: number,
    data: { pageTitle: string; errors?: FieldError[]; [key: string]: unknown },
  ) {
    const errors = data.errors ?? [];
    res.status(status).render(view, {
      ...data,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }
}
