import {
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { assertUnreachable } from '../../platform/errors/assert-unreachable.js';
import type { Account } from '../accounts/account.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { removeItem, stepInput } from '../applications/dto/step-input.js';
import type { Answers } from '../catalogue/form-schema.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { StudioPreviewPresenter } from './studio-preview.presenter.js';
import { StudioPreviewService } from './studio-preview.service.js';

/** How many previews a session keeps answers for (the oldest is forgotten first). */
const KEPT_PREVIEWS = 10;

declare module 'express-session' {
  interface SessionData {
    /**
     * The answers typed in previews (issue 14), by `slug@number:variant`: kept
     * in the staff member's session only, never in an application.
     */
    studioPreviews?: Record<string, { answers: Answers; at: number }>;
  }
}

type At = { slug: string; n: string; variant: string };

/**
 * A revision's preview (`…/revisions/:n/preview/:variant`, issue 14): the
 * variant's start page, each step as an applicant gets it, check your
 * answers; nothing is filed or stored but in the session. Every staff role may
 * open one (read-only: a link designers share with colleagues).
 */
@Controller('staff/services/:slug/revisions/:n/preview/:variant')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles()
export class StudioPreviewController {
  constructor(
    private readonly previews: StudioPreviewService,
    private readonly presenter: StudioPreviewPresenter,
  ) {}

  /** The variant's start page. */
  @Get()
  async start(
    @Param() at: At,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const preview = await this.previews.open(actor, at.slug, at.n, at.variant);
    this.presenter.start(req, res, preview, answersOf(req, at));
  }

  /** "Start again": forgets the answers typed in this preview. */
  @Post()
  async restart(
    @Param() at: At,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const preview = await this.previews.open(actor, at.slug, at.n, at.variant);
    delete req.session.studioPreviews?.[keyOf(at)];
    req.session.save(() => res.redirect(303, this.presenter.base(preview)));
  }

  @Get('check-your-answers')
  async check(
    @Param() at: At,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answers = answersOf(req, at);
    const { preview, firstIncomplete } = await this.previews.check(
      actor,
      { slug: at.slug, number: at.n, variant: at.variant },
      answers,
    );
    this.presenter.check(req, res, preview, answers, firstIncomplete);
  }

  @Get(':step')
  async showStep(
    @Param() at: At,
    @Param('step') stepSlug: string,
    @Query('return') returnTo: unknown,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const shown = await this.previews.step(
      actor,
      { slug: at.slug, number: at.n, variant: at.variant, step: stepSlug },
      res.locals.account as Account,
      answersOf(req, at),
    );
    this.presenter.step(req, res, shown.preview, shown.step, 200, {
      answers: shown.answers,
      returnTo,
    });
  }

  /** Validates the step as an applicant's would be: 422 with the same errors, or the next page. */
  @Post(':step')
  async saveStep(
    @Param() at: At,
    @Param('step') stepSlug: string,
    @Query('return') returnTo: unknown,
    @Body() body: Record<string, unknown>,
    @CurrentStaff() actor: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answers = answersOf(req, at);
    const where = { slug: at.slug, number: at.n, variant: at.variant, step: stepSlug };
    const { preview, step } = await this.previews.step(
      actor,
      where,
      res.locals.account as Account,
      answers,
    );
    const { raw, action } = stepInput(step, preview.variant, body);
    const page = { answers, raw, returnTo };
    switch (action.kind) {
      case 'add':
        return this.presenter.step(req, res, preview, step, 200, {
          ...page,
          extraItems: { [action.group.name]: 1 },
        });
      case 'remove':
        return this.presenter.step(req, res, preview, step, 200, {
          ...page,
          raw: removeItem(action.group, raw, action.index),
        });
      case 'upload':
      case 'delete-file':
        // Nothing is uploaded in a preview: the page says so.
        return this.presenter.step(req, res, preview, step, 200, { ...page, fileNotice: true });
      case 'continue':
        break;
      default:
        return assertUnreachable(action);
    }
    const saved = await this.previews.saveStep(actor, where, raw, answers);
    if (!saved.result.ok)
      return this.presenter.step(req, res, preview, step, 422, {
        ...page,
        problems: saved.result.problems,
      });
    keep(req, at, saved.result.answers);
    const base = this.presenter.base(preview);
    const next =
      returnTo === 'check' || !saved.result.next
        ? `${base}/check-your-answers`
        : `${base}/${saved.result.next}`;
    req.session.save(() => res.redirect(303, next));
  }
}

function keyOf(at: At): string {
  return `${at.slug}@${at.n}:${at.variant}`;
}

function answersOf(req: Request, at: At): Answers {
  return req.session.studioPreviews?.[keyOf(at)]?.answers ?? {};
}

/** Keeps a preview's answers in the session, forgetting the oldest preview past KEPT_PREVIEWS. */
function keep(req: Request, at: At, answers: Answers): void {
  const kept = { ...req.session.studioPreviews, [keyOf(at)]: { answers, at: Date.now() } };
  const keys = Object.keys(kept).sort((a, b) => kept[b].at - kept[a].at);
  for (const old of keys.slice(KEPT_PREVIEWS)) delete kept[old];
  req.session.studioPreviews = kept;
}
