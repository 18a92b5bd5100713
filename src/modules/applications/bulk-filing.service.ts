import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { readCsvFile, type CsvFileProblem } from '../../platform/csv/read-csv.js';
import { templateCsv } from '../../platform/csv/write-csv.js';
import type { I18nService, Locale } from '../../platform/i18n/i18n.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import {
  fieldsFor,
  inputNames,
  isShown,
  rawFromAnswer,
  type FormProblem,
  type RawValues,
} from '../catalogue/form-engine.js';
import type {
  Answers,
  AnswerValue,
  FieldDefinition,
  StepDefinition,
} from '../catalogue/form-schema.js';
import { FormService, type PrefillContext } from '../catalogue/form.service.js';
import { prefillContext } from './prefill-context.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { FILING_REFUSALS, revisionMismatch } from './applications.refusals.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import type { ServedRevision } from '../catalogue/catalogue.service.js';
import { OrganizationService } from '../organizations/organization.service.js';
import {
  ApplicationsService,
  isUuid,
  type Applicant,
  type Application,
  type Filer,
} from './applications.service.js';
import { answerLines, problemMessage } from './form-view.js';
import type { Upload } from '../../platform/http/multipart.js';
import { ApplicationsReadModel } from './applications.read-model.js';

/** The most applications one file may hold. */
export const MAX_CSV_ROWS = 500;
/** Separates the values of a multiple choice in one cell. */
export const MULTI_SEPARATOR = '|';

const AUDIENCE = 'business' as const;

// ---------------------------------------------------------------------------
// The columns: the business variant's input names, step by step

/** One column of a service's CSV: an input of the business variant. */
export interface BulkColumn {
  name: string;
  step: StepDefinition;
  field: FieldDefinition;
  /** For an address or a date: which part (line1… or day…). */
  part?: string;
}

export function bulkColumns(service: ServiceDefinition): BulkColumn[] {
  return stepsOf(service).flatMap((step) =>
    fieldsFor(step.fields, AUDIENCE).flatMap((field) =>
      inputNames(field).map((name) => ({
        name,
        step,
        field,
        part: name.length > field.name.length ? name.slice(field.name.length + 1) : undefined,
      })),
    ),
  );
}

function stepsOf(service: ServiceDefinition): StepDefinition[] {
  return service.form.steps.filter((s) => !s.only || s.only === AUDIENCE);
}

// ---------------------------------------------------------------------------
// Results

/**
 * A problem with the file itself: shown beside the file input. 'revision-changed':
 * it was checked against a revision of the form the SME no longer gets.
 */
export type FileProblem =
  CsvFileProblem | { reason: 'empty' | 'too-many-rows' | 'revision-changed' };

type SimpleFileProblem = 'none' | 'not-csv' | 'too-large' | 'empty' | 'too-many-rows';

/** A problem in the file's content: a row (1 = the first under the header) or the header (0). */
export interface RowProblem {
  row: number;
  /** The columns concerned (the three of a date). */
  columns: string[];
  message: string;
}

/** A row that passed every rule: the answers its application will be filed with. */
export interface ValidRow {
  row: number;
  answers: Answers;
}

export type CheckResult =
  | { ok: false; fileProblem: FileProblem }
  | { ok: false; problems: RowProblem[]; rowCount: number }
  | { ok: true; rows: ValidRow[] };

export type FileResult =
  | { ok: true; applications: FiledApplication[]; filedNow: number }
  | { ok: false; problems: RowProblem[] };

export interface FiledApplication {
  row: number;
  application: Application;
}

/**
 * Filing many applications from one CSV file (businesses, services with
 * `bulkFiling`): the file is read and every row validated with the web's rules
 * (FormService, step by step, the business step prefilled from the SME's record
 * when its columns are empty). Any problem, and nothing is filed.
 *
 * When every row is valid, each becomes an application, created and submitted
 * through ApplicationsService with channel 'csv': each in its own transactions,
 * so the batch is all-or-nothing at validation time only. Each creation carries
 * the idempotency key `csv:<batch id>:<row>`, so filing the same batch again
 * (a re-posted confirmation, a retry after an interruption) creates nothing
 * twice and only completes what is missing.
 */
@Injectable()
export class BulkFilingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly forms: FormService,
    private readonly applications: ApplicationsService,
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly audit: AuditService,
    private readonly organizations: OrganizationService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Refuses unless the service's business variant is open to this SME now
   * (FILING_REFUSALS, as ApplicationsService.assertOpen): the pages of bulk
   * filing and the filing itself (`file`) are closed with the variant.
   */
  assertOpen(actingAs: ActingAs, service: ServiceDefinition): void {
    this.applications.assertOpen(actingAs, service.slug, AUDIENCE);
  }

  /**
   * The revision of the service's business variant this SME gets now (ADR
   * 0032): its template and its rules check the file. Refused as `assertOpen`.
   */
  revisionFor(actingAs: ActingAs, slug: string): ServedRevision {
    return this.applications.revisionFor(actingAs, slug, AUDIENCE);
  }

  /** What empty columns are prefilled from: the person filing and their SME's record. */
  prefillContext(
    account: { id: string; displayName: string; email: string },
    organizationId: string,
  ): Promise<PrefillContext> {
    return prefillContext(this.organizations, account, organizationId);
  }

  /** The template: the header row and an example row, for Excel in this language. */
  template(service: ServiceDefinition, locale: Locale): string {
    const delimiter = locale === 'fr' ? ';' : ',';
    const columns = bulkColumns(service);
    const example = this.exampleAnswers(service, locale);
    const cells = columns.map((c) => {
      const value = rawFromAnswer(c.field, example[c.field.name])[c.name];
      if (Array.isArray(value)) return value.join(MULTI_SEPARATOR);
      if (c.field.type === 'yesNo' && value) return yesNo(value, locale);
      if ((c.field.type === 'number' || c.field.type === 'money') && value && locale === 'fr')
        return value.replace('.', ',');
      return value ?? '';
    });
    return templateCsv([columns.map((c) => c.name), cells], delimiter);
  }

  /** Reads and validates an uploaded file; files nothing. */
  check(
    service: ServiceDefinition,
    upload: Upload | undefined,
    uploadProblem: SimpleFileProblem | undefined,
    context: PrefillContext,
    locale: Locale,
    i18n: I18nService,
  ): CheckResult {
    if (uploadProblem) return { ok: false, fileProblem: { reason: uploadProblem } };
    const file = readCsvFile(upload, this.config.UPLOAD_BULK_MAX_BYTES);
    if (!file.ok) return { ok: false, fileProblem: file.problem };
    const { header, rows } = file;
    if (header.every((h) => h.trim() === '') || rows.length === 0)
      return { ok: false, fileProblem: { reason: 'empty' } };
    if (rows.length > MAX_CSV_ROWS) return { ok: false, fileProblem: { reason: 'too-many-rows' } };

    const columns = bulkColumns(service);
    const headerProblems = this.headerProblems(columns, header, locale, i18n);
    if (headerProblems.problems.length > 0)
      return { ok: false, problems: headerProblems.problems, rowCount: rows.length };
    const index = headerProblems.index;

    const problems: RowProblem[] = [];
    const valid: ValidRow[] = [];
    for (const { row, cells } of rows) {
      const outside = cells.some((c, i) => c.trim() !== '' && !index.has(i));
      if (outside)
        problems.push({ row, columns: [], message: i18n.t(locale, 'bulk.problems.outside') });
      const values = new Map<string, string>();
      for (const [i, name] of index) values.set(name, cells[i] ?? '');
      const result = this.validateRow(service, values, context);
      problems.push(
        ...result.problems.map((p) => ({
          row,
          columns: problemColumns(columns, p),
          message: problemMessage(p, locale, i18n),
        })),
      );
      if (!outside && result.problems.length === 0) valid.push({ row, answers: result.answers });
    }
    if (problems.length > 0) return { ok: false, problems, rowCount: rows.length };
    return { ok: true, rows: valid };
  }

  /**
   * Files a validated batch: checked once more against the rules (a date may
   * have passed since), then one application per row, created and submitted.
   * Rows already filed under this batch are not filed again. Refused while the
   * variant is closed to the SME, when the SME no longer gets the revision the
   * batch was checked against ('revision-mismatch': a rollout or a rollback
   * since), and without the declaration, made once for the whole batch
   * ('bulk-declaration-required').
   */
  async file(
    filer: Filer,
    service: ServiceDefinition,
    batch: { id: string; rows: ValidRow[]; revision?: number },
    declaration: string | undefined,
    origin: RequestOrigin,
    locale: Locale,
    i18n: I18nService,
  ): Promise<FileResult> {
    // (A batch checked before revisions were recorded names none: its rows are checked below.)
    const { revision } = this.applications.revisionFor(
      filer,
      service.slug,
      AUDIENCE,
      batch.revision,
    );
    if (declaration !== 'agreed') throw FILING_REFUSALS.of('bulk-declaration-required');
    const stale = batch.rows.flatMap(({ row, answers }) =>
      this.forms.problems(service, AUDIENCE, answers).flatMap(({ problems }) =>
        problems.map((p) => ({
          row,
          columns: problemColumns(bulkColumns(service), p),
          message: problemMessage(p, locale, i18n),
        })),
      ),
    );
    if (stale.length > 0) return { ok: false, problems: stale };

    const who: Filer = { ...filer, channel: 'csv' };
    const filed: FiledApplication[] = [];
    let filedNow = 0;
    for (const { row, answers } of batch.rows) {
      const { application } = await this.applications.start(
        who,
        service.slug,
        AUDIENCE,
        answers,
        origin,
        { idempotencyKey: idempotencyKey(batch.id, row), revision, batch: true },
      );
      if (application.status !== 'draft') {
        filed.push({ row, application });
        continue;
      }
      const submitted = await this.applications.submitFiling(who, application.id, origin);
      // Only a rollback moving the row's draft meanwhile leaves it incomplete:
      // the rows before are filed; the file is checked again on the new form.
      if (!submitted.ok)
        throw revisionMismatch(this.applications.revisionFor(who, service.slug, AUDIENCE).revision);
      if (!submitted.alreadySubmitted) filedNow++;
      filed.push({ row, application: submitted.application });
    }
    if (filedNow > 0)
      await this.dataSource.transaction((manager) =>
        this.audit.record(manager, {
          actor: { type: 'person', id: who.accountId },
          actingAs: { audience: who.audience, organizationId: who.organization?.id },
          action: 'applications.bulk_filed',
          entity: { type: 'organization', id: who.organization?.id },
          after: {
            batch: batch.id,
            service: service.slug,
            count: filed.length,
            filedNow,
            references: filed.map((f) => f.application.reference),
          },
          ip: origin.ip,
          requestId: origin.requestId,
        }),
      );
    return { ok: true, applications: filed, filedNow };
  }

  /** The applications a batch filed, in row order (only the applicant's own SME's). */
  async filed(applicant: Applicant, batchId: string): Promise<FiledApplication[]> {
    if (!isUuid(batchId) || !applicant.organizationId) return [];
    const rows = await this.dataSource.query<{ id: string; row: number }[]>(
      `SELECT a.id, split_part(a.idempotency_key, ':', 3)::int AS "row"
         FROM application a
        WHERE COALESCE(a.organization_id, a.account_id) = $1 AND a.idempotency_key LIKE $2
        ORDER BY 2`,
      [applicant.organizationId, `csv:${batchId.toLowerCase()}:%`],
    );
    const found = await Promise.all(
      rows.map(async (r) => ({
        row: r.row,
        application: await this.applicationsRead.find(applicant, r.id),
      })),
    );
    return found.filter((f): f is FiledApplication => f.application !== undefined);
  }

  /** A short description of a row, for the check and result pages: the first fields of the form. */
  describe(
    service: ServiceDefinition,
    answers: Answers,
    locale: Locale,
    i18n: I18nService,
  ): { label: string; value: string }[] {
    return summaryFields(service).map((field) => ({
      label: field.label[locale],
      value: answerLines(field, answers[field.name], locale, i18n).join(', '),
    }));
  }

  summaryLabels(service: ServiceDefinition, locale: Locale): string[] {
    return summaryFields(service).map((f) => f.label[locale]);
  }

  // ---------------------------------------------------------------------------

  private headerProblems(
    columns: BulkColumn[],
    header: string[],
    locale: Locale,
    i18n: I18nService,
  ): { problems: RowProblem[]; index: Map<number, string> } {
    const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
    const index = new Map<number, string>();
    const seen = new Set<string>();
    const problems: RowProblem[] = [];
    header.forEach((cell, i) => {
      const typed = cell.trim();
      if (typed === '') return;
      const name = byName.get(typed.toLowerCase());
      if (!name) {
        problems.push({
          row: 0,
          columns: [typed],
          message: i18n.t(locale, 'bulk.problems.unknownColumn'),
        });
      } else if (seen.has(name)) {
        problems.push({
          row: 0,
          columns: [name],
          message: i18n.t(locale, 'bulk.problems.duplicateColumn'),
        });
      } else {
        seen.add(name);
        index.set(i, name);
      }
    });
    for (const column of columns)
      if (!seen.has(column.name))
        problems.push({
          row: 0,
          columns: [column.name],
          message: i18n.t(locale, 'bulk.problems.missingColumn'),
        });
    return { problems, index };
  }

  /** One row through the web's rules, step by step, with prefilling where its columns are empty. */
  private validateRow(
    service: ServiceDefinition,
    values: Map<string, string>,
    context: PrefillContext,
  ): { answers: Answers; problems: FormProblem[] } {
    let answers: Answers = {};
    const problems: FormProblem[] = [];
    for (const step of stepsOf(service)) {
      const raw: RawValues = {};
      const typed: Answers = {};
      for (const field of fieldsFor(step.fields, AUDIENCE)) {
        for (const name of inputNames(field)) {
          const cell = values.get(name) ?? '';
          if (cell.trim() !== '') typed[field.name] = '';
          raw[name] = cellToRaw(field, cell);
        }
      }
      const prefill = this.forms.prefill(step, AUDIENCE, typed, context);
      for (const field of fieldsFor(step.fields, AUDIENCE))
        if (prefill[field.name] !== undefined)
          Object.assign(raw, rawFromAnswer(field, prefill[field.name]));
      const result = this.forms.parse(service, AUDIENCE, step, raw, answers);
      answers = { ...answers, ...result.answers };
      problems.push(...result.problems);
    }
    return { answers, problems };
  }

  /** A valid-looking example: samples by type, prefilled fields and optional ones left empty. */
  private exampleAnswers(service: ServiceDefinition, locale: Locale): Answers {
    const answers: Answers = {};
    for (const step of stepsOf(service))
      for (const field of fieldsFor(step.fields, AUDIENCE)) {
        if (field.prefill || field.optional || !isShown(field, answers)) continue;
        const value = this.sample(field, locale);
        if (value !== undefined) answers[field.name] = value;
      }
    return answers;
  }

  private sample(field: FieldDefinition, locale: Locale): AnswerValue | undefined {
    const clamp = (v: number, min?: number, max?: number) =>
      Math.min(max ?? Infinity, Math.max(min ?? -Infinity, v));
    switch (field.type) {
      case 'address':
        return {
          line1: '12, rue Principale',
          line2: '',
          city: this.config.MUNICIPALITY_NAME,
          postalCode: 'J8X 1A1',
        };
      case 'date': {
        const days = field.notAfter ? -14 : 14;
        return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
      }
      case 'choice':
        return field.options[0].value;
      case 'multiChoice':
        return field.options.slice(0, 2).map((o) => o.value);
      case 'yesNo':
        return 'no';
      case 'number':
        return clamp(2, field.min, field.max);
      case 'money':
        return clamp(100, field.min, field.max);
      case 'email':
        return 'nom@exemple.ca';
      case 'phone':
        return '819 555-0123';
      case 'text':
        return field.pattern ? undefined : field.label[locale];
      case 'longText':
        return field.label[locale];
      default:
        return undefined;
    }
  }
}

export function idempotencyKey(batchId: string, row: number): string {
  return `csv:${batchId.toLowerCase()}:${row}`;
}

/** A cell as the form engine reads it: lists for multiple choices, yes/no in both languages. */
function cellToRaw(field: FieldDefinition, cell: string): string | string[] {
  const text = cell.slice(0, 20_000);
  switch (field.type) {
    case 'multiChoice':
      return text
        .split(MULTI_SEPARATOR)
        .map((v) => optionValue(field.options, v.trim()))
        .filter((v) => v !== '')
        .slice(0, 100);
    case 'choice':
      return optionValue(field.options, text.trim());
    case 'yesNo': {
      const answer = text.trim().toLowerCase();
      if (answer === 'oui' || answer === 'yes') return 'yes';
      if (answer === 'non' || answer === 'no') return 'no';
      return text;
    }
    default:
      return text;
  }
}

/** An option's value, whatever the case it was typed in. */
function optionValue(options: { value: string }[], typed: string): string {
  return options.find((o) => o.value.toLowerCase() === typed.toLowerCase())?.value ?? typed;
}

function yesNo(value: string, locale: Locale): string {
  if (locale === 'fr') return value === 'yes' ? 'oui' : 'non';
  return value;
}

/** The columns a problem is about: its input, or the three of a date. */
function problemColumns(columns: BulkColumn[], problem: FormProblem): string[] {
  const column = columns.find((c) => c.name === problem.inputId);
  if (column?.field.type === 'date') return inputNames(column.field);
  return [problem.inputId];
}

/** The first three fields of the form's first step that is not the business's own. */
function summaryFields(service: ServiceDefinition): FieldDefinition[] {
  const step = stepsOf(service).find((s) => !s.only) ?? stepsOf(service)[0];
  return fieldsFor(step.fields, AUDIENCE).slice(0, 3);
}

// ---------------------------------------------------------------------------
// The column guide shown beside the upload form

export interface ColumnGuideRow {
  name: string;
  label: string;
  need: string;
  values: { code?: string; text: string }[];
}

/** What each column holds, whether it is required, and the values it accepts. */
export function columnGuide(
  service: ServiceDefinition,
  locale: Locale,
  i18n: I18nService,
): ColumnGuideRow[] {
  const fields = new Map(service.form.steps.flatMap((s) => s.fields.map((f) => [f.name, f])));
  const t = (key: string, vars: Record<string, unknown> = {}) =>
    i18n.t(locale, `bulk.guide.${key}`, vars);
  return bulkColumns(service).map(({ name, field, part }) => {
    const partLabel =
      field.type === 'address' && part
        ? i18n.t(locale, `form.address.${part}`)
        : field.type === 'date' && part
          ? i18n.t(locale, `form.${part}`)
          : undefined;
    let need: string;
    if (field.prefill)
      need = t(field.prefill.startsWith('account.') ? 'prefilledAccount' : 'prefilledOrganization');
    else if (field.optional || part === 'line2') need = t('optional');
    else if (field.showIf)
      need = t('conditional', {
        label: fields.get(field.showIf.field)?.label[locale] ?? field.showIf.field,
        values: ([] as string[]).concat(field.showIf.equals).join(', '),
      });
    else need = t('required');
    const values: ColumnGuideRow['values'] = [];
    switch (field.type) {
      case 'address':
        if (part === 'postalCode') values.push({ text: t('values.postalCode') });
        else values.push({ text: t('values.text', { max: 200 }) });
        break;
      case 'date':
        values.push({ text: t(`values.${part ?? 'day'}`) });
        break;
      case 'text':
      case 'longText':
        values.push({
          text:
            field.type === 'text' && field.pattern
              ? field.pattern.message[locale]
              : t('values.text', { max: field.maxLength ?? (field.type === 'text' ? 200 : 5000) }),
        });
        break;
      case 'number':
        values.push({
          text:
            field.min !== undefined && field.max !== undefined
              ? t('values.numberRange', { min: field.min, max: field.max })
              : t('values.number'),
        });
        break;
      case 'money':
        values.push({ text: t('values.money') });
        break;
      case 'email':
        values.push({ text: t('values.email') });
        break;
      case 'phone':
        values.push({ text: t('values.phone') });
        break;
      case 'yesNo':
        values.push({ text: t('values.yesNo') });
        break;
      case 'choice':
      case 'multiChoice':
        values.push({
          text: t(field.type === 'choice' ? 'values.choice' : 'values.multiChoice', {
            separator: MULTI_SEPARATOR,
          }),
        });
        for (const option of field.options)
          values.push({ code: option.value, text: option.label[locale] });
        break;
    }
    return {
      name,
      label: partLabel ? `${field.label[locale]} – ${partLabel}` : field.label[locale],
      need,
      values,
    };
  });
}
