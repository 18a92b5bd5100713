import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import type { Applicant, Application } from '../applications/applications.service.js';
import { isUuid } from '../applications/applications.service.js';
import { sanitizeFilename } from '../applications/attachments.service.js';
import { sniffContentType, type AttachmentType } from '../applications/file-type.js';
import { AppConfig } from '../../platform/config/app-config.js';
import type { Upload } from '../../platform/http/multipart.js';
import {
  statusOf,
  VirusScanner,
  type ScanStatus,
  type ScanVerdict,
} from '../../platform/virus-scan/virus-scanner.js';
import {
  storeRescanVerdict,
  waitingForScan,
  type RescanOutcome,
} from '../../platform/virus-scan/rescan.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { Localized } from '../catalogue/service-definition.js';
import { RolloutReadModel, type CohortRef } from '../rollout/rollout.read-model.js';
import type { Stage } from '../rollout/stages.js';
import { VariantAccessService } from '../rollout/variant-access.service.js';
import { checkForm, type FieldProblem } from '../../platform/forms/form.js';
import { InvalidForm } from '../../platform/forms/form-page.js';
import { megabytes } from '../../platform/i18n/megabytes.js';
import type { FeedbackPost } from './dto/feedback-post.js';
import {
  FEEDBACK_FIELDS,
  FeedbackDto,
  feedbackInput,
  type FeedbackInput,
} from './dto/feedback.dto.js';
import type {
  FeedbackChannel,
  FeedbackKind,
  FeedbackStatus,
  Severity,
} from './feedback-options.js';
import { FEEDBACK_REFUSALS } from './feedback.refusals.js';
import { sitePath, viewportOf } from './return-path.js';
import { ApplicationsReadModel } from '../applications/applications.read-model.js';

/** The signed-in person sending feedback, as they are acting. */
export interface FeedbackAuthor {
  accountId: string;
  actingAs: ActingAs;
}

/**
 * What the form knows without asking, shown to the person before they send
 * and stored with the item. Nothing in it comes from the person unchecked:
 * the application is theirs, the page and viewport have the right shape.
 */
export interface FeedbackContext {
  serviceSlug: string;
  serviceTitle: Localized;
  variant: Audience;
  /**
   * The revision it is given on (ADR 0032): the application's, when it names
   * one; else the revision the person gets now.
   */
  revision: number;
  stage: Stage;
  /** The step or page the person came from. */
  page: string | null;
  audience: Audience;
  organization: { id: string; name: string } | null;
  cohorts: CohortRef[];
  language: Locale;
  userAgent: string | null;
  /** `1280x800`, when the page's script could measure it. */
  viewport: string | null;
  /** The person's own application of this service variant, if the link named one. */
  application: { id: string; reference: string | null } | null;
}

/** What the request says about the context; the service checks every part. */
export interface ContextHints {
  application?: unknown;
  page?: unknown;
  viewport?: unknown;
  userAgent?: string;
  language: Locale;
}

export type FileProblem = 'too-large' | 'wrong-type' | 'unreadable' | 'infected';

/** A file that passed the checks: PDF, JPEG or PNG judged from its bytes, 10 MB at most. */
export interface CheckedFile {
  filename: string;
  contentType: AttachmentType;
  content: Buffer;
  sha256: string;
  /** What the virus scan said (ADR 0028); `unscanned` when not given. */
  scanStatus?: ScanStatus;
}

export interface FeedbackSummary {
  id: string;
  reference: string;
  serviceSlug: string;
  variant: Audience;
  kind: FeedbackKind;
  severity: Severity | null;
  status: FeedbackStatus;
  organizationId: string | null;
  createdAt: Date;
}

export interface FeedbackDetail extends FeedbackSummary {
  stage: Stage;
  page: string | null;
  audience: Audience;
  cohorts: string[];
  language: Locale;
  userAgent: string | null;
  viewport: string | null;
  applicationId: string | null;
  /** The application it named, if the author reaches it as they act now (a draft has no reference). */
  application: { reference: string | null } | null;
  tried: string;
  happened: string;
  expected: string;
  consentToContact: boolean;
  attachments: {
    id: string;
    filename: string;
    contentType: AttachmentType;
    size: number;
    scanStatus: ScanStatus;
    scanSignature: string | null;
  }[];
  replies: { id: string; authorRole: 'staff' | 'person'; body: string; createdAt: Date }[];
}

export interface StoredFeedbackFile {
  filename: string;
  contentType: AttachmentType;
  content: Buffer;
}

/**
 * A feedback item to store, however it came: the portal's form, staff typing
 * it in for someone, or a failing acceptance result. What is left out is
 * stored empty (null, no consent to contact).
 */
export interface NewFeedbackItem {
  channel: FeedbackChannel;
  serviceSlug: string;
  variant: Audience;
  /** The revision it was given on: the application's, else the one the person got then. */
  serviceRevision: number;
  stage: Stage;
  page?: string | null;
  audience: Audience;
  organizationId: string | null;
  accountId: string | null;
  /** The staff member who typed it in for someone. */
  recordedBy?: string | null;
  cohorts: string[];
  language: Locale;
  userAgent?: string | null;
  viewport?: string | null;
  applicationId?: string | null;
  kind: FeedbackKind;
  severity: Severity | null;
  tried: string;
  happened: string;
  expected: string;
  consentToContact?: boolean;
  contactName?: string | null;
  contactDetail?: string | null;
  /** The failing acceptance result it reports. */
  acceptanceResultId?: string | null;
}

/**
 * The audit event of a stored or changed item, without its entity and its
 * reference, which the writer adds (the reference first in `after`).
 */
export type FeedbackItemEvent = Omit<AuditEventInput, 'entity' | 'before' | 'after'> & {
  after: Record<string, unknown>;
};

const MAX_USER_AGENT = 512;

const SUMMARY_COLUMNS = `
  feedback_item.id, feedback_item.reference, feedback_item.service_slug AS "serviceSlug",
  feedback_item.variant, feedback_item.kind, feedback_item.severity, feedback_item.status,
  feedback_item.organization_id AS "organizationId", feedback_item.created_at AS "createdAt"`;

/**
 * Structured feedback from the people using a service: the context it is sent
 * from, gathered without asking; the item, its attachment and its audit event
 * in one transaction; "My feedback" for its author, and nobody else.
 *
 * Sending feedback never touches an application: it is only named, by id.
 */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly catalogue: CatalogueService,
    private readonly rollout: RolloutReadModel,
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly access: VariantAccessService,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
    private readonly scanner: VirusScanner,
    private readonly logger: JsonLogger,
  ) {}

  /** The context of feedback about a service variant, or undefined if there is no such variant. */
  async context(
    author: FeedbackAuthor,
    slug: string,
    variant: string,
    hints: ContextHints,
  ): Promise<FeedbackContext | undefined> {
    const service = this.catalogue.find(slug);
    if (!service || !(AUDIENCES as readonly string[]).includes(variant)) return undefined;
    const audience = variant as Audience;
    const { actingAs } = author;
    const [stage, cohorts, application] = await Promise.all([
      this.rollout.stageOf(slug, audience),
      this.rollout.cohortsOf(actingAs),
      this.ownApplication(author, hints.application),
    ]);
    const organization =
      actingAs.audience === 'business' && actingAs.organization
        ? { id: actingAs.organization.id, name: actingAs.organization.name }
        : null;
    // Only an application of the same service variant: anything else is ignored.
    const own =
      application && application.serviceSlug === slug && application.variant === audience
        ? application
        : undefined;
    return {
      serviceSlug: slug,
      serviceTitle: service.title,
      variant: audience,
      revision:
        own?.serviceRevision ??
        revisionServedTo(this.catalogue, this.access, slug, audience, actingAs),
      stage: stage.stage,
      page: sitePath(hints.page) ?? null,
      audience: actingAs.audience,
      organization,
      cohorts,
      language: hints.language,
      userAgent: hints.userAgent?.slice(0, MAX_USER_AGENT) || null,
      viewport: viewportOf(hints.viewport) ?? null,
      application: own ? { id: own.id, reference: own.reference } : null,
    };
  }

  /**
   * A post of the feedback form about a service variant: its context (no such
   * variant: `not-found`), the typed fields and the file checked together (any
   * problem: `InvalidForm`, every problem at once), then `submit`.
   */
  async send(
    author: FeedbackAuthor,
    slug: string,
    variant: string,
    post: FeedbackPost,
    origin: RequestOrigin,
  ): Promise<{ id: string; reference: string }> {
    const context = await this.postContext(author, slug, variant, post);
    if (!context) throw FEEDBACK_REFUSALS.of('not-found');
    const form = await checkForm(FeedbackDto, post.body, FEEDBACK_FIELDS);
    const problems: FieldProblem[] = [...form.problems];
    // Scanned before the type check: an infected file is refused as infected, whatever it claims to be.
    const scan = await this.scanPosted(author, context, post, origin);
    const file = scan?.verdict === 'infected' ? undefined : this.postedFile(post);
    if (scan?.verdict === 'infected') problems.push(this.fileProblem('infected', post.language));
    else if (file && !file.ok) problems.push(this.fileProblem(file.problem, post.language));
    if (problems.length > 0) throw InvalidForm.of(problems, feedbackValues(form.value));
    const checked =
      file?.ok && scan?.verdict !== 'infected'
        ? { ...file.file, scanStatus: scan ? statusOf(scan) : undefined }
        : undefined;
    return this.submit(author, context, feedbackInput(form.value), checked, origin);
  }

  /**
   * The virus scan of the post's file, when there is one within the size
   * limit. An infected one leaves its `attachment.infected` audit event
   * (nothing else is stored); one clamd could not scan is kept `pending`.
   */
  private async scanPosted(
    author: FeedbackAuthor,
    context: FeedbackContext,
    post: FeedbackPost,
    origin: RequestOrigin,
  ): Promise<ScanVerdict | undefined> {
    const content = post.attachment?.buffer;
    if (post.uploadProblem || !content || content.length === 0) return undefined;
    if (content.length > this.config.UPLOAD_FEEDBACK_MAX_BYTES) return undefined;
    const scan = await this.scanner.scan(content);
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (scan.verdict === 'pending')
      this.logger.event('warn', 'attachment.scan_pending', {
        kind: 'feedback',
        reason: scan.reason,
      });
    if (scan.verdict !== 'infected') return scan;
    this.logger.event('warn', 'attachment.infected', { signature: scan.signature, sha256 });
    await this.audit.record(this.dataSource.manager, {
      actor: { type: 'person', id: author.accountId },
      actingAs: { audience: context.audience, organizationId: context.organization?.id },
      action: 'attachment.infected',
      entity: { type: 'feedback' },
      after: {
        kind: 'feedback',
        service: context.serviceSlug,
        variant: context.variant,
        size: content.length,
        sha256,
        signature: scan.signature,
      },
      ip: origin.ip,
      requestId: origin.requestId,
    });
    return scan;
  }

  /** The context of a post of the form, from its hidden fields. */
  postContext(
    author: FeedbackAuthor,
    slug: string,
    variant: string,
    post: FeedbackPost,
  ): Promise<FeedbackContext | undefined> {
    return this.context(author, slug, variant, {
      application: post.hidden.application,
      page: post.hidden.page,
      viewport: post.hidden.viewport,
      userAgent: post.userAgent,
      language: post.language,
    });
  }

  /** The post's file checked, if one was chosen: a file the upload could not read is a problem too. */
  postedFile(
    post: FeedbackPost,
  ): { ok: true; file: CheckedFile } | { ok: false; problem: FileProblem } | undefined {
    if (post.uploadProblem) return { ok: false, problem: post.uploadProblem };
    return post.attachment ? this.checkFile(post.attachment) : undefined;
  }

  private fileProblem(problem: FileProblem, language: Locale): FieldProblem {
    return {
      field: 'attachment',
      message: `feedback.errors.file.${problem}`,
      params: { max: megabytes(this.config.UPLOAD_FEEDBACK_MAX_BYTES, language) },
    };
  }

  /** Checks an uploaded file from its content, whatever its name says. */
  checkFile(upload: Upload): { ok: true; file: CheckedFile } | { ok: false; problem: FileProblem } {
    const content = upload.buffer;
    if (content.length === 0) return { ok: false, problem: 'unreadable' };
    if (content.length > this.config.UPLOAD_FEEDBACK_MAX_BYTES)
      return { ok: false, problem: 'too-large' };
    const contentType = sniffContentType(content);
    if (!contentType) return { ok: false, problem: 'wrong-type' };
    return {
      ok: true,
      file: {
        filename: sanitizeFilename(upload.originalname, contentType),
        contentType,
        content,
        sha256: createHash('sha256').update(content).digest('hex'),
      },
    };
  }

  /**
   * Stores the item, its file and its audit event in one transaction, within
   * the rate limits of the author and of their address (`feedback:account`,
   * `feedback:ip`): past either, refuses with `too-many` (429, Retry-After).
   */
  async submit(
    author: FeedbackAuthor,
    context: FeedbackContext,
    input: FeedbackInput,
    file: CheckedFile | undefined,
    origin: RequestOrigin,
  ): Promise<{ id: string; reference: string }> {
    // Only what would be stored counts: a person correcting the form is never held back.
    await this.withinLimits(author.accountId, origin);
    return this.dataSource.transaction(async (manager) => {
      const item = await this.insert(manager, {
        channel: 'web',
        serviceSlug: context.serviceSlug,
        variant: context.variant,
        serviceRevision: context.revision,
        stage: context.stage,
        page: context.page,
        audience: context.audience,
        organizationId: context.organization?.id ?? null,
        accountId: author.accountId,
        cohorts: context.cohorts.map((c) => c.slug),
        language: context.language,
        userAgent: context.userAgent,
        viewport: context.viewport,
        applicationId: context.application?.id ?? null,
        kind: input.kind,
        severity: input.severity,
        tried: input.tried,
        happened: input.happened,
        expected: input.expected,
        consentToContact: input.consentToContact,
      });
      let attachment: Record<string, unknown> | undefined;
      if (file) {
        const [stored] = await manager.query<{ id: string }[]>(
          `INSERT INTO feedback_attachment
             (feedback_id, filename, content_type, size_bytes, sha256, content, scan_status, scanned_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7 = 'unscanned' THEN NULL ELSE now() END)
           RETURNING id`,
          [
            item.id,
            file.filename,
            file.contentType,
            file.content.length,
            file.sha256,
            file.content,
            file.scanStatus ?? 'unscanned',
          ],
        );
        attachment = {
          id: stored.id,
          filename: file.filename,
          contentType: file.contentType,
          size: file.content.length,
          sha256: file.sha256,
          scanStatus: file.scanStatus ?? 'unscanned',
        };
      }
      await this.audit.record(manager, {
        actor: { type: 'person', id: author.accountId },
        actingAs: {
          audience: context.audience,
          organizationId: context.organization?.id,
        },
        action: 'feedback.submitted',
        entity: { type: 'feedback', id: item.id },
        // The context and the choices; the texts stay in the item, not in the log.
        after: {
          reference: item.reference,
          serviceSlug: context.serviceSlug,
          variant: context.variant,
          serviceRevision: context.revision,
          stage: context.stage,
          page: context.page,
          cohorts: context.cohorts.map((c) => c.slug),
          applicationId: context.application?.id ?? null,
          kind: input.kind,
          severity: input.severity,
          consentToContact: input.consentToContact,
          attachment,
        },
        ip: origin.ip,
        requestId: origin.requestId,
      });
      return item;
    });
  }

  /**
   * Stores an item and its audit event (`event`, to which the item and its
   * reference are added) in the caller's transaction. With `submit`, the one
   * way a feedback item comes to be: staff recording feedback for someone and
   * the acceptance checklist call it with their `EntityManager`.
   */
  async store(
    manager: EntityManager,
    item: NewFeedbackItem,
    event: FeedbackItemEvent,
  ): Promise<{ id: string; reference: string }> {
    const stored = await this.insert(manager, item);
    await this.audit.record(manager, {
      ...event,
      entity: { type: 'feedback', id: stored.id },
      after: { reference: stored.reference, ...event.after },
    });
    return stored;
  }

  /**
   * The item of a failing acceptance result, in the caller's transaction:
   * stored the first time (`events.stored`), its texts and context brought up
   * to date afterwards (`events.updated`). True when stored.
   */
  async storeAcceptanceFailure(
    manager: EntityManager,
    item: NewFeedbackItem & { acceptanceResultId: string },
    events: { stored: FeedbackItemEvent; updated: FeedbackItemEvent },
  ): Promise<boolean> {
    const [existing] = await manager.query<{ id: string; reference: string }[]>(
      `SELECT feedback_item.id, feedback_item.reference FROM feedback_item
        WHERE feedback_item.acceptance_result_id = $1 FOR UPDATE`,
      [item.acceptanceResultId],
    );
    if (!existing) {
      await this.store(manager, item, events.stored);
      return true;
    }
    // The result it reports is the tester's latest, given on this revision: so is the item.
    await manager.query(
      `UPDATE feedback_item
          SET happened = $2, tried = $3, expected = $4, stage = $5, cohorts = $6, language = $7,
              service_revision = $8
        WHERE feedback_item.id = $1`,
      [
        existing.id,
        item.happened,
        item.tried,
        item.expected,
        item.stage,
        item.cohorts,
        item.language,
        item.serviceRevision,
      ],
    );
    await this.audit.record(manager, {
      ...events.updated,
      entity: { type: 'feedback', id: existing.id },
      after: { reference: existing.reference, ...events.updated.after },
    });
    return false;
  }

  /** The one INSERT INTO feedback_item. */
  private async insert(
    manager: EntityManager,
    item: NewFeedbackItem,
  ): Promise<{ id: string; reference: string }> {
    const [stored] = await manager.query<{ id: string; reference: string }[]>(
      `INSERT INTO feedback_item
         (channel, service_slug, variant, stage, page, audience, organization_id, account_id,
          recorded_by, cohorts, language, user_agent, viewport, application_id, kind, severity,
          tried, happened, expected, consent_to_contact, contact_name, contact_detail,
          acceptance_result_id, service_revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
               $19, $20, $21, $22, $23, $24)
       RETURNING id, reference`,
      [
        item.channel,
        item.serviceSlug,
        item.variant,
        item.stage,
        item.page ?? null,
        item.audience,
        item.organizationId,
        item.accountId,
        item.recordedBy ?? null,
        item.cohorts,
        item.language,
        item.userAgent ?? null,
        item.viewport ?? null,
        item.applicationId ?? null,
        item.kind,
        item.severity,
        item.tried,
        item.happened,
        item.expected,
        item.consentToContact ?? false,
        item.contactName ?? null,
        item.contactDetail ?? null,
        item.acceptanceResultId ?? null,
        item.serviceRevision,
      ],
    );
    return stored;
  }

  /** One hit on each of the author's and the address's limits; past either, the refusal. */
  private async withinLimits(accountId: string, origin: RequestOrigin): Promise<void> {
    const [byAccount, byIp] = await Promise.all([
      this.limiter.take('feedback:account', accountId),
      this.limiter.take('feedback:ip', origin.ip ?? 'unknown'),
    ]);
    if (byAccount.allowed && byIp.allowed) return;
    const retry = Math.max(
      byAccount.allowed ? 0 : byAccount.retryAfterSeconds,
      byIp.allowed ? 0 : byIp.retryAfterSeconds,
    );
    throw FEEDBACK_REFUSALS.of('too-many', {
      params: { minutes: Math.max(1, Math.ceil(retry / 60)) },
      headers: { 'Retry-After': String(retry) },
    });
  }

  /** "My feedback": what the person sent, newest first, whoever they were acting as. */
  async listFor(accountId: string, limit = 200): Promise<FeedbackSummary[]> {
    return this.dataSource.query<FeedbackSummary[]>(
      `SELECT ${SUMMARY_COLUMNS} FROM feedback_item
        WHERE feedback_item.account_id = $1
        ORDER BY feedback_item.created_at DESC, feedback_item.id DESC
        LIMIT $2`,
      [accountId, limit],
    );
  }

  /**
   * One item, with its files and replies, for its author only (anyone else:
   * undefined). The application it named shows by reference only if the author
   * reaches it as they act now.
   */
  async findFor(author: FeedbackAuthor, id: string): Promise<FeedbackDetail | undefined> {
    if (!isUuid(id)) return undefined;
    const { accountId } = author;
    const [row] = await this.dataSource.query<
      Omit<FeedbackDetail, 'application' | 'attachments' | 'replies'>[]
    >(
      `SELECT ${SUMMARY_COLUMNS}, feedback_item.stage, feedback_item.page, feedback_item.audience,
              feedback_item.cohorts, feedback_item.language, feedback_item.user_agent AS "userAgent",
              feedback_item.viewport, feedback_item.application_id AS "applicationId",
              feedback_item.tried, feedback_item.happened, feedback_item.expected,
              feedback_item.consent_to_contact AS "consentToContact"
         FROM feedback_item
        WHERE feedback_item.id = $1 AND feedback_item.account_id = $2`,
      [id, accountId],
    );
    if (!row) return undefined;
    const [attachments, replies, application] = await Promise.all([
      this.dataSource.query<FeedbackDetail['attachments']>(
        `SELECT feedback_attachment.id, feedback_attachment.filename,
                feedback_attachment.content_type AS "contentType", feedback_attachment.size_bytes AS size,
                feedback_attachment.scan_status AS "scanStatus",
                feedback_attachment.scan_signature AS "scanSignature"
           FROM feedback_attachment
          WHERE feedback_attachment.feedback_id = $1
          ORDER BY feedback_attachment.created_at, feedback_attachment.id`,
        [id],
      ),
      this.dataSource.query<FeedbackDetail['replies']>(
        `SELECT feedback_reply.id, feedback_reply.author_role AS "authorRole", feedback_reply.body,
                feedback_reply.created_at AS "createdAt"
           FROM feedback_reply
          WHERE feedback_reply.feedback_id = $1
          ORDER BY feedback_reply.created_at, feedback_reply.id`,
        [id],
      ),
      row.applicationId
        ? this.applicationsRead.find(applicantOf(accountId, author.actingAs), row.applicationId)
        : undefined,
    ]);
    return {
      ...row,
      application: application ? { reference: application.reference } : null,
      attachments,
      replies,
    };
  }

  /**
   * Scans the oldest feedback file still waiting for a scan that this run
   * (begun at `since`) has not tried, its row locked (SKIP LOCKED). Clean:
   * marked so, staff may open it. Infected: its bytes erased, and
   * `attachment.infected` audited. Unreachable: left as it was.
   */
  async rescanNext(since: Date): Promise<RescanOutcome> {
    if (!this.scanner.enabled) return 'none';
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<
        { id: string; feedbackId: string; filename: string; sha256: string; content: Buffer }[]
      >(
        `SELECT f.id, f.feedback_id AS "feedbackId", f.filename, f.sha256, f.content
           FROM feedback_attachment f
          WHERE ${waitingForScan('f')} FOR UPDATE SKIP LOCKED`,
        [since],
      );
      if (!row) return 'none';
      const scan = await this.scanner.scan(row.content);
      const outcome = await storeRescanVerdict(manager, 'feedback_attachment', row.id, scan);
      if (scan.verdict === 'infected')
        await this.audit.record(manager, {
          actor: { type: 'system' },
          action: 'attachment.infected',
          entity: { type: 'feedback', id: row.feedbackId },
          after: {
            kind: 'feedback',
            attachmentId: row.id,
            filename: row.filename,
            sha256: row.sha256,
            signature: scan.signature,
          },
        });
      return outcome;
    });
  }

  /** A file of one's own feedback, or undefined. */
  async fileFor(
    accountId: string,
    id: string,
    fileId: string,
  ): Promise<StoredFeedbackFile | undefined> {
    if (!isUuid(id) || !isUuid(fileId)) return undefined;
    const [row] = await this.dataSource.query<StoredFeedbackFile[]>(
      `SELECT feedback_attachment.filename, feedback_attachment.content_type AS "contentType",
              feedback_attachment.content
         FROM feedback_attachment
         JOIN feedback_item ON feedback_item.id = feedback_attachment.feedback_id
        WHERE feedback_attachment.id = $1 AND feedback_item.id = $2 AND feedback_item.account_id = $3
          AND feedback_attachment.scan_status <> 'infected'`,
      [fileId, id, accountId],
    );
    return row;
  }

  /** The application the link names (by reference or, for a draft, by id), if it is the person's. */
  private async ownApplication(
    author: FeedbackAuthor,
    value: unknown,
  ): Promise<Application | undefined> {
    if (typeof value !== 'string' || value.length > 100) return undefined;
    const applicant = applicantOf(author.accountId, author.actingAs);
    const named = value.trim();
    return isUuid(named)
      ? this.applicationsRead.find(applicant, named)
      : this.applicationsRead.findByReference(applicant, named);
  }
}

/**
 * The revision of a service variant a person gets now (ADR 0032): the one
 * Unleash names for them, else the variant's current one (also when the
 * variant is not open to them: staff, another audience). What feedback and
 * acceptance results not about an application record as the revision they
 * were given on. A variant serving no revision yet: 1.
 */
export function revisionServedTo(
  catalogue: CatalogueService,
  access: VariantAccessService,
  slug: string,
  variant: Audience,
  actingAs: ActingAs | undefined,
): number {
  const checked = actingAs ? access.check(slug, variant, actingAs) : undefined;
  const named = checked?.available ? checked.revision : undefined;
  return catalogue.servedTo(slug, variant, named)?.revision ?? 1;
}

/** The applicant the person is as they act now (to reach their applications). */
export function applicantOf(accountId: string, actingAs: ActingAs): Applicant {
  return {
    accountId,
    audience: actingAs.audience,
    organizationId: actingAs.audience === 'business' ? actingAs.organization?.id : undefined,
    channel: 'web',
  };
}

/** What the form shows again of a post: its typed fields (a file must be chosen again). */
export function feedbackValues(dto: FeedbackDto): Record<string, string> {
  const { kind, severity, tried, happened, expected, consent } = dto;
  return { kind, severity, tried, happened, expected, consent };
}
