import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { text } from '../../platform/forms/form.js';
import { renderForm, type FormView } from '../../platform/forms/render-form.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import { I18nService } from '../../platform/i18n/i18n.service.js';
import type { Account } from './account.service.js';
import type { ActingAs } from './acting-as.js';
import { ActingAsService, MYSELF } from './acting-as.service.js';

/**
 * The accounts module's form pages: each shows its form, and shows it again
 * with what was typed (never a password) and the errors when a post is
 * refused (the error filter calls `render`, see `@FormPage`).
 */
// Injectable so that its constructor's parameter types (read by the pages' injection) are recorded.
@Injectable()
abstract class AccountFormPage implements FormPageRenderer {
  protected abstract readonly page: FormView;

  constructor(protected readonly i18n: I18nService) {}

  abstract render(
    req: Request,
    res: Response,
    status: number,
    form: FormState,
  ): void | Promise<void>;

  protected show(req: Request, res: Response, status: number, data: Record<string, unknown>) {
    renderForm(req, res, this.i18n, this.page, status, data);
  }
}

const EMPTY: FormState = { values: {}, errors: [] };

/** The form body as posted (`@Body()`), for pages whose handler reads no DTO. */
function posted(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

@Injectable()
export class RegisterPage extends AccountFormPage {
  protected readonly page = { view: 'accounts/register', titleKey: 'accounts.register.title' };

  /** The empty form, the language of the page chosen for the messages. */
  blank(req: Request, res: Response) {
    this.show(req, res, 200, { values: { preferredLocale: res.locals.locale } });
  }

  /**
   * The service reads the registration form itself (AccountService.register),
   * so what was typed comes from the body, trimmed as the form's rules trim it.
   */
  render(req: Request, res: Response, status: number, { errors }: FormState) {
    const body = posted(req);
    const values = {
      displayName: text(body.displayName),
      email: text(body.email),
      preferredLocale: typeof body.preferredLocale === 'string' ? body.preferredLocale : '',
    };
    this.show(req, res, status, { values, errors });
  }
}

@Injectable()
export class SignInPage extends AccountFormPage {
  protected readonly page = { view: 'accounts/sign-in', titleKey: 'accounts.signIn.title' };

  /** `again`: a signed-in person asked to confirm their password before an action. */
  blank(req: Request, res: Response, returnTo: unknown, again = false) {
    this.show(req, res, 200, {
      values: {},
      returnTo: safeReturnPath(returnTo, '/account'),
      again,
    });
  }

  render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    this.show(req, res, status, {
      values: { email: values.email },
      errors,
      returnTo: safeReturnPath(posted(req).return, '/account'),
    });
  }
}

@Injectable()
export class PasswordResetPage extends AccountFormPage {
  protected readonly page = { view: 'accounts/password-reset', titleKey: 'accounts.reset.title' };

  blank(req: Request, res: Response) {
    this.render(req, res, 200, EMPTY);
  }

  render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    this.show(req, res, status, {
      values: values.email === undefined ? {} : { email: values.email },
      errors,
    });
  }
}

@Injectable()
export class ChoosePasswordPage extends AccountFormPage {
  protected readonly page = {
    view: 'accounts/password-choose',
    titleKey: 'accounts.reset.chooseTitle',
  };

  blank(req: Request, res: Response, token: unknown) {
    this.show(req, res, 200, { token: text(token) });
  }

  render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    this.show(req, res, status, { token: values.token ?? '', errors });
  }
}

@Injectable()
export class ProfilePage extends AccountFormPage {
  protected readonly page = { view: 'accounts/profile', titleKey: 'accounts.profile.title' };

  /** The form filled with the account's details. */
  blank(req: Request, res: Response, account: Account) {
    this.show(req, res, 200, {
      values: { displayName: account.displayName, preferredLocale: account.preferredLocale },
    });
  }

  render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    this.show(req, res, status, {
      values: { displayName: values.displayName, preferredLocale: values.preferredLocale },
      errors,
    });
  }
}

/** "Change your password": the form never shows a password again. */
@Injectable()
export class ChangePasswordPage extends AccountFormPage {
  protected readonly page = {
    view: 'accounts/change-password',
    titleKey: 'accounts.changePassword.title',
  };

  blank(req: Request, res: Response) {
    this.show(req, res, 200, {});
  }

  render(req: Request, res: Response, status: number, { errors }: FormState) {
    this.show(req, res, status, { errors });
  }
}

/**
 * "Change your email address": the current one shown, the new one asked with
 * the current password (never shown again).
 */
@Injectable()
export class ChangeEmailPage extends AccountFormPage {
  protected readonly page = {
    view: 'accounts/change-email',
    titleKey: 'accounts.changeEmail.title',
  };

  blank(req: Request, res: Response) {
    this.render(req, res, 200, EMPTY);
  }

  render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    this.show(req, res, status, {
      account: res.locals.account as Account,
      values: { newEmail: values.newEmail ?? '' },
      errors,
    });
  }
}

/** "Close your account": the form never shows the password again. */
@Injectable()
export class CloseAccountPage extends AccountFormPage {
  protected readonly page = { view: 'accounts/close', titleKey: 'accounts.close.title' };

  blank(req: Request, res: Response) {
    this.show(req, res, 200, {});
  }

  render(req: Request, res: Response, status: number, { errors }: FormState) {
    this.show(req, res, status, { errors });
  }
}

/** "Who are you acting for?": yourself, or one of your SMEs. */
@Injectable()
export class ActingAsPage extends AccountFormPage {
  protected readonly page = { view: 'accounts/acting-as', titleKey: 'actingAs.title' };

  constructor(
    i18n: I18nService,
    private readonly actingAs: ActingAsService,
  ) {
    super(i18n);
  }

  /** The choice in force checked; nobody signed in sees the page without a form. */
  async blank(req: Request, res: Response, current: ActingAs, returnTo: unknown) {
    const account = res.locals.account as Account | undefined;
    this.show(req, res, 200, {
      navActive: 'acting-as',
      returnTo: safeReturnPath(returnTo),
      values: { actingAs: current.organization?.id ?? MYSELF },
      choices: account ? await this.actingAs.choices(account.id) : [],
    });
  }

  async render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    const account = res.locals.account as Account;
    this.show(req, res, status, {
      navActive: 'acting-as',
      returnTo: safeReturnPath(posted(req).return),
      values: { actingAs: values.actingAs },
      choices: await this.actingAs.choices(account.id),
      errors,
    });
  }
}
