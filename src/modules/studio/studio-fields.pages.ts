import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import type { FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { FieldDefinition } from '../catalogue/form-schema.js';
import type { Localized } from '../catalogue/service-definition.js';
import { staffActorOf, type StaffActor } from '../staff/staff-roles.guard.js';
import { fieldValues, type FieldForm } from './field-edits.js';
import type { Revision } from './service-revisions.service.js';
import { StudioFieldsPresenter } from './studio-fields.presenter.js';
import { StudioFieldsService, type FieldEditor } from './studio-fields.service.js';
import { revisionNumberOf } from './studio-paths.js';

/*
 * The question editor's pages (issue 14): each shows its page (`show`) and is
 * the page a refused post goes back to (`@FormPage`): what was typed, the
 * problems beside their inputs, and after a 409 the draft's current version in
 * the hidden field (saving again, after reviewing, then succeeds). The view
 * models are StudioFieldsPresenter's.
 */

/** What a page shows after a refusal: the message of a 409 apart, field errors in the summary. */
function stateOf(form: FormState, i18n: I18nService, locale: Locale) {
  if (form.refusal && form.refusal.status === 409)
    return { errors: [] as FieldError[], conflict: form.refusal.translated(i18n, locale) };
  return { errors: form.errors, conflict: undefined };
}

function params(req: Request) {
  const p = req.params as Record<string, string>;
  return { slug: p.slug, number: revisionNumberOf(p.n), step: p.step, field: p.field, sub: p.sub };
}

/** The type chooser (`…/steps/:step/fields/new`, and a group's `…/fields/:field/fields/new`). */
@Injectable()
export class StudioFieldNewPage implements FormPageRenderer {
  constructor(
    private readonly fields: StudioFieldsService,
    private readonly presenter: StudioFieldsPresenter,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    const locale = res.locals.locale as Locale;
    const p = params(req);
    const revision = await this.fields.draftStep(staffOf(req, res), p.slug, p.number, p.step);
    const state = stateOf(form, this.i18n, locale);
    const values = { ...form.values };
    if (state.conflict) values.version = String(revision.version);
    this.show(req, res, status, revision, { step: p.step, group: p.field }, values, state);
  }

  show(
    req: Request,
    res: Response,
    status: number,
    revision: Revision,
    target: { step: string; group?: string },
    values: FieldForm,
    state: { errors: FieldError[]; conflict?: string } = { errors: [] },
  ): void {
    const locale = res.locals.locale as Locale;
    const model = this.presenter.typeChooser(locale, revision, target, values, state);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/fields/new', titleKey: 'studioFields.new.title' },
      status,
      model,
    );
  }
}

/** One question's editor (`…/steps/:step/fields/:field`, and a group's question). */
@Injectable()
export class StudioFieldEditPage implements FormPageRenderer {
  constructor(
    private readonly fields: StudioFieldsService,
    private readonly presenter: StudioFieldsPresenter,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    const locale = res.locals.locale as Locale;
    const p = params(req);
    const editor = await this.fields.editor(staffOf(req, res), p.slug, p.number, {
      step: p.step,
      field: p.field,
      sub: p.sub,
    });
    const state = stateOf(form, this.i18n, locale);
    const values = { ...form.values };
    if (state.conflict) values.version = String(editor.revision.version);
    this.show(req, res, status, editor, values, state);
  }

  show(
    req: Request,
    res: Response,
    status: number,
    editor: FieldEditor,
    values: FieldForm | undefined,
    state: { errors: FieldError[]; conflict?: string; notice?: string } = { errors: [] },
  ): void {
    const locale = res.locals.locale as Locale;
    const shown = values ?? {
      ...fieldValues(editor.located.field),
      version: String(editor.revision.version),
    };
    const model = this.presenter.editor(locale, editor, shown, state);
    const label = labelIn(editor.located.field, locale);
    renderForm(
      req,
      res,
      this.i18n,
      {
        view: 'studio/fields/edit',
        title: this.i18n.t(locale, 'studioFields.edit.title', { label }),
      },
      status,
      model,
    );
  }
}

/** The cross-field rules of a draft (`…/rules`). */
@Injectable()
export class StudioRulesPage implements FormPageRenderer {
  constructor(
    private readonly fields: StudioFieldsService,
    private readonly presenter: StudioFieldsPresenter,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    const locale = res.locals.locale as Locale;
    const p = params(req);
    const revision = await this.fields.rules(staffOf(req, res), p.slug, p.number);
    const state = stateOf(form, this.i18n, locale);
    const values = { ...form.values };
    if (state.conflict) values.version = String(revision.version);
    this.show(req, res, status, revision, values, state);
  }

  show(
    req: Request,
    res: Response,
    status: number,
    revision: Revision,
    values: FieldForm,
    state: { errors: FieldError[]; conflict?: string; notice?: string } = { errors: [] },
  ): void {
    const locale = res.locals.locale as Locale;
    const model = this.presenter.rules(locale, revision, values, state);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/fields/rules', titleKey: 'studioFields.rules.title' },
      status,
      model,
    );
  }
  confirmRemoval(req: Request, res: Response, revision: Revision, index: number): void {
    const locale = res.locals.locale as Locale;
    const model = this.presenter.ruleRemoval(locale, revision, index);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/fields/remove-rule', titleKey: 'studioFields.rules.confirmTitle' },
      200,
      model,
    );
  }
}

/** The signed-in staff member (the guard let them in). */
function staffOf(req: Request, res: Response): StaffActor {
  return staffActorOf(req, res);
}

function labelIn(field: FieldDefinition, locale: Locale): string {
  const label: Localized = field.label;
  return label[locale] || label.fr || field.name;
}
