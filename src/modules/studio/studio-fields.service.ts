import { Injectable } from '@nestjs/common';
import { InvalidForm } from '../../platform/forms/form-page.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import type { FieldType, FormDefinition } from '../catalogue/form-schema.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import {
  addField,
  addRule,
  editorAction,
  FIELD_TYPES,
  GROUP_ITEM_TYPES,
  locate,
  namesIn,
  parseField,
  parseRule,
  removeRule,
  replaceField,
  rulesOf,
  type EditorAction,
  type FieldForm,
  type FieldPath,
  type Located,
} from './field-edits.js';
import { ServiceRevisionsService, type Revision } from './service-revisions.service.js';
import { STUDIO_REFUSALS } from './studio.refusals.js';
import { versionOf } from './dto/studio-editor.dto.js';

/** A question of a draft as its editor shows it. */
export interface FieldEditor {
  revision: Revision;
  located: Located;
  /** Absent from the revision the draft is based on: its key and type may still change. */
  isNew: boolean;
}

/**
 * The question editor and the rules page of a draft revision (issue 14): adds
 * a question, saves one question's settings, adds and removes cross-field
 * rules. Each save goes through ServiceRevisionsService.changeDraft (the role
 * check, the 409 when the draft moved on, the audit event); the values are
 * checked against the draft as it is when saved (422, every problem at once).
 */
@Injectable()
export class StudioFieldsService {
  constructor(private readonly revisions: ServiceRevisionsService) {}

  /** A draft and one of its steps (404 when either is unknown, 409 when not a draft). */
  async draftStep(actor: StaffActor, slug: string, number: number, step: string) {
    const revision = await this.draft(actor, slug, number);
    if (!revision.definition.form.steps.some((s) => s.slug === step))
      throw STUDIO_REFUSALS.of('not-found');
    return revision;
  }

  /** A question of a draft, with whether it is new in the draft. */
  async editor(
    actor: StaffActor,
    slug: string,
    number: number,
    path: FieldPath,
  ): Promise<FieldEditor> {
    const revision = await this.draft(actor, slug, number);
    const located = locate(revision.definition.form, path);
    if (!located) throw STUDIO_REFUSALS.of('not-found');
    const base = await this.baseNames(actor, revision);
    return { revision, located, isNew: !base.has(located.field.name) };
  }

  /**
   * Adds a question of `type` at the end of a step (or of a group), with a
   * fresh key and a placeholder label; returns its key.
   */
  async addField(
    actor: StaffActor,
    slug: string,
    number: number,
    target: { step: string; group?: string },
    values: FieldForm,
    origin: RequestOrigin,
  ): Promise<string> {
    const allowed: readonly string[] = target.group === undefined ? FIELD_TYPES : GROUP_ITEM_TYPES;
    await this.draftStep(actor, slug, number, target.step);
    if (!allowed.includes(values.type ?? ''))
      throw InvalidForm.of([{ field: 'type', message: 'studioFields.errors.typeMissing' }], values);
    let name = '';
    await this.revisions.changeDraft(
      actor,
      slug,
      number,
      this.version(values),
      (definition) => {
        const added = addField(
          definition.form,
          target.step,
          values.type as FieldType,
          target.group,
        );
        if (!added) throw STUDIO_REFUSALS.of('not-found');
        name = added.name;
        return { ...definition, form: added.form };
      },
      `new field ${target.group ? `${target.group}.` : ''}${values.type} in step ${target.step}`,
      origin,
    );
    return name;
  }

  /**
   * Saves one question's settings (and a move of one of its options or of
   * its group's questions); returns its key (changed, maybe) and which
   * button was pressed.
   */
  async saveField(
    actor: StaffActor,
    slug: string,
    number: number,
    path: FieldPath,
    values: FieldForm,
    origin: RequestOrigin,
  ): Promise<{ name: string; action: EditorAction }> {
    const version = this.version(values);
    const before = await this.draft(actor, slug, number);
    const base = await this.baseNames(actor, before);
    let name = path.sub ?? path.field;
    await this.revisions.changeDraft(
      actor,
      slug,
      number,
      version,
      (definition) => {
        const located = locate(definition.form, path);
        if (!located) throw STUDIO_REFUSALS.of('not-found');
        const parsed = parseField(values, {
          form: definition.form,
          located,
          isNew: !base.has(located.field.name),
        });
        if (!parsed.ok) throw InvalidForm.of(parsed.problems, values);
        name = parsed.field.name;
        return { ...definition, form: replaceField(definition.form, path, parsed.field) };
      },
      `field ${path.step}.${path.sub ? `${path.field}.` : ''}${name}`,
      origin,
    );
    return { name, action: editorAction(values) };
  }

  /** A draft's cross-field rules page: the draft itself. */
  async rules(actor: StaffActor, slug: string, number: number): Promise<Revision> {
    return this.draft(actor, slug, number);
  }

  /** A draft and its `index`th cross-field rule (404 when there is none). */
  async rule(actor: StaffActor, slug: string, number: number, index: number) {
    const revision = await this.draft(actor, slug, number);
    const rule = rulesOf(revision.definition.form)[index];
    if (!rule) throw STUDIO_REFUSALS.of('not-found');
    return { revision, rule };
  }

  /** Adds a cross-field rule (422 with every problem at once). */
  async addRule(
    actor: StaffActor,
    slug: string,
    number: number,
    values: FieldForm,
    origin: RequestOrigin,
  ): Promise<void> {
    await this.revisions.changeDraft(
      actor,
      slug,
      number,
      this.version(values),
      (definition) => {
        const parsed = parseRule(values, definition.form);
        if (!parsed.ok) throw InvalidForm.of(parsed.problems, values);
        return { ...definition, form: addRule(definition.form, parsed.rule) };
      },
      `rule ${values.field} ${values.must} ${values.other}`,
      origin,
    );
  }

  /** Removes the `index`th cross-field rule (404 when there is none). */
  async removeRule(
    actor: StaffActor,
    slug: string,
    number: number,
    index: number,
    values: FieldForm,
    origin: RequestOrigin,
  ): Promise<void> {
    const { rule } = await this.rule(actor, slug, number, index);
    await this.revisions.changeDraft(
      actor,
      slug,
      number,
      this.version(values),
      (definition) => {
        const form = removeRule(definition.form, index);
        if (!form) throw STUDIO_REFUSALS.of('not-found');
        return { ...definition, form };
      },
      `rule ${rule.field} ${rule.must} ${rule.other} removed`,
      origin,
    );
  }

  // -- building blocks --

  private async draft(actor: StaffActor, slug: string, number: number): Promise<Revision> {
    const revision = await this.revisions.revision(actor, slug, number);
    if (revision.state !== 'draft') throw STUDIO_REFUSALS.of('not-a-draft');
    return revision;
  }

  /** The answer keys of the revision a draft is based on (none for a service's first draft). */
  private async baseNames(actor: StaffActor, draft: Revision): Promise<Set<string>> {
    if (draft.basedOn === null) return new Set();
    const base = await this.revisions.revision(actor, draft.slug, draft.basedOn);
    return namesIn(base.definition.form as FormDefinition);
  }

  /** The draft's version the form was shown with (a missing one is refused as stale). */
  private version(values: FieldForm): number {
    return versionOf(values.version);
  }
}
