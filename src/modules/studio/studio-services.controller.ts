import {
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import {
  DISCARD_DRAFT_FIELDS,
  DiscardDraftDto,
  NEW_SERVICE_FIELDS,
  NewServiceDto,
  newServiceInput,
  START_DRAFT_FIELDS,
  StartDraftDto,
} from './dto/new-service.dto.js';
import { ServiceDocumentsService } from './service-documents.service.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import {
  revisionHref,
  StudioConfirmPages,
  StudioImportPage,
  StudioNewServicePage,
  StudioServicePage,
} from './studio-services.presenter.js';
import { STUDIO_ROLES } from './studio-roles.js';
import { StudioServicesPresenter } from './studio-services.presenter.js';

/** The file field of the import form. */
export const DEFINITION_FIELD = 'definition';
const NO_FORM = { values: {}, errors: [] };

/** A revision number from the path, or 404. */
function revisionNumber(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new NotFoundException();
  return Number(value);
}

/**
 * The studio's services (issue 14), for service designers and admins: create
 * a service, import one from a guichet-service document, export a revision,
 * and a service's page with its revisions (start a draft, restore an older
 * revision as a draft, discard the draft, withdraw a ready revision). Thin:
 * ServiceRevisionsService and ServiceDocumentsService own the rules and the
 * audit; studio-services.presenter.ts the pages.
 */
@Controller('staff/services')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...STUDIO_ROLES)
export class StudioServicesController {
  constructor(
    private readonly revisions: ServiceRevisionsService,
    private readonly documents: ServiceDocumentsService,
    private readonly presenter: StudioServicesPresenter,
    private readonly servicePage: StudioServicePage,
    private readonly newPage: StudioNewServicePage,
    private readonly importPage: StudioImportPage,
    private readonly confirm: StudioConfirmPages,
  ) {}

  // Before `:slug`: "new" and "import" are not services (RESERVED_SLUGS).
  @Get('new')
  showNew(@Req() req: Request, @Res() res: Response) {
    this.newPage.render(req, res, 200, NO_FORM);
  }

  @Post('new')
  @FormPage(StudioNewServicePage)
  async create(
    @FormBody(NewServiceDto, NEW_SERVICE_FIELDS) dto: NewServiceDto,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const draft = await this.revisions.create(actor, newServiceInput(dto), origin);
    res.redirect(303, revisionHref(draft.slug, draft.number));
  }

  @Get('import')
  showImport(@Req() req: Request, @Res() res: Response) {
    this.importPage.render(req, res, 200, NO_FORM);
  }

  /** Multipart (read by the module's middleware before the guards): one file, `definition`. */
  @Post('import')
  @FormPage(StudioImportPage, { field: DEFINITION_FIELD })
  async import(
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const upload = req as UploadedRequest;
    const { revision } = await this.documents.importFile(
      actor,
      { upload: upload.uploads?.[DEFINITION_FIELD], problem: upload.uploadProblem },
      origin,
    );
    res.redirect(303, revisionHref(revision.slug, revision.number));
  }

  @Get(':slug/export.json')
  async export(
    @Param('slug') slug: string,
    @Query('revision') revision: unknown,
    @CurrentStaff() actor: StaffActor,
    @Res() res: Response,
  ) {
    const exported = await this.documents.exportRevision(actor, slug, revision);
    res.status(200);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', attachmentDisposition(exported.filename));
    res.setHeader('Cache-Control', 'no-store');
    res.send(exported.text);
  }

  @Get(':slug')
  async overview(@Req() req: Request, @Res() res: Response) {
    await this.servicePage.render(req, res, 200, NO_FORM);
  }

  /** Starts the draft: from the latest ready revision, or from `from` (restoring an older one). */
  @Post(':slug/drafts')
  @FormPage(StudioServicePage, { field: 'revisions' })
  async startDraft(
    @Param('slug') slug: string,
    @FormBody(StartDraftDto, START_DRAFT_FIELDS) dto: StartDraftDto,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const draft = await this.revisions.startDraft(
      actor,
      slug,
      origin,
      dto.from ? Number(dto.from) : undefined,
    );
    res.redirect(303, revisionHref(slug, draft.number));
  }

  @Get(':slug/revisions/:number/discard')
  async showDiscard(
    @Param('slug') slug: string,
    @Param('number') number: string,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const n = revisionNumber(number);
    if (!(await this.confirm.discard(req, res, actor, slug, n))) throw new NotFoundException();
  }

  @Post(':slug/revisions/:number/discard')
  @FormPage(StudioServicePage, { field: 'revisions' })
  async discard(
    @Param('slug') slug: string,
    @Param('number') number: string,
    @FormBody(DiscardDraftDto, DISCARD_DRAFT_FIELDS) dto: DiscardDraftDto,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const n = revisionNumber(number);
    await this.revisions.discardDraft(actor, slug, n, Number(dto.version), origin);
    this.presenter.notice(req, 'studioServices.notices.discarded', { number: n });
    req.session.save(() => res.redirect(303, `/staff/services/${slug}`));
  }

  @Get(':slug/revisions/:number/withdraw')
  async showWithdraw(
    @Param('slug') slug: string,
    @Param('number') number: string,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const n = revisionNumber(number);
    if (!(await this.confirm.withdraw(req, res, actor, slug, n))) throw new NotFoundException();
  }

  @Post(':slug/revisions/:number/withdraw')
  @FormPage(StudioServicePage, { field: 'revisions' })
  async withdraw(
    @Param('slug') slug: string,
    @Param('number') number: string,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const n = revisionNumber(number);
    const { movedDrafts } = await this.revisions.withdraw(actor, slug, n, origin);
    this.presenter.notice(req, 'studioServices.notices.withdrawn', {
      number: n,
      count: movedDrafts,
    });
    req.session.save(() => res.redirect(303, `/staff/services/${slug}`));
  }
}
