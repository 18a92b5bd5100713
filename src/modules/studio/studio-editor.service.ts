import { Injectable } from '@nestjs/common';
import { InvalidForm } from '../../platform/forms/form-page.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import type { Localized, ServiceDefinition } from '../catalogue/service-definition.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import {
  detailsFrom,
  detailsProblems,
  withListAction,
  type DetailsForm,
} from './dto/studio-editor.dto.js';
import { ServiceRevisionsService, type Revision } from './service-revisions.service.js';
import {
  addStep,
  bulkFilingBlockers,
  duplicateField,
  duplicateStep,
  moveField,
  moveStep,
  removeField,
  removeStep,
  StepEditError,
  updateDetails,
  updateStep,
  type Direction,
  type StepTexts,
} from './step-edits.js';
import { STUDIO_EDITOR_REFUSALS } from './studio-editor.refusals.js';
import { STUDIO_REFUSALS } from './studio.refusals.js';

/** One change the draft editor makes to a draft's steps and fields. */
export type DraftEdit =
  | { kind: 'add-step'; slug: string; title: Localized; typed: Record<string, string> }
  | { kind: 'step'; step: string; texts: StepTexts }
  | { kind: 'move-step'; step: string; direction: Direction }
  | { kind: 'duplicate-step'; step: string }
  | { kind: 'remove-step'; step: string }
  | { kind: 'move-field'; step: string; field: string; direction: Direction }
  | { kind: 'duplicate-field'; step: string; field: string }
  | { kind: 'remove-field'; step: string; field: string };

/**
 * The draft editor (issue 14): the revision page, the service's details and
 * its steps. Each change is one of the pure edits of `step-edits.ts`, run by
 * `ServiceRevisionsService.changeDraft` on the draft as saved (its version
 * checked: 409 when someone saved since, nothing lost), which also checks the
 * studio role and writes the audit event. Malformed input is refused with 422
 * (`InvalidForm`), blank texts are not: the checks report them.
 */
@Injectable()
export class StudioEditorService {
  constructor(private readonly revisions: ServiceRevisionsService) {}

  /**
   * A revision, whatever its state (its page shows a draft's task list, a
   * released one read only), with, for a draft, the checks that do not pass yet.
   */
  async revision(
    actor: StaffActor,
    slug: string,
    number: number,
  ): Promise<{ revision: Revision; failing: number }> {
    const revision = await this.revisions.revision(actor, slug, number);
    if (revision.state !== 'draft') return { revision, failing: 0 };
    const checks = await this.revisions.checks(slug, number, revision.definition);
    return { revision, failing: checks.filter((c) => !c.passed).length };
  }

  /** A draft, for a page that edits it: 409 when the revision is ready or withdrawn. */
  async draft(actor: StaffActor, slug: string, number: number): Promise<Revision> {
    const revision = await this.revisions.revision(actor, slug, number);
    if (revision.state !== 'draft') throw STUDIO_EDITOR_REFUSALS.of('not-a-draft');
    return revision;
  }

  /**
   * Saves the details form, and adds or removes a list's item when its button
   * was pressed. 422 for a malformed prefix, a text too long, or bulk filing
   * asked for a form with files or repeatable groups (naming them).
   */
  async saveDetails(
    actor: StaffActor,
    slug: string,
    number: number,
    expectedVersion: number,
    form: DetailsForm,
    origin: RequestOrigin,
  ): Promise<Revision> {
    const problems = detailsProblems(form.values);
    if (problems.length > 0) throw InvalidForm.of(problems, form.values);
    const typed = detailsFrom(form.values);
    const details = form.action ? withListAction(typed, form.action) : typed;
    const what = form.action
      ? `details (${form.action.kind} an item of ${form.action.list}, ${form.action.part})`
      : 'details';
    return this.revisions.changeDraft(
      actor,
      slug,
      number,
      expectedVersion,
      (definition) => {
        const blockers = bulkFilingBlockers(definition);
        if (details.bulkFiling && blockers.length > 0)
          throw InvalidForm.of(
            [
              {
                field: 'bulkFiling',
                message: 'studioEditor.errors.bulkFilingBlocked',
                params: { fields: blockers.map((f) => f.name).join(', ') },
              },
            ],
            form.values,
          );
        return updateDetails(definition, details);
      },
      what,
      origin,
    );
  }

  /** Applies one change to the draft's steps or fields. 404 for a step or field it does not have. */
  async edit(
    actor: StaffActor,
    slug: string,
    number: number,
    expectedVersion: number,
    edit: DraftEdit,
    origin: RequestOrigin,
  ): Promise<Revision> {
    const { change, what } = this.changeOf(edit);
    try {
      return await this.revisions.changeDraft(
        actor,
        slug,
        number,
        expectedVersion,
        change,
        what,
        origin,
      );
    } catch (error) {
      if (!(error instanceof StepEditError)) throw error;
      if (error.problem === 'step-slug-taken' && edit.kind === 'add-step')
        throw InvalidForm.of(
          [{ field: 'slug', message: 'studioEditor.errors.stepSlugTaken' }],
          edit.typed,
        );
      throw STUDIO_REFUSALS.of('not-found');
    }
  }

  private changeOf(edit: DraftEdit): {
    change: (definition: ServiceDefinition) => ServiceDefinition;
    what: string;
  } {
    switch (edit.kind) {
      case 'add-step':
        return {
          change: (d) => addStep(d, { slug: edit.slug, title: edit.title }),
          what: `step ${edit.slug} added`,
        };
      case 'step':
        return { change: (d) => updateStep(d, edit.step, edit.texts), what: `step ${edit.step}` };
      case 'move-step':
        return {
          change: (d) => moveStep(d, edit.step, edit.direction),
          what: `step ${edit.step} moved ${edit.direction}`,
        };
      case 'duplicate-step':
        return {
          change: (d) => duplicateStep(d, edit.step),
          what: `step ${edit.step} duplicated`,
        };
      case 'remove-step':
        return { change: (d) => removeStep(d, edit.step), what: `step ${edit.step} removed` };
      case 'move-field':
        return {
          change: (d) => moveField(d, edit.step, edit.field, edit.direction),
          what: `field ${edit.field} moved ${edit.direction}`,
        };
      case 'duplicate-field':
        return {
          change: (d) => duplicateField(d, edit.step, edit.field),
          what: `field ${edit.field} duplicated`,
        };
      case 'remove-field':
        return {
          change: (d) => removeField(d, edit.step, edit.field),
          what: `field ${edit.field} removed`,
        };
    }
  }
}
