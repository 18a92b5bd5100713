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
import { FormBody, FormPage, rememberFormValues } from '../../platform/forms/form-page.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { CurrentOrigin, requestOrigin, type RequestOrigin } from '../audit/request-origin.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import {
  itemName,
  itemsOf,
  NEW_STEP_FIELDS,
  NewStepDto,
  readDetailsForm,
  STEP_FIELDS,
  StepDto,
  versionOf,
} from './dto/studio-editor.dto.js';
import {
  StudioDetailsPage,
  StudioEditorPresenter,
  StudioStepPage,
  StudioStepsPage,
} from './studio-editor.presenter.js';
import { StudioEditorService, type DraftEdit } from './studio-editor.service.js';
import { STUDIO_ROLES } from './studio-roles.js';
import { revisionNumberOf, revisionPath } from './studio-paths.js';

const REVISION = 'staff/services/:slug/revisions/:n';

/**
 * The draft editor (issue 14): a revision's page, the service's details, its
 * steps and each step's texts and questions, for service designers and admins.
 * Thin: StudioEditorService runs each change on the draft as saved (409 when
 * someone saved since), the presenter builds the pages.
 */
@Controller(REVISION)
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...STUDIO_ROLES)
export class StudioEditorController {
  constructor(
    private readonly editor: StudioEditorService,
    private readonly presenter: StudioEditorPresenter,
  ) {}

  @Get()
  async revision(
    @Param('slug') slug: string,
    @Param('n') n: string,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const { revision, failing } = await this.editor.revision(actor, slug, revisionNumberOf(n));
    this.presenter.revisionPage(req, res, revision, failing);
  }

  // -- details --

  @Get('details')
  showDetails(@Req() req: Request, @Res() res: Response) {
    return this.presenter.details(req, res, { status: 200 });
  }

  @Post('details')
  @FormPage(StudioDetailsPage)
  async saveDetails(
    @Param('slug') slug: string,
    @Param('n') n: string,
    @Body() body: unknown,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const form = readDetailsForm(body);
    rememberFormValues(req, form.values);
    await this.editor.saveDetails(
      actor,
      slug,
      revisionNumberOf(n),
      versionOf(form.values.version),
      form,
      origin,
    );
    const base = revisionPath(slug, revisionNumberOf(n));
    if (form.action) {
      // Back to the list just changed: its new item's first box, or the list.
      const { list, part } = form.action;
      const anchor =
        form.action.kind === 'add'
          ? itemName(list, part, itemsOf(form.values, list, part).length, 'fr')
          : `${list}-${part}`;
      this.notify(req, `studioEditor.notices.item.${form.action.kind}`);
      return req.session.save(() => res.redirect(303, `${base}/details#${anchor}`));
    }
    this.notify(req, 'studioEditor.notices.details');
    req.session.save(() => res.redirect(303, `${base}/details`));
  }

  // -- steps --

  @Get('steps')
  showSteps(@Req() req: Request, @Res() res: Response) {
    return this.presenter.steps(req, res, { status: 200 });
  }

  @Post('steps')
  @FormPage(StudioStepsPage)
  async addStep(
    @Param('slug') slug: string,
    @Param('n') n: string,
    @FormBody(NewStepDto, NEW_STEP_FIELDS) dto: NewStepDto,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const edit: DraftEdit = {
      kind: 'add-step',
      slug: dto.slug,
      title: { fr: dto.titleFr, en: dto.titleEn },
      typed: { slug: dto.slug, titleFr: dto.titleFr, titleEn: dto.titleEn },
    };
    await this.editor.edit(actor, slug, revisionNumberOf(n), versionOf(dto.version), edit, origin);
    this.notify(req, 'studioEditor.notices.stepAdded', { step: dto.slug });
    req.session.save(() =>
      res.redirect(
        303,
        `${revisionPath(slug, revisionNumberOf(n))}/steps/${encodeURIComponent(dto.slug)}`,
      ),
    );
  }

  @Get('steps/:step/remove')
  confirmRemoveStep(@Req() req: Request, @Res() res: Response) {
    return this.presenter.confirmRemove(req, res, { status: 200 });
  }

  /** A step's buttons on the steps page: move-up, move-down, duplicate, remove. */
  @Post('steps/:step/:action')
  @FormPage(StudioStepsPage)
  stepAction(
    @Param('step') step: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.stepsAction(actor, req, res, body, stepEdit(action, step));
  }

  // -- one step --

  @Get('steps/:step')
  showStep(@Req() req: Request, @Res() res: Response) {
    return this.presenter.step(req, res, { status: 200 });
  }

  @Post('steps/:step')
  @FormPage(StudioStepPage)
  async saveStep(
    @Param('slug') slug: string,
    @Param('n') n: string,
    @Param('step') step: string,
    @FormBody(StepDto, STEP_FIELDS) dto: StepDto,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const edit: DraftEdit = {
      kind: 'step',
      step,
      texts: {
        title: { fr: dto.titleFr, en: dto.titleEn },
        intro: { fr: dto.introFr, en: dto.introEn },
        businessOnly: dto.businessOnly === 'yes',
      },
    };
    await this.editor.edit(actor, slug, revisionNumberOf(n), versionOf(dto.version), edit, origin);
    this.notify(req, 'studioEditor.notices.stepSaved');
    req.session.save(() =>
      res.redirect(
        303,
        `${revisionPath(slug, revisionNumberOf(n))}/steps/${encodeURIComponent(step)}`,
      ),
    );
  }

  @Get('steps/:step/fields/:field/remove')
  confirmRemoveField(@Req() req: Request, @Res() res: Response) {
    return this.presenter.confirmRemove(req, res, { status: 200 });
  }

  /** A question's buttons on its step's page: move-up, move-down, duplicate, remove. */
  @Post('steps/:step/fields/:field/:action')
  @FormPage(StudioStepPage)
  fieldAction(
    @Param('step') step: string,
    @Param('field') field: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.questionAction(actor, req, res, body, fieldEdit(action, step, field));
  }

  // ---------------------------------------------------------------------------

  /** A button of the steps page: the change, then the steps page again. */
  private async stepsAction(
    actor: StaffActor,
    req: Request,
    res: Response,
    body: unknown,
    edit: DraftEdit,
  ) {
    await this.apply(actor, req, res, body, edit);
    const slug = String(req.params.slug);
    this.notify(req, `studioEditor.notices.${edit.kind}`, { step: String(req.params.step) });
    const anchor = edit.kind === 'remove-step' ? '' : `#step-${String(req.params.step)}`;
    req.session.save(() =>
      res.redirect(303, `${revisionPath(slug, revisionNumberOf(req.params.n))}/steps${anchor}`),
    );
  }

  /** A button of a step's questions: the change, then the step's page again. */
  private async questionAction(
    actor: StaffActor,
    req: Request,
    res: Response,
    body: unknown,
    edit: DraftEdit,
  ) {
    await this.apply(actor, req, res, body, edit);
    const slug = String(req.params.slug);
    const step = String(req.params.step);
    this.notify(req, `studioEditor.notices.${edit.kind}`, { field: String(req.params.field) });
    const anchor = edit.kind === 'remove-field' ? '#fields' : `#field-${String(req.params.field)}`;
    req.session.save(() =>
      res.redirect(
        303,
        `${revisionPath(slug, revisionNumberOf(req.params.n))}/steps/${encodeURIComponent(step)}${anchor}`,
      ),
    );
  }

  private apply(actor: StaffActor, req: Request, res: Response, body: unknown, edit: DraftEdit) {
    const version = versionOf((body as Record<string, unknown> | undefined)?.version);
    return this.editor.edit(
      actor,
      String(req.params.slug),
      revisionNumberOf(req.params.n),
      version,
      edit,
      requestOrigin(req, res),
    );
  }

  private notify(req: Request, key: string, params?: Record<string, string>) {
    req.session.studioEditorNotice = { key, params };
  }
}

/** The change a step's button asks for; an unknown button is not a page (404). */
function stepEdit(action: string, step: string): DraftEdit {
  switch (action) {
    case 'move-up':
      return { kind: 'move-step', step, direction: 'up' };
    case 'move-down':
      return { kind: 'move-step', step, direction: 'down' };
    case 'duplicate':
      return { kind: 'duplicate-step', step };
    case 'remove':
      return { kind: 'remove-step', step };
    default:
      throw new NotFoundException();
  }
}

/** The change a question's button asks for; an unknown button is not a page (404). */
function fieldEdit(action: string, step: string, field: string): DraftEdit {
  switch (action) {
    case 'move-up':
      return { kind: 'move-field', step, field, direction: 'up' };
    case 'move-down':
      return { kind: 'move-field', step, field, direction: 'down' };
    case 'duplicate':
      return { kind: 'duplicate-field', step, field };
    case 'remove':
      return { kind: 'remove-field', step, field };
    default:
      throw new NotFoundException();
  }
}
