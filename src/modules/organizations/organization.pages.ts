import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { normalizeNeq, ORGANIZATION_FIELDS } from './dto/organization.dto.js';
import type { Organization } from './organization.service.js';
import { OrganizationPresenter } from './organization.presenter.js';
import { OrganizationService } from './organization.service.js';

/**
 * The owners' forms on an SME's page (`/organizations/:id`), shown again after
 * a refusal or an invalid form. Someone who is not a member gets 404; a member
 * who is not an owner gets the 403 page naming the SME, whatever they sent.
 */
@Injectable()
abstract class OwnerFormPage implements FormPageRenderer {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly presenter: OrganizationPresenter,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (status === 404) throw new NotFoundException();
    const account = res.locals.account as Account;
    const view = await this.organizations.view(account.id, String(req.params.id));
    if (!view) throw new NotFoundException();
    if (status === 403 || view.role !== 'owner')
      return this.presenter.forbidden(res, view.organization);
    this.presenter.renderShow(req, res, status, view, account, this.shown(form));
  }

  /** What the page shows of the form that failed. */
  protected abstract shown(form: FormState): Partial<FormState>;
}

/** The "invite someone" form: what was typed comes back, each message beside its field. */
@Injectable()
export class InvitationFormPage extends OwnerFormPage {
  protected shown(form: FormState): Partial<FormState> {
    return form;
  }
}

/**
 * A member's role or removal (the forms in the members' table): the message
 * goes above the table, and the invitation form keeps its defaults.
 */
@Injectable()
export class MembersFormPage extends OwnerFormPage {
  protected shown(form: FormState): Partial<FormState> {
    return { errors: form.errors.map((e) => ({ ...e, field: 'members' })) };
  }
}

/**
 * Why an invitation link cannot be used: the 403 page naming the SME and the
 * address it was sent to (masked), or the 410 page of a link used or expired.
 */
@Injectable()
export class InvitationRefusedPage implements FormPageRenderer {
  constructor(private readonly presenter: OrganizationPresenter) {}

  render(_req: Request, res: Response, _status: number, { refusal }: FormState) {
    if (refusal?.code !== 'not-addressee') return this.presenter.invitationGone(res);
    const params = refusal.details.params ?? {};
    this.presenter.invitationNotAddressee(res, String(params.organization), String(params.email));
  }
}

/**
 * The registration form, shown again with every problem at once: a registered
 * NEQ beside the form's other problems (the service refuses it again when the
 * form is valid, 'duplicate-neq'), with the link to ask staff to review.
 */
@Injectable()
export class NewOrganizationPage implements FormPageRenderer {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly presenter: OrganizationPresenter,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    const errors = [...form.errors];
    const neq = normalizeNeq(form.values.neq ?? '');
    if (!form.refusal && neq && (await this.organizations.neqTaken(neq)))
      errors.push(this.presenter.neqTaken(res.locals.locale as Locale));
    errors.sort(
      (x, y) =>
        ORGANIZATION_FIELDS.indexOf(x.field as never) -
        ORGANIZATION_FIELDS.indexOf(y.field as never),
    );
    this.presenter.renderNew(req, res, status, { values: form.values, errors });
  }
}

/**
 * "Change the SME's details" (`/organizations/:id/edit`), for its owners: the
 * form filled with the SME's details, or shown again with what was typed and
 * the errors. Someone who is not a member gets 404; a member who is not an
 * owner the 403 page naming the SME, whatever they sent.
 */
@Injectable()
export class EditOrganizationPage implements FormPageRenderer {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly presenter: OrganizationPresenter,
  ) {}

  /** The form filled with the SME's details as they are. */
  blank(req: Request, res: Response) {
    return this.render(req, res, 200, { values: {}, errors: [] });
  }

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (status === 404) throw new NotFoundException();
    const account = res.locals.account as Account;
    const view = await this.organizations.view(account.id, String(req.params.id));
    if (!view) throw new NotFoundException();
    if (status === 403 || view.role !== 'owner')
      return this.presenter.forbidden(res, view.organization);
    const values =
      form.errors.length > 0 || status !== 200 ? form.values : detailsOf(view.organization);
    this.presenter.renderEdit(req, res, status, view.organization, { values, errors: form.errors });
  }
}

/** The SME's details as the form shows them. */
function detailsOf(organization: Organization): Record<string, string> {
  return {
    streetAddress: organization.streetAddress,
    city: organization.city,
    postalCode: organization.postalCode,
    employeeCount: String(organization.employeeCount),
    naicsCode: organization.naicsCode,
    contactName: organization.contactName,
    contactEmail: organization.contactEmail,
    contactPhone: organization.contactPhone,
  };
}
