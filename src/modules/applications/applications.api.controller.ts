import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Body,
  Controller,
  createParamDecorator,
  ExecutionContext,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import { assertUnreachable } from '../../platform/errors/assert-unreachable.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService, type ServedRevision } from '../catalogue/catalogue.service.js';
import { todayIso } from '../catalogue/field-rules.js';
import { fieldsFor, maxFiles } from '../catalogue/form-engine.js';
import { FormService } from '../catalogue/form.service.js';
import { Refusal } from '../../platform/errors/refusal.js';
import { ApiKeyGuard } from './api-key.guard.js';
import type { ApiKeyPrincipal } from './api-keys.service.js';
import { ApiErrorFilter, ApiException, apiLocale } from './api.refusals.js';
import { FILING_REFUSALS, type FilingProblem } from './applications.refusals.js';
import {
  ApplicationsService,
  applicantOf as applicantOfFiler,
  isUuid,
  type Applicant,
  type Application,
  type Filer,
} from './applications.service.js';
import {
  answersProblems,
  answersSchema,
  API_AUDIENCE,
  ApiDoc,
  apiFiling,
  buildOpenApiDocument,
  checkAnswers,
  RequiresScope,
} from './openapi.js';
import { ApplicationsReadModel } from './applications.read-model.js';
import { AttachmentsService, type QuestionUploadRefusal } from './attachments.service.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { ApiUploadInterceptor } from './api-upload.interceptor.js';

// ---------------------------------------------------------------------------
// Errors (api.refusals.ts) and authentication (api-key.guard.ts)

/** The key the request was authenticated with (set by ApiKeyGuard). */
const CurrentApiKey = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ApiKeyPrincipal =>
    ctx.switchToHttp().getResponse<Response>().locals.apiKey as ApiKeyPrincipal,
);

/** Who an API key acts as, for the flags: its SME, in the name of the owner who created it. */
function actingAsOf(key: ApiKeyPrincipal): ActingAs {
  return {
    audience: API_AUDIENCE,
    accountId: key.accountId,
    organization: {
      id: key.organizationId,
      name: key.organizationName,
      employeeCount: key.employeeCount,
    },
    staff: false,
  };
}

/** Who files with an API key: its SME, in the name of its owner, through the API. */
function filerOf(key: ApiKeyPrincipal): Filer {
  return { ...actingAsOf(key), accountId: key.accountId, channel: 'api', apiKeyId: key.keyId };
}

function applicantOf(key: ApiKeyPrincipal): Applicant {
  return applicantOfFiler(filerOf(key));
}

/**
 * A filing refusal as the API answers it (other errors unchanged): the variant
 * not open to the key's SME, `service_not_available` (404), or
 * `flags_unavailable` (503, try again in 30 s); an application not the SME's,
 * `application_not_found`; answers written for another revision,
 * `revision_mismatch` (409) with the revision `expected`.
 */
function apiRefusal(error: unknown): unknown {
  if (!(error instanceof Refusal) || error.module !== FILING_REFUSALS.module) return error;
  const code = error.code as FilingProblem;
  switch (code) {
    case 'flags-unavailable':
      return new ApiException('flags_unavailable', { headers: { 'Retry-After': '30' } });
    case 'not-released':
    case 'other-audience':
      return new ApiException('service_not_available');
    case 'not-found':
      return new ApiException('application_not_found');
    case 'not-editable':
      return new ApiException('application_not_editable');
    case 'revision-mismatch':
      return new ApiException('revision_mismatch', {
        expected: (error.details.body as { expected: number }).expected,
      });
    case 'declaration-required':
    case 'bulk-declaration-required':
      // Not refusals the API's filing meets (no step editing, no declaration).
      return error;
    default:
      return assertUnreachable(code);
  }
}

// ---------------------------------------------------------------------------
// Representations

const API_BASE = '/api/v1';

/**
 * A service as the key's SME gets it: the revision it files on (a candidate
 * in rollout, ADR 0032, or the current one) and that revision's texts. The
 * OpenAPI document describes the current revisions: a candidate's schema is
 * the service's own (`GET /services/{slug}`, `answersSchema`).
 */
function serviceResource({ definition: service, revision, candidate }: ServiceRevisionForKey) {
  return {
    slug: service.slug,
    referencePrefix: service.referencePrefix,
    revision,
    candidate,
    title: service.title,
    summary: service.variants[API_AUDIENCE].summary,
    department: service.department,
    processingTime: service.processingTime,
    fees: service.fees,
    apiFiling: apiFiling(service),
    links: {
      self: `${API_BASE}/services/${service.slug}`,
      schema: candidate
        ? `${API_BASE}/services/${service.slug}#answersSchema`
        : `/api/docs/openapi.json#/components/schemas/Answers.${service.slug}`,
    },
  };
}

/** The revision a key's SME gets, and whether it is a candidate (not yet the variant's current). */
interface ServiceRevisionForKey extends ServedRevision {
  candidate: boolean;
}

function applicationResource(application: Application, publicUrl: string) {
  return {
    id: application.id,
    reference: application.reference,
    service: application.serviceSlug,
    serviceRevision: application.serviceRevision,
    variant: application.variant,
    status: application.status,
    channel: application.channel,
    answers: application.answers,
    decisionNote: application.decisionNote,
    createdAt: application.createdAt,
    updatedAt: application.updatedAt,
    submittedAt: application.submittedAt,
    decidedAt: application.decidedAt,
    links: {
      self: `${API_BASE}/applications/${application.id}`,
      web: `${publicUrl}/applications/${application.id}`,
    },
  };
}

// ---------------------------------------------------------------------------
// Request checks

/** The Idempotency-Key header: checked with this rule, documented with it too. */
const IDEMPOTENCY_KEY_RULE = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '^[\\x21-\\x7e]+$',
} as const;
const IDEMPOTENCY_KEY = new RegExp(
  `^[\\x21-\\x7e]{${IDEMPOTENCY_KEY_RULE.minLength},${IDEMPOTENCY_KEY_RULE.maxLength}}$`,
);
const MAX_PAGE = 100;
/** An application's id, as the API reads it (isUuid). */
const UUID_RULE = {
  type: 'string',
  format: 'uuid',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;

function invalid(field: string, message: string): ApiException {
  return new ApiException('invalid_request', { errors: [{ field, code: 'invalid', message }] });
}

/** Each refusal of a file, as the API answers it (the service decides; this only names it). */
function fileRefusal(reason: QuestionUploadRefusal, t: (key: string) => string): ApiException {
  switch (reason) {
    case 'too-large':
      return new ApiException('file_too_large');
    case 'application-full':
    case 'account-full':
      return new ApiException('attachments_quota_exceeded');
    case 'wrong-type':
      return new ApiException('file_type_not_accepted');
    case 'infected':
      return new ApiException('file_infected');
    case 'too-many':
      return new ApiException('too_many_files');
    case 'unknown-question':
      return new ApiException('unknown_question');
    case 'not-file-question':
      return new ApiException('not_a_file_question');
    case 'not-found':
      return new ApiException('application_not_found');
    case 'not-editable':
      return new ApiException('application_not_editable');
    case 'none':
    case 'empty':
      return invalid('file', t('api.errors.fields.fileMissing'));
    default:
      // The reader could not read the body whole ('unreadable').
      return invalid('', t('api.errors.fields.multipart'));
  }
}

/**
 * The revision a request says its answers were written for (a JSON number, or
 * the text of a query parameter or a multipart part), undefined when not given;
 * anything but a revision number is an invalid_request.
 */
function writtenRevision(value: unknown, t: (key: string) => string): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && REVISION.test(value) ? Number(value) : value;
  if (
    typeof number !== 'number' ||
    !Number.isInteger(number) ||
    number < 1 ||
    number > MAX_REVISION
  )
    throw invalid('revision', t('api.errors.fields.revision'));
  return number;
}
const REVISION = /^[1-9]\d{0,8}$/;
const MAX_REVISION = 999_999_999;

/** `{ service, answers, submit?, revision? }` from a JSON body, or an invalid_request naming what is wrong. */
function creationRequest(req: Request, body: unknown, t: (key: string) => string) {
  if (!req.is('application/json')) throw new ApiException('unsupported_media_type');
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('', t('api.errors.fields.body'));
  const { service, answers, submit, revision } = body as Record<string, unknown>;
  if (typeof service !== 'string' || service === '')
    throw invalid('service', t('api.errors.fields.service'));
  if (answers !== undefined && (typeof answers !== 'object' || Array.isArray(answers)))
    throw invalid('answers', t('api.errors.fields.answers'));
  if (submit !== undefined && typeof submit !== 'boolean')
    throw invalid('submit', t('api.errors.fields.submit'));
  const key = req.header('idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
    throw invalid('Idempotency-Key', t('api.errors.fields.idempotencyKey'));
  return {
    service,
    answers,
    submit: submit === true,
    revision: writtenRevision(revision, t),
    idempotencyKey: key,
  };
}

function pageRequest(limit: unknown, after: unknown, t: (key: string) => string) {
  const size = limit === undefined ? 20 : Number(limit);
  if (typeof (limit ?? '') !== 'string' || !Number.isInteger(size) || size < 1 || size > MAX_PAGE)
    throw invalid('limit', t('api.errors.fields.limit'));
  if (after !== undefined && (typeof after !== 'string' || !isUuid(after)))
    throw invalid('after', t('api.errors.fields.after'));
  return { limit: size, after: after as string | undefined };
}

const SLUG_PARAM = { name: 'slug', in: 'path', required: true, schema: { type: 'string' } };
/** The revision a request's answers were written for (optional; checked when given). */
const REVISION_PARAM = {
  name: 'revision',
  in: 'query',
  required: false,
  description:
    'The revision of the form the answers were written for (`serviceRevision` of the application): if the draft is on another one by now, nothing is submitted (409 revision_mismatch).',
  schema: { type: 'integer', minimum: 1, maximum: MAX_REVISION },
};
const ID_PARAM = { name: 'id', in: 'path', required: true, schema: UUID_RULE };

// ---------------------------------------------------------------------------
// The API

/**
 * The JSON API for SMEs, with an API key: the services open to the SME (the
 * same flags as the pages), their forms, and its applications (the same
 * validation as the pages). Changes are audited by ApplicationsService with
 * the key as actor.
 */
@Controller('api/v1')
@UseGuards(ApiKeyGuard)
@UseFilters(ApiErrorFilter)
export class ApplicationsApiController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
    private readonly applications: ApplicationsService,
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly attachments: AttachmentsService,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  @Get('services')
  @RequiresScope('applications:read')
  @ApiDoc({
    operationId: 'listServices',
    summary: 'The services open to your business',
    responses: { 200: ['The services whose business variant is open to you', 'ServiceList'] },
  })
  listServices(@CurrentApiKey() key: ApiKeyPrincipal) {
    const open = this.catalogue.all().flatMap((s) => {
      try {
        return [this.openService(s.slug, key)];
      } catch (error) {
        // Not open to this SME: not listed.
        if (error instanceof Refusal) return [];
        throw error;
      }
    });
    return { data: open.map(serviceResource) };
  }

  @Get('services/:slug')
  @RequiresScope('applications:read')
  @ApiDoc({
    operationId: 'getService',
    summary: 'A service and its form (business variant), in the revision your business gets',
    description:
      'Names the revision of the form your business files on (`revision`) and gives that revision’s steps, fields and answers schema. While the city tries a new revision with some businesses first, yours may get it (`candidate: true`) before the OpenAPI document describes it: read this before writing answers, and send its `revision` with them.',
    parameters: [SLUG_PARAM],
    responses: {
      200: [
        'The service, its revision, its steps and fields, and the JSON Schema of its answers',
        'ServiceForm',
      ],
      404: ['service_not_found, or service_not_available: not open to your business', 'Error'],
      503: ['flags_unavailable: try again (Retry-After)', 'Error'],
    },
  })
  service(@Param('slug') slug: string, @CurrentApiKey() key: ApiKeyPrincipal) {
    const served = this.openService(slug, key);
    const service = served.definition;
    return {
      ...serviceResource(served),
      form: {
        steps: this.forms.steps(service, API_AUDIENCE).map((step) => ({
          ...step,
          only: undefined,
          fields: fieldsFor(step.fields, API_AUDIENCE).map((f) =>
            f.type === 'file'
              ? { ...f, maxFiles: maxFiles(f), maxFileBytes: this.config.UPLOAD_STEP_MAX_BYTES }
              : f,
          ),
        })),
      },
      answersSchema: answersSchema(service),
    };
  }

  @Post('applications')
  @RequiresScope('applications:write')
  @ApiDoc({
    operationId: 'createApplication',
    summary: 'Create an application, and submit it if asked',
    description:
      'The answers are validated with the same rules as the pages, on the revision of the form your business gets (`GET /services/{slug}` names it). Send that `revision` with the answers: if your business gets another one by then, nothing is created and the answer is 409 `revision_mismatch` with the revision `expected`. Send an `Idempotency-Key` header to retry safely: the same key gives back the same application.',
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          '1 to 200 visible ASCII characters (no spaces), e.g. a UUID. Sent empty or otherwise malformed: 400 invalid_request.',
        schema: IDEMPOTENCY_KEY_RULE,
      },
    ],
    requestBody: 'CreateApplication',
    responses: {
      201: ['Created (submitted if asked)', 'Application'],
      200: ['Already created with this Idempotency-Key', 'Application'],
      400: ['invalid_request: the body or a header is malformed', 'Error'],
      404: ['service_not_found or service_not_available', 'Error'],
      409: [
        'revision_mismatch: the answers were written for another revision of the form (`expected` names yours)',
        'Error',
      ],
      413: ['payload_too_large: the body is too large', 'Error'],
      415: ['unsupported_media_type: send application/json', 'Error'],
      422: ['validation_failed: the answers, field by field', 'Error'],
      503: ['flags_unavailable: try again (Retry-After)', 'Error'],
    },
  })
  async create(
    @Body() body: unknown,
    @CurrentApiKey() key: ApiKeyPrincipal,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const locale = apiLocale(req);
    const input = creationRequest(req, body, (k) => this.i18n.t(locale, k));
    const served = this.openService(input.service, key);
    // The answers are checked against the revision they were written for; they
    // are filed only on the one the SME gets (else 409, unless a replay).
    const written =
      (input.revision !== undefined && this.catalogue.revision(input.service, input.revision)) ||
      served.definition;
    const service = served.definition;
    const checked = checkAnswers(this.forms, this.i18n, locale, written, input.answers, {
      draft: !input.submit,
    });
    if (!checked.ok) throw new ApiException('validation_failed', { errors: checked.errors });
    const filer = filerOf(key);
    const origin = requestOrigin(req, res);
    const started = await this.applications
      .start(filer, service.slug, API_AUDIENCE, checked.answers, origin, {
        idempotencyKey: input.idempotencyKey,
        submit: input.submit,
        revision: input.revision ?? served.revision,
      })
      .catch((error: unknown) => {
        throw apiRefusal(error);
      });
    let application = started.application;
    if (input.submit && application.status === 'draft')
      application = await this.submitDraft(filer, application, locale, req, res);
    res.setHeader('Location', `${API_BASE}/applications/${application.id}`);
    if (!started.created) res.setHeader('Idempotent-Replayed', 'true');
    res
      .status(started.created ? 201 : 200)
      .json(applicationResource(application, this.config.PUBLIC_URL));
  }

  @Post('applications/:id/submit')
  @HttpCode(200)
  @RequiresScope('applications:write')
  @ApiDoc({
    operationId: 'submitApplication',
    summary: 'Submit a draft (submitting it again changes nothing)',
    parameters: [ID_PARAM, REVISION_PARAM],
    responses: {
      200: ['Submitted, with its reference', 'Application'],
      404: ['application_not_found, or service_not_available', 'Error'],
      409: [
        'revision_mismatch: the draft is on another revision than `revision` (a rollback moved it; `expected` names it)',
        'Error',
      ],
      422: ['validation_failed: the draft is not complete', 'Error'],
      503: ['flags_unavailable: try again (Retry-After)', 'Error'],
    },
  })
  async submit(
    @Param('id') id: string,
    @Query('revision') revision: unknown,
    @CurrentApiKey() key: ApiKeyPrincipal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const locale = apiLocale(req);
    const written = writtenRevision(revision, (k) => this.i18n.t(locale, k));
    const filer = filerOf(key);
    const application = await this.applicationsRead.find(applicantOf(key), id);
    if (!application) throw new ApiException('application_not_found');
    if (application.status !== 'draft')
      return applicationResource(application, this.config.PUBLIC_URL);
    this.openService(application.serviceSlug, key);
    const submitted = await this.submitDraft(filer, application, locale, req, res, written);
    return applicationResource(submitted, this.config.PUBLIC_URL);
  }

  @Post('applications/:id/files')
  @RequiresScope('applications:write')
  @ApiDoc({
    operationId: 'uploadFile',
    summary: 'Add a file to a file question of a draft',
    description:
      'Create the application as a draft first (`submit: false`: a draft may lack its files), send each file here as `multipart/form-data` with two parts, `question` (the name of a file question of the form) then `file` (PDF, JPEG or PNG, judged from its content), then submit the draft with `POST /applications/{id}/submit`. The file is added to the answers of its question and scanned for viruses: an infected file is refused and never kept; a file that could not be scanned yet is kept and shown to staff once scanned clean. Sending the same file twice adds it twice: after a network failure, read the application (`GET /applications/{id}`) to see which files it holds.',
    parameters: [ID_PARAM],
    requestBody: 'FileUpload',
    requestBodyType: 'multipart/form-data',
    responses: {
      201: ['The file, and the application with it in its answers', 'UploadedFile'],
      400: ['invalid_request: no question, no file, or a body that is not multipart', 'Error'],
      404: ['application_not_found, or service_not_available', 'Error'],
      409: [
        'application_not_editable: the application was submitted; revision_mismatch: the draft is on another revision than the part `revision` (`expected` names it)',
        'Error',
      ],
      413: ['file_too_large, or attachments_quota_exceeded', 'Error'],
      415: ['file_type_not_accepted: not a PDF, JPEG or PNG', 'Error'],
      422: [
        'file_infected, too_many_files (the question holds its maxFiles), unknown_question, not_a_file_question',
        'Error',
      ],
      503: ['flags_unavailable: try again (Retry-After)', 'Error'],
    },
  })
  @UseInterceptors(ApiUploadInterceptor)
  async uploadFile(
    @Param('id') id: string,
    @CurrentApiKey() key: ApiKeyPrincipal,
    @Req() req: UploadedRequest,
    @Res() res: Response,
  ) {
    const t = (k: string) => this.i18n.t(apiLocale(req), k);
    if (!req.is('multipart/form-data')) throw invalid('', t('api.errors.fields.multipart'));
    const { question, revision } = req.body as Record<string, unknown>;
    if (typeof question !== 'string' || question === '')
      throw invalid('question', t('api.errors.fields.question'));
    const written = writtenRevision(revision, t);
    const empty = req.emptyUploads?.includes('file');
    const result = await this.attachments
      .uploadToQuestion(
        filerOf(key),
        id,
        question,
        req.uploads?.file,
        req.uploadProblem ?? (empty ? 'empty' : undefined),
        requestOrigin(req, res),
        written,
      )
      .catch((error: unknown) => {
        throw apiRefusal(error);
      });
    if (!result.ok) throw fileRefusal(result.reason, t);
    res
      .status(201)
      .setHeader('Location', `${API_BASE}/applications/${id}`)
      .json({
        file: result.file,
        question,
        application: applicationResource(result.application, this.config.PUBLIC_URL),
      });
  }

  @Get('applications')
  @RequiresScope('applications:read')
  @ApiDoc({
    operationId: 'listApplications',
    summary: "Your business's applications, newest first",
    parameters: [
      {
        name: 'limit',
        in: 'query',
        schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 20 },
      },
      {
        name: 'after',
        in: 'query',
        description: 'The `next` cursor of the previous page',
        schema: UUID_RULE,
      },
    ],
    responses: {
      200: ['A page of applications', 'ApplicationList'],
      400: ['invalid_request: limit or after', 'Error'],
    },
  })
  async list(
    @Query('limit') limit: unknown,
    @Query('after') after: unknown,
    @CurrentApiKey() key: ApiKeyPrincipal,
    @Req() req: Request,
  ) {
    const locale = apiLocale(req);
    const page = pageRequest(limit, after, (k) => this.i18n.t(locale, k));
    const rows = await this.applicationsRead.page(applicantOf(key), page.limit + 1, page.after);
    const data = rows.slice(0, page.limit);
    return {
      data: data.map((a) => applicationResource(a, this.config.PUBLIC_URL)),
      next: rows.length > page.limit ? data[data.length - 1].id : null,
    };
  }

  @Get('applications/:id')
  @RequiresScope('applications:read')
  @ApiDoc({
    operationId: 'getApplication',
    summary: 'An application: status, reference, timestamps, answers',
    parameters: [ID_PARAM],
    responses: {
      200: ['The application', 'Application'],
      404: ['application_not_found', 'Error'],
    },
  })
  async application(@Param('id') id: string, @CurrentApiKey() key: ApiKeyPrincipal) {
    const application = await this.applicationsRead.find(applicantOf(key), id);
    if (!application) throw new ApiException('application_not_found');
    return applicationResource(application, this.config.PUBLIC_URL);
  }

  /**
   * The service in the revision the key's SME gets, when its business variant
   * is open to it (the pages' gate); `written`: the revision the request's
   * answers were written for (another is a revision_mismatch).
   */
  private openService(slug: string, key: ApiKeyPrincipal, written?: number): ServiceRevisionForKey {
    const current = this.catalogue.served(slug, API_AUDIENCE);
    if (!current) throw new ApiException('service_not_found');
    try {
      const served = this.applications.revisionFor(actingAsOf(key), slug, API_AUDIENCE, written);
      return { ...served, candidate: served.revision !== current.revision };
    } catch (error) {
      throw apiRefusal(error);
    }
  }

  private async submitDraft(
    filer: Filer,
    application: Application,
    locale: Locale,
    req: Request,
    res: Response,
    written?: number,
  ): Promise<Application> {
    const result = await this.applications
      .submitFiling(filer, application.id, requestOrigin(req, res), undefined, {
        revision: written,
      })
      .catch((error: unknown) => {
        throw apiRefusal(error);
      });
    if (result.ok) return result.application;
    if (result.reason === 'not-found') throw new ApiException('application_not_found');
    const service = (await this.catalogue.revisionOf(
      application.serviceSlug,
      application.serviceRevision,
    ))!;
    throw new ApiException('validation_failed', {
      errors: answersProblems(
        this.forms,
        this.i18n,
        locale,
        service,
        application.variant,
        application.answers,
      ),
    });
  }
}

// ---------------------------------------------------------------------------
// Documentation: the OpenAPI document and Swagger UI

const swaggerUiDir = dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);
/** Only what the docs page loads from swagger-ui-dist (not its petstore index.html). */
const SWAGGER_ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'favicon-16x16.png',
  'favicon-32x32.png',
]);

function sameRevisions(a: ServedRevision[], b: ServedRevision[]): boolean {
  return a.length === b.length && a.every((s, i) => s.definition === b[i].definition);
}

@Controller('api/docs')
export class ApiDocsController {
  /** The document of one day (its date rules are computed for that day). */
  private document?: { today: string; services: ServedRevision[]; body: Record<string, unknown> };

  constructor(
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  page(@Res() res: Response) {
    const locale = res.locals.locale as Locale;
    res.render('api/docs', { layout: false, locale, title: this.i18n.t(locale, 'api.docs.title') });
  }

  @Get('openapi.json')
  openapi() {
    const today = todayIso();
    // The current revisions of the business variants (an SME in a candidate's
    // rollout gets another: the document says so, GET /services/{slug} gives it).
    const services = this.catalogue.servedAll(API_AUDIENCE);
    if (this.document?.today !== today || !sameRevisions(this.document.services, services))
      this.document = {
        today,
        services,
        body: buildOpenApiDocument({
          controller: ApplicationsApiController,
          services: services.map((s) => s.definition),
          revisions: Object.fromEntries(services.map((s) => [s.definition.slug, s.revision])),
          title: 'Guichet API',
          version: '1.0.0',
          today,
        }),
      };
    return this.document.body;
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response) {
    if (!SWAGGER_ASSETS.has(file)) throw new NotFoundException();
    res.sendFile(join(swaggerUiDir, file), { maxAge: '1h' });
  }
}
