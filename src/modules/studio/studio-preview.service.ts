import { ForbiddenException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { I18nService } from '../../platform/i18n/i18n.service.js';
import { fieldsFor, type FormProblem, type RawValues } from '../catalogue/form-engine.js';
import type { Answers, FileAnswer, StepDefinition } from '../catalogue/form-schema.js';
import { FormService, type PrefillContext } from '../catalogue/form.service.js';
import {
  locatedDefinitionProblems,
  type ServiceDefinition,
} from '../catalogue/service-definition.js';
import { isStaffRole } from '../staff/staff-role.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { previewable } from './preview-definition.js';
import type { RevisionState } from './service-revisions.service.js';
import { STUDIO_REFUSALS } from './studio.refusals.js';

/** A revision opened for a preview, as one variant shows it. */
export interface Preview {
  slug: string;
  number: number;
  state: RevisionState;
  variant: Audience;
  /** Its definition, made safe to show (see `previewable`). */
  definition: ServiceDefinition;
  /** The variant's steps, in order. */
  steps: StepDefinition[];
  /** How many problems its definition has (a draft may have some: it still previews). */
  problemCount: number;
}

/** The person previewing, for the questions prefilled from an account or an SME's record. */
export interface Previewer {
  displayName: string;
  email: string;
}

export type PreviewSave =
  { ok: true; answers: Answers; next: string | undefined } | { ok: false; problems: FormProblem[] };

/**
 * A revision's preview (issue 14): any revision, drafts included, shown page
 * by page as a citizen or a business would see it, validated by the form
 * engine as an application's steps are, and never stored: the caller keeps
 * the answers (in the staff member's session) and passes them back. Every
 * staff role may open a preview, read-only (a link a designer shares with
 * colleagues); nothing here writes anything.
 *
 * File questions cannot receive files in a preview: they count as answered
 * (a placeholder, never stored) so that the pages after them can be seen.
 */
@Injectable()
export class StudioPreviewService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly forms: FormService,
    private readonly i18n: I18nService,
  ) {}

  /** A revision as `variant` shows it; 404 for an unknown service, revision or variant. */
  async open(actor: StaffActor, slug: string, number: string, variant: string): Promise<Preview> {
    if (!actor.roles.some(isStaffRole)) throw new ForbiddenException();
    const n = /^\d{1,9}$/.test(number) ? Number(number) : NaN;
    if (!(AUDIENCES as readonly string[]).includes(variant) || !Number.isInteger(n))
      throw STUDIO_REFUSALS.of('not-found');
    const [row] = await this.dataSource.query<{ state: RevisionState; document: unknown }[]>(
      `SELECT r.state, r.document FROM service_revision r
        WHERE r.service_slug = $1 AND r.number = $2`,
      [slug, n],
    );
    if (!row) throw STUDIO_REFUSALS.of('not-found');
    const definition = previewable(row.document, (what, name) => ({
      fr: this.i18n.t('fr', `studioPreview.missing.${what}`, { name }),
      en: this.i18n.t('en', `studioPreview.missing.${what}`, { name }),
    }));
    return {
      slug,
      number: n,
      state: row.state,
      variant: variant as Audience,
      definition,
      steps: this.forms.steps(definition, variant as Audience),
      problemCount: problemCount(definition),
    };
  }

  /**
   * One step of the preview with what to show in it: the answers kept so far
   * and, for questions still unanswered, what an applicant's account (the
   * previewer's) or SME's record (an example one) would prefill. 404 for a
   * step the variant does not have.
   */
  async step(
    actor: StaffActor,
    at: { slug: string; number: string; variant: string; step: string },
    previewer: Previewer,
    answers: Answers,
  ): Promise<{ preview: Preview; step: StepDefinition; answers: Answers }> {
    const preview = await this.open(actor, at.slug, at.number, at.variant);
    const step = stepOf(preview, at.step);
    const prefill = this.forms.prefill(
      step,
      preview.variant,
      answers,
      prefillContext(previewer, preview.variant),
    );
    return { preview, step, answers: { ...answers, ...prefill } };
  }

  /**
   * Validates a step's input as an applicant's would be (the same engine, the
   * same messages, conditions and rules across steps against `answers`, the
   * answers kept so far) and returns the answers to keep and the next step of
   * the variant (none: check your answers). Stores nothing.
   */
  async saveStep(
    actor: StaffActor,
    at: { slug: string; number: string; variant: string; step: string },
    raw: RawValues,
    answers: Answers,
  ): Promise<{ preview: Preview; step: StepDefinition; result: PreviewSave }> {
    const preview = await this.open(actor, at.slug, at.number, at.variant);
    const step = stepOf(preview, at.step);
    const withFiles = { ...answers, ...placeholderFiles(step, preview.variant) };
    const parsed = this.forms.parse(preview.definition, preview.variant, step, raw, withFiles);
    if (parsed.problems.length > 0)
      return { preview, step, result: { ok: false, problems: parsed.problems } };
    const kept: Answers = { ...answers };
    for (const field of fieldsFor(step.fields, preview.variant)) delete kept[field.name];
    Object.assign(kept, parsed.answers);
    const index = preview.steps.findIndex((s) => s.slug === step.slug);
    return {
      preview,
      step,
      result: { ok: true, answers: kept, next: preview.steps[index + 1]?.slug },
    };
  }

  /**
   * Check your answers: every step of the variant with the answers kept (the
   * caller shows them), and the first step still incomplete, if any.
   */
  async check(
    actor: StaffActor,
    at: { slug: string; number: string; variant: string },
    answers: Answers,
  ): Promise<{ preview: Preview; firstIncomplete: string | undefined }> {
    const preview = await this.open(actor, at.slug, at.number, at.variant);
    const withFiles: Answers = { ...answers };
    for (const step of preview.steps)
      Object.assign(withFiles, placeholderFiles(step, preview.variant));
    const incomplete = preview.steps.find(
      (step) =>
        this.forms.check(preview.definition, preview.variant, step, withFiles).problems.length > 0,
    );
    return { preview, firstIncomplete: incomplete?.slug };
  }
}

function stepOf(preview: Preview, slug: string): StepDefinition {
  const step = preview.steps.find((s) => s.slug === slug);
  if (!step) throw STUDIO_REFUSALS.of('not-found');
  return step;
}

/** A file question answered, for the preview only: nothing is uploaded or kept. */
export const PREVIEW_FILE: FileAnswer = {
  id: 'preview',
  filename: '',
  size: 0,
  contentType: 'application/pdf',
};

function placeholderFiles(step: StepDefinition, variant: Audience): Answers {
  return Object.fromEntries(
    fieldsFor(step.fields, variant)
      .filter((f) => f.type === 'file')
      .map((f) => [f.name, [PREVIEW_FILE]]),
  );
}

/** The previewer's own name and email, and, for a business, an example SME's record. */
function prefillContext(previewer: Previewer, variant: Audience): PrefillContext {
  const context: PrefillContext = {
    account: { name: previewer.displayName, email: previewer.email },
  };
  if (variant === 'business')
    context.organization = {
      legalName: 'Entreprise Exemple inc.',
      neq: '1100000000',
      address: {
        line1: '1, rue de l’Exemple',
        line2: '',
        city: 'Val-des-Cèdres',
        postalCode: 'J0A 1B0',
      },
      contactName: previewer.displayName,
      contactEmail: previewer.email,
      contactPhone: '418 555-0100',
    };
  return context;
}

function problemCount(definition: ServiceDefinition): number {
  try {
    return locatedDefinitionProblems(definition).length;
  } catch {
    return 1;
  }
}
