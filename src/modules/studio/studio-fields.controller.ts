import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage, rememberFormValues } from '../../platform/forms/form-page.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { requestOrigin } from '../audit/request-origin.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { readFieldForm, readRuleForm } from './field-edits.js';
import { StudioFieldEditPage, StudioFieldNewPage, StudioRulesPage } from './studio-fields.pages.js';
import { fieldPath } from './studio-fields.presenter.js';
import { revisionNumberOf, revisionPath } from './studio-paths.js';
import { StudioFieldsService } from './studio-fields.service.js';
import { STUDIO_ROLES } from './studio-roles.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the question editor or the rules page after a save. */
    studioFieldsNotice?: { key: string; values?: Record<string, string> };
  }
}

const REVISION = 'staff/services/:slug/revisions/:n';

/**
 * A draft's question editor and its cross-field rules (issue 14), for
 * service designers and admins: choose a new question's type, edit one
 * question (a group's questions too), add and remove rules. Thin: each
 * handler reads the form and calls one StudioFieldsService method; refusals
 * go back to the page with what was typed (`@FormPage`).
 */
@Controller(REVISION)
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...STUDIO_ROLES)
export class StudioFieldsController {
  constructor(
    private readonly fields: StudioFieldsService,
    private readonly newPage: StudioFieldNewPage,
    private readonly editPage: StudioFieldEditPage,
    private readonly rulesPage: StudioRulesPage,
    private readonly i18n: I18nService,
  ) {}

  @Get('steps/:step/fields/new')
  async showNew(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const revision = await this.fields.draftStep(actor, p.slug, revisionNumberOf(p.n), p.step);
    this.newPage.show(req, res, 200, revision, { step: p.step }, {});
  }

  @Get('steps/:step/fields/:field/fields/new')
  async showNewInGroup(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const editor = await this.fields.editor(actor, p.slug, revisionNumberOf(p.n), {
      step: p.step,
      field: p.field,
    });
    if (editor.located.field.type !== 'group') throw new NotFoundException();
    this.newPage.show(req, res, 200, editor.revision, { step: p.step, group: p.field }, {});
  }

  /** Adds a question to a step, or to a group (`…/fields/:field/fields/new`), then opens it. */
  @Post(['steps/:step/fields/new', 'steps/:step/fields/:field/fields/new'])
  @FormPage(StudioFieldNewPage, { field: 'type' })
  async create(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = this.remember(req, readFieldForm(body));
    const group = p.field;
    const name = await this.fields.addField(
      actor,
      p.slug,
      revisionNumberOf(p.n),
      group ? { step: p.step, group } : { step: p.step },
      values,
      requestOrigin(req, res),
    );
    res.redirect(
      303,
      fieldPath(
        p.slug,
        revisionNumberOf(p.n),
        group ? { step: p.step, field: group, sub: name } : { step: p.step, field: name },
      ),
    );
  }

  /** A question's editor, or a group's question's (`…/fields/:field/fields/:sub`). */
  @Get(['steps/:step/fields/:field', 'steps/:step/fields/:field/fields/:sub'])
  async showField(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.showEditor(actor, p, req, res);
  }

  @Post(['steps/:step/fields/:field', 'steps/:step/fields/:field/fields/:sub'])
  @FormPage(StudioFieldEditPage)
  async saveField(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.save(actor, p, body, req, res);
  }

  @Get('rules')
  async showRules(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const revision = await this.fields.rules(actor, p.slug, revisionNumberOf(p.n));
    this.rulesPage.show(req, res, 200, revision, {}, { errors: [], notice: this.notice(req, res) });
  }

  @Post('rules')
  @FormPage(StudioRulesPage)
  async addRule(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = this.remember(req, readRuleForm(body));
    await this.fields.addRule(
      actor,
      p.slug,
      revisionNumberOf(p.n),
      values,
      requestOrigin(req, res),
    );
    this.redirectWith(
      req,
      res,
      `${revisionPath(p.slug, revisionNumberOf(p.n))}/rules`,
      'studioFields.notices.ruleAdded',
    );
  }

  /** Asks to confirm: removing a rule is not undone. */
  @Get('rules/:index/remove')
  async confirmRemoveRule(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const index = ruleIndex(p.index);
    const { revision } = await this.fields.rule(actor, p.slug, revisionNumberOf(p.n), index);
    this.rulesPage.confirmRemoval(req, res, revision, index);
  }

  @Post('rules/:index/remove')
  @FormPage(StudioRulesPage)
  async removeRule(
    @CurrentStaff() actor: StaffActor,
    @Param() p: Record<string, string>,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = this.remember(req, { version: readRuleForm(body).version ?? '' });
    const index = ruleIndex(p.index);
    await this.fields.removeRule(
      actor,
      p.slug,
      revisionNumberOf(p.n),
      index,
      values,
      requestOrigin(req, res),
    );
    this.redirectWith(
      req,
      res,
      `${revisionPath(p.slug, revisionNumberOf(p.n))}/rules`,
      'studioFields.notices.ruleRemoved',
    );
  }

  // ---------------------------------------------------------------------------

  private async showEditor(
    actor: StaffActor,
    p: Record<string, string>,
    req: Request,
    res: Response,
  ) {
    const editor = await this.fields.editor(actor, p.slug, revisionNumberOf(p.n), {
      step: p.step,
      field: p.field,
      sub: p.sub,
    });
    this.editPage.show(req, res, 200, editor, undefined, {
      errors: [],
      notice: this.notice(req, res),
    });
  }

  private async save(
    actor: StaffActor,
    p: Record<string, string>,
    body: unknown,
    req: Request,
    res: Response,
  ) {
    const values = this.remember(req, readFieldForm(body));
    const path = { step: p.step, field: p.field, sub: p.sub };
    const saved = await this.fields.saveField(
      actor,
      p.slug,
      revisionNumberOf(p.n),
      path,
      values,
      requestOrigin(req, res),
    );
    const renamed =
      p.sub === undefined ? { ...path, field: saved.name } : { ...path, sub: saved.name };
    const to = fieldPath(p.slug, revisionNumberOf(p.n), renamed);
    if (saved.action.kind === 'addSub') return res.redirect(303, `${to}/fields/new`);
    if (saved.action.kind === 'move')
      return res.redirect(
        303,
        `${to}#${saved.action.list === 'option' ? 'options' : 'sub-fields'}`,
      );
    this.redirectWith(req, res, to, 'studioFields.notices.saved');
  }

  private remember<T extends Record<string, string>>(req: Request, values: T): T {
    rememberFormValues(req, values);
    return values;
  }

  private redirectWith(req: Request, res: Response, to: string, key: string) {
    req.session.studioFieldsNotice = { key };
    req.session.save(() => res.redirect(303, to));
  }

  private notice(req: Request, res: Response): string | undefined {
    const notice = req.session.studioFieldsNotice;
    if (!notice) return undefined;
    delete req.session.studioFieldsNotice;
    return this.i18n.t(res.locals.locale as Locale, notice.key, notice.values);
  }
}

function ruleIndex(param: string): number {
  return /^\d{1,3}$/.test(param) ? Number(param) : -1;
}
