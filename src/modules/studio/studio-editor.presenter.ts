import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  formValuesOf,
  type FormPageRenderer,
  type FormState,
} from '../../platform/forms/form-page.js';
import { errorsByField, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { FieldDefinition, StepDefinition } from '../catalogue/form-schema.js';
import type { Localized, ServiceDefinition } from '../catalogue/service-definition.js';
import { staffActorOf, type StaffActor } from '../staff/staff-roles.guard.js';
import {
  detailsValues,
  itemName,
  itemsOf,
  LIST_PARTS,
  MAX_LIST_ITEMS,
  TEXT_KEYS,
} from './dto/studio-editor.dto.js';
import type { Revision } from './service-revisions.service.js';
import { bulkFilingBlockers, detailsOf, LISTS } from './step-edits.js';
import { STUDIO_EDITOR_REFUSALS } from './studio-editor.refusals.js';
import { StudioEditorService } from './studio-editor.service.js';
import { revisionNumberOf } from './studio-paths.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the editor's next page after a change. */
    studioEditorNotice?: { key: string; params?: Record<string, string> };
  }
}

const NAV = { navActive: 'staff', staffNavActive: 'studio' };
const LANGS = ['fr', 'en'] as const;

/** What a page of the editor is about: the revision in the URL, who asks, in which language. */
interface PageContext {
  actor: StaffActor;
  slug: string;
  number: number;
  locale: Locale;
  t: (key: string, vars?: Record<string, unknown>) => string;
  /** `/staff/services/<slug>/revisions/<n>` */
  base: string;
}

/** The state a page is shown in: first, after a refused post (422, 409), or after a change. */
interface PageState {
  status: number;
  values?: Record<string, string>;
  errors?: FieldError[];
  /** The draft changed since the page was shown: what was typed (or asked) was not saved. */
  conflict?: boolean;
  notice?: string;
}

/**
 * The draft editor's pages as they show (issue 14): the revision's page (a
 * task list for a draft, a read-only summary for a released revision), the
 * service's details, its steps, and one step with its questions. Each text in
 * French and English side by side.
 */
@Injectable()
export class StudioEditorPresenter {
  constructor(
    private readonly editor: StudioEditorService,
    private readonly i18n: I18nService,
  ) {}

  context(req: Request, res: Response): PageContext {
    const locale = res.locals.locale as Locale;
    const slug = String(req.params.slug);
    const number = revisionNumberOf(req.params.n);
    return {
      actor: staffActorOf(req, res),
      slug,
      number,
      locale,
      t: (key, vars) => this.i18n.t(locale, key, vars),
      base: `/staff/services/${encodeURIComponent(slug)}/revisions/${number}`,
    };
  }

  /** The notice a change left for the next page, taken once. */
  notice(req: Request, locale: Locale): string | undefined {
    const notice = req.session.studioEditorNotice;
    if (!notice) return undefined;
    delete req.session.studioEditorNotice;
    return this.i18n.t(locale, notice.key, notice.params);
  }

  // -- the revision's page --

  /** `failing`: how many of a draft's checks do not pass yet. */
  revisionPage(req: Request, res: Response, revision: Revision, failing: number) {
    const c = this.context(req, res);
    const d = revision.definition;
    const isDraft = revision.state === 'draft';
    const steps = d.form.steps;
    const questions = steps.reduce((n, s) => n + s.fields.length, 0);
    const rules = (d.form as { rules?: unknown[] }).rules?.length ?? 0;
    const status = (done: boolean, text: string) => ({ done, text });
    res.render('studio/editor/revision', {
      ...NAV,
      pageTitle: c.t('studioEditor.revision.title', { number: revision.number }),
      serviceTitle: d.title[c.locale] || d.slug,
      backLink: `/staff/services/${encodeURIComponent(c.slug)}`,
      notice: this.notice(req, c.locale),
      isDraft,
      state: revision.state,
      stateLabel: c.t(`studioEditor.state.${revision.state}`),
      stateTag: {
        draft: 'govuk-tag--blue',
        ready: 'govuk-tag--green',
        withdrawn: 'govuk-tag--grey',
      }[revision.state],
      version: revision.version,
      updatedAt: formatDateTime(revision.updatedAt, c.locale),
      basedOn: revision.basedOn,
      basedOnHref: `/staff/services/${encodeURIComponent(c.slug)}/revisions/${revision.basedOn}`,
      sections: (isDraft
        ? [
            {
              title: c.t('studioEditor.revision.sections.write'),
              tasks: [
                {
                  id: 'details',
                  title: c.t('studioEditor.revision.tasks.details'),
                  href: `${c.base}/details`,
                  hint: c.t('studioEditor.revision.tasks.detailsHint'),
                  status: detailsComplete(d)
                    ? status(true, c.t('studioEditor.revision.status.complete'))
                    : status(false, c.t('studioEditor.revision.status.incomplete')),
                },
                {
                  id: 'steps',
                  title: c.t('studioEditor.revision.tasks.steps'),
                  href: `${c.base}/steps`,
                  hint: c.t('studioEditor.revision.tasks.stepsHint'),
                  status:
                    steps.length === 0
                      ? status(false, c.t('studioEditor.revision.status.notStarted'))
                      : status(
                          true,
                          c.t('studioEditor.revision.status.steps', {
                            steps: steps.length,
                            questions,
                          }),
                        ),
                },
                {
                  id: 'rules',
                  title: c.t('studioEditor.revision.tasks.rules'),
                  href: `${c.base}/rules`,
                  hint: c.t('studioEditor.revision.tasks.rulesHint'),
                  status: status(true, c.t('studioEditor.revision.status.rules', { rules })),
                },
              ],
            },
            {
              title: c.t('studioEditor.revision.sections.try'),
              tasks: (['citizen', 'business'] as const).map((variant) => ({
                id: `preview-${variant}`,
                title: c.t(`studioEditor.revision.tasks.preview.${variant}`),
                href: `${c.base}/preview/${variant}`,
                hint: c.t('studioEditor.revision.tasks.previewHint'),
              })),
            },
            {
              title: c.t('studioEditor.revision.sections.ready'),
              tasks: [
                {
                  id: 'checks',
                  title: c.t('studioEditor.revision.tasks.checks'),
                  href: `${c.base}/checks`,
                  hint: c.t('studioEditor.revision.tasks.checksHint'),
                  status:
                    failing === 0
                      ? status(true, c.t('studioEditor.revision.status.checksPass'))
                      : status(
                          false,
                          c.t('studioEditor.revision.status.checksFailing', { failing }),
                        ),
                },
              ],
            },
          ]
        : []
      ).map((section, i) => ({ ...section, number: i + 1 })),
      stepLinks: steps.map((s) => ({
        title: s.title[c.locale] || s.slug,
        href: `${c.base}/steps/${encodeURIComponent(s.slug)}`,
        businessOnly: s.only === 'business',
      })),
      summary: isDraft ? undefined : this.readOnly(c, d),
    });
  }

  /** A released revision as it is: its texts in both languages, its steps and their questions. */
  private readOnly(c: PageContext, d: ServiceDefinition) {
    const row = (key: string, text: Localized) => ({
      label: c.t(`studioEditor.details.${key}`),
      fr: text.fr,
      en: text.en,
    });
    const details = detailsOf(d);
    return {
      referencePrefix: d.referencePrefix,
      bulkFiling: c.t(d.bulkFiling ? 'studioEditor.yes' : 'studioEditor.no'),
      texts: TEXT_KEYS.map((key) => row(key, details[key])),
      lists: LISTS.map((list) => ({
        title: c.t(`studioEditor.details.lists.${list}`),
        parts: LIST_PARTS.map((part) => ({
          title: c.t(`studioEditor.details.parts.${part}`),
          items: details[list][part].map((item, i) => ({ ...item, number: i + 1 })),
        })),
      })),
      steps: d.form.steps.map((step) => ({
        slug: step.slug,
        title: step.title,
        intro: step.intro,
        businessOnly: step.only === 'business',
        fields: step.fields.map((f) => this.fieldRow(c, f)),
      })),
    };
  }

  private fieldRow(c: PageContext, f: FieldDefinition) {
    return {
      name: f.name,
      type: c.t(`studioEditor.types.${f.type}`),
      label: f.label,
      required: c.t(f.optional ? 'studioEditor.fields.optional' : 'studioEditor.fields.required'),
      businessOnly: f.only === 'business',
    };
  }

  // -- details --

  async details(req: Request, res: Response, state: PageState) {
    const c = this.context(req, res);
    const revision = await this.editor.draft(c.actor, c.slug, c.number);
    const d = revision.definition;
    const values = state.values ?? detailsValues(detailsOf(d));
    const fieldErrors = errorsByField(state.errors ?? []);
    const bilingual = (key: string, options: { multiline?: boolean; legendKey?: string } = {}) =>
      this.bilingual(c, {
        id: key,
        legend: c.t(options.legendKey ?? `studioEditor.details.${key}`),
        names: { fr: `${key}Fr`, en: `${key}En` },
        values,
        fieldErrors,
        multiline: options.multiline,
      });
    const blockers = bulkFilingBlockers(d).map((f) => f.name);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/editor/details', titleKey: 'studioEditor.details.pageTitle' },
      state.status,
      {
        ...NAV,
        values,
        errors: state.errors ?? [],
        serviceTitle: d.title[c.locale] || d.slug,
        revisionNumber: c.number,
        backLink: c.base,
        action: `${c.base}/details`,
        version: revision.version,
        conflict: state.conflict,
        notice: state.notice ?? this.notice(req, c.locale),
        general: [
          bilingual('title'),
          bilingual('summary', { multiline: true }),
          bilingual('department'),
          bilingual('processingTime'),
          bilingual('fees', { multiline: true }),
        ],
        variantSummaries: [bilingual('citizenSummary'), bilingual('businessSummary')].map((b) => ({
          ...b,
          multiline: true,
          langs: b.langs.map((l) => ({ ...l, multiline: true, rows: 3 })),
        })),
        lists: LISTS.map((list) => ({
          id: list,
          title: c.t(`studioEditor.details.lists.${list}`),
          parts: LIST_PARTS.map((part) => {
            const items = itemsOf(values, list, part);
            const partTitle = c.t(`studioEditor.details.parts.${part}`);
            const listTitle = c.t(`studioEditor.details.lists.${list}`);
            return {
              id: `${list}-${part}`,
              title: partTitle,
              hint: c.t(`studioEditor.details.parts.${part}Hint`),
              items: items.map((_, i) => ({
                ...this.bilingual(c, {
                  id: `${list}-${part}-${i}`,
                  legend: c.t('studioEditor.details.item', { number: i + 1 }),
                  names: {
                    fr: itemName(list, part, i, 'fr'),
                    en: itemName(list, part, i, 'en'),
                  },
                  values,
                  fieldErrors,
                }),
                removeAction: `remove:${list}:${part}:${i}`,
                removeHidden: c.t('studioEditor.details.removeHidden', {
                  number: i + 1,
                  list: listTitle,
                  part: partTitle,
                }),
              })),
              canAdd: items.length < MAX_LIST_ITEMS,
              addAction: `add:${list}:${part}`,
              addHidden: c.t('studioEditor.details.addHidden', {
                list: listTitle,
                part: partTitle,
              }),
            };
          }),
        })),
        bulkFilingChecked: values.bulkFiling === 'yes',
        bulkFilingBlockers: blockers.join(', '),
      },
    );
  }

  /** A text in French and English side by side: a fieldset with two inputs. */
  private bilingual(
    c: PageContext,
    o: {
      id: string;
      legend: string;
      names: { fr: string; en: string };
      values: Record<string, string>;
      fieldErrors: Record<string, string>;
      multiline?: boolean;
    },
  ) {
    const langs = LANGS.map((lang) => ({
      lang,
      label: c.t(`studioEditor.languages.${lang}`),
      name: o.names[lang],
      value: o.values[o.names[lang]] ?? '',
      error: o.fieldErrors[o.names[lang]],
      multiline: o.multiline,
      rows: 3,
    }));
    return {
      id: o.id,
      legend: o.legend,
      multiline: o.multiline,
      hasError: langs.some((l) => l.error),
      langs,
    };
  }

  // -- steps --

  async steps(req: Request, res: Response, state: PageState) {
    const c = this.context(req, res);
    const revision = await this.editor.draft(c.actor, c.slug, c.number);
    const d = revision.definition;
    const steps = d.form.steps;
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/editor/steps', titleKey: 'studioEditor.steps.title' },
      state.status,
      {
        ...NAV,
        values: state.values ?? {},
        errors: state.errors ?? [],
        serviceTitle: d.title[c.locale] || d.slug,
        revisionNumber: c.number,
        backLink: c.base,
        version: revision.version,
        conflict: state.conflict,
        notice: state.notice ?? this.notice(req, c.locale),
        steps: steps.map((step, i) => this.stepRow(c, step, i, steps.length)),
        addAction: `${c.base}/steps`,
        newStep: this.bilingual(c, {
          id: 'title',
          legend: c.t('studioEditor.steps.add.stepTitle'),
          names: { fr: 'titleFr', en: 'titleEn' },
          values: state.values ?? {},
          fieldErrors: errorsByField(state.errors ?? []),
        }),
      },
    );
  }

  private stepRow(c: PageContext, step: StepDefinition, index: number, count: number) {
    const title = step.title[c.locale] || step.slug;
    const href = `${c.base}/steps/${encodeURIComponent(step.slug)}`;
    const name = { step: title };
    return {
      number: index + 1,
      slug: step.slug,
      title,
      href,
      businessOnly: step.only === 'business',
      questions: c.t('studioEditor.steps.questions', { count: step.fields.length }),
      actions: [
        ...(index > 0
          ? [
              {
                action: `${href}/move-up`,
                text: 'moveUp',
                hidden: c.t('studioEditor.steps.hidden', name),
              },
            ]
          : []),
        ...(index < count - 1
          ? [
              {
                action: `${href}/move-down`,
                text: 'moveDown',
                hidden: c.t('studioEditor.steps.hidden', name),
              },
            ]
          : []),
        {
          action: `${href}/duplicate`,
          text: 'duplicate',
          hidden: c.t('studioEditor.steps.hidden', name),
        },
      ].map((a) => ({ ...a, text: c.t(`studioEditor.actions.${a.text}`) })),
      removeHref: `${href}/remove`,
      removeHidden: c.t('studioEditor.steps.hidden', name),
    };
  }

  // -- one step --

  async step(req: Request, res: Response, state: PageState) {
    const c = this.context(req, res);
    const revision = await this.editor.draft(c.actor, c.slug, c.number);
    const d = revision.definition;
    const step = findStep(d, String(req.params.step));
    const values = state.values ?? {
      titleFr: step.title.fr,
      titleEn: step.title.en,
      introFr: step.intro?.fr ?? '',
      introEn: step.intro?.en ?? '',
      businessOnly: step.only === 'business' ? 'yes' : '',
    };
    const fieldErrors = errorsByField(state.errors ?? []);
    const href = `${c.base}/steps/${encodeURIComponent(step.slug)}`;
    const fields = step.fields;
    renderForm(
      req,
      res,
      this.i18n,
      {
        view: 'studio/editor/step',
        title: c.t('studioEditor.step.title', { step: step.title[c.locale] || step.slug }),
      },
      state.status,
      {
        ...NAV,
        values,
        errors: state.errors ?? [],
        serviceTitle: d.title[c.locale] || d.slug,
        revisionNumber: c.number,
        backLink: `${c.base}/steps`,
        action: href,
        slug: step.slug,
        version: revision.version,
        conflict: state.conflict,
        notice: state.notice ?? this.notice(req, c.locale),
        texts: [
          this.bilingual(c, {
            id: 'title',
            legend: c.t('studioEditor.step.stepTitle'),
            names: { fr: 'titleFr', en: 'titleEn' },
            values,
            fieldErrors,
          }),
          this.bilingual(c, {
            id: 'intro',
            legend: c.t('studioEditor.step.intro'),
            names: { fr: 'introFr', en: 'introEn' },
            values,
            fieldErrors,
            multiline: true,
          }),
        ],
        businessOnlyChecked: values.businessOnly === 'yes',
        newFieldHref: `${href}/fields/new`,
        fields: fields.map((f, i) => {
          const fieldHref = `${href}/fields/${encodeURIComponent(f.name)}`;
          const hidden = c.t('studioEditor.step.hidden', {
            field: f.label[c.locale] || f.name,
          });
          return {
            ...this.fieldRow(c, f),
            localLabel: f.label[c.locale],
            href: fieldHref,
            actions: [
              ...(i > 0 ? [{ action: `${fieldHref}/move-up`, text: 'moveUp' }] : []),
              ...(i < fields.length - 1
                ? [{ action: `${fieldHref}/move-down`, text: 'moveDown' }]
                : []),
              { action: `${fieldHref}/duplicate`, text: 'duplicate' },
            ].map((a) => ({ ...a, text: c.t(`studioEditor.actions.${a.text}`), hidden })),
            removeHref: `${fieldHref}/remove`,
            removeHidden: hidden,
          };
        }),
      },
    );
  }

  // -- removal, confirmed --

  async confirmRemove(req: Request, res: Response, state: PageState) {
    const c = this.context(req, res);
    const revision = await this.editor.draft(c.actor, c.slug, c.number);
    const d = revision.definition;
    const step = findStep(d, String(req.params.step));
    const stepHref = `${c.base}/steps/${encodeURIComponent(step.slug)}`;
    const fieldName = req.params.field === undefined ? undefined : String(req.params.field);
    const field =
      fieldName === undefined ? undefined : step.fields.find((f) => f.name === fieldName);
    if (fieldName !== undefined && !field) throw new NotFoundException();
    const title = field
      ? c.t('studioEditor.remove.fieldTitle', { field: field.label[c.locale] || field.name })
      : c.t('studioEditor.remove.stepTitle', { step: step.title[c.locale] || step.slug });
    renderForm(req, res, this.i18n, { view: 'studio/editor/remove', title }, state.status, {
      ...NAV,
      errors: [],
      serviceTitle: d.title[c.locale] || d.slug,
      revisionNumber: c.number,
      backLink: field ? stepHref : `${c.base}/steps`,
      cancelHref: field ? stepHref : `${c.base}/steps`,
      action: field
        ? `${stepHref}/fields/${encodeURIComponent(field.name)}/remove`
        : `${stepHref}/remove`,
      version: revision.version,
      conflict: state.conflict,
      warning: field
        ? c.t('studioEditor.remove.fieldWarning', { name: field.name })
        : c.t('studioEditor.remove.stepWarning', { count: step.fields.length }),
      fieldNames: field ? [] : step.fields.map((f) => f.name),
    });
  }
}

function findStep(d: ServiceDefinition, slug: string): StepDefinition {
  const step = d.form.steps.find((s) => s.slug === slug);
  if (!step) throw new NotFoundException();
  return step;
}

/** Every text of the start page written in both languages. */
function detailsComplete(d: ServiceDefinition): boolean {
  const filled = (t: Localized) => Boolean(t.fr.trim() && t.en.trim());
  const texts = [d.title, d.summary, d.department, d.processingTime, d.fees];
  for (const variant of ['citizen', 'business'] as const) {
    const v = d.variants[variant];
    texts.push(v.summary, ...v.useThisServiceTo, ...v.beforeYouStart);
  }
  return texts.every(filled);
}

/**
 * The pages a refused post goes back to (`@FormPage`): the same page, what was
 * typed kept (422), or, when the draft changed since it was shown (409), with a
 * message that nothing was saved and the draft's current version, so that
 * saving again after a look succeeds. A revision no longer a draft: the 409 page.
 */
abstract class EditorPage implements FormPageRenderer {
  constructor(protected readonly presenter: StudioEditorPresenter) {}

  protected abstract show(req: Request, res: Response, state: PageState): Promise<void>;

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (form.refusal?.code === 'not-a-draft') throw STUDIO_EDITOR_REFUSALS.of('not-a-draft');
    const conflict = form.refusal?.code === 'stale-draft';
    // A form's texts as typed; a button's form (move, duplicate, remove) sends only
    // the version: the page then shows the draft as saved.
    const typed: Record<string, string> = { ...formValuesOf(req), ...form.values };
    delete typed.version;
    await this.show(req, res, {
      status,
      values: Object.keys(typed).length > 0 ? typed : undefined,
      errors: conflict ? [] : form.errors,
      conflict,
    });
  }
}

@Injectable()
export class StudioDetailsPage extends EditorPage {
  constructor(presenter: StudioEditorPresenter) {
    super(presenter);
  }
  protected show(req: Request, res: Response, state: PageState) {
    return this.presenter.details(req, res, state);
  }
}

@Injectable()
export class StudioStepsPage extends EditorPage {
  constructor(presenter: StudioEditorPresenter) {
    super(presenter);
  }
  protected show(req: Request, res: Response, state: PageState) {
    return this.presenter.steps(req, res, state);
  }
}

@Injectable()
export class StudioStepPage extends EditorPage {
  constructor(presenter: StudioEditorPresenter) {
    super(presenter);
  }
  protected show(req: Request, res: Response, state: PageState) {
    return this.presenter.step(req, res, state);
  }
}
