import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import {
  shownToStaff,
  statusOf,
  VirusScanner,
  type ScanStatus,
} from '../../platform/virus-scan/virus-scanner.js';
import {
  storeRescanVerdict,
  waitingForScan,
  type RescanOutcome,
} from '../../platform/virus-scan/rescan.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import type { FileAnswer } from '../catalogue/form-schema.js';
import { maxFiles } from '../catalogue/form-engine.js';
import { isEditable, type ApplicationStatus } from './application-status.js';
import { FILING_REFUSALS } from './applications.refusals.js';
import {
  ApplicationsService,
  applicantOf,
  auditOrigin,
  isUuid,
  type Applicant,
  type Application,
  type Filer,
} from './applications.service.js';
import { sniffContentType, type AttachmentType } from './file-type.js';
import { ApplicationsReadModel } from './applications.read-model.js';

/** The table's CHECK on one file's size: UPLOAD_STEP_MAX_BYTES may not exceed it. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** The table's limit on a file's name, in characters. */
const MAX_FILENAME_LENGTH = 255;

/** A file as the multipart reader hands it over. */
export interface Upload {
  originalname: string;
  buffer: Buffer;
  size: number;
}

export type StoreRefusal =
  | 'not-found'
  | 'not-editable'
  | 'empty'
  | 'too-large'
  | 'wrong-type'
  | 'application-full'
  | 'account-full'
  | 'infected'
  | 'too-many';

export type StoreResult = { ok: true; file: FileAnswer } | { ok: false; reason: StoreRefusal };

/**
 * Why a file was not added on a step: the store's reasons, the reader's (the
 * request's file was over its size, say), none chosen, or the question full.
 */
export type UploadRefusal = StoreRefusal | 'none' | 'too-many' | (string & {});

export type UploadResult =
  { ok: true; application: Application; file: FileAnswer } | { ok: false; reason: UploadRefusal };

/** Why a file was not added to a question named by the API: the step's reasons, or the question. */
export type QuestionUploadRefusal = UploadRefusal | 'unknown-question' | 'not-file-question';

export type QuestionUploadResult =
  | { ok: true; application: Application; file: FileAnswer }
  | { ok: false; reason: QuestionUploadRefusal };

export type RemoveResult = { ok: true } | { ok: false; reason: 'not-found' | 'not-editable' };

export interface StoredFile {
  filename: string;
  contentType: AttachmentType;
  content: Buffer;
}

interface AttachmentRow {
  filename: string;
  contentType: AttachmentType;
  content: Buffer | null;
  storageKey: string | null;
  scanStatus: ScanStatus;
}

/** A stored file's scan status, and the signature clamd found in it if it turned out infected. */
export interface FileScan {
  status: ScanStatus;
  signature: string | null;
}

/** What one step of the rescan did: nothing left to scan, or the verdict on one file. */

/**
 * An application's attachments: PDF, JPEG or PNG (judged from the whole of the
 * bytes, never from the name, which takes the extension of the type found),
 * UPLOAD_STEP_MAX_BYTES each, APPLICATION_ATTACHMENTS_MAX_BYTES per application
 * and ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES per account over its drafts, scanned by the
 * VirusScanner before they are kept (ADR 0028): an infected file is refused with
 * its `attachment.infected` audit event; while clamd is unreachable the file is
 * kept `pending`, hidden from staff, until `rescanNext` finds it clean. The bytes go to PostgreSQL (`content`)
 * or, when ATTACHMENTS_DIR is set, to a file under it (`storage_key`, relative
 * to that directory); the row always holds the name, type, size and SHA-256.
 *
 * Storing a file does not touch the application's answers: the caller adds the
 * returned FileAnswer to them through ApplicationsService.saveAnswers.
 */
@Injectable()
export class AttachmentsService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly applications: ApplicationsService,
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly config: AppConfig,
    private readonly scanner: VirusScanner,
    private readonly logger: JsonLogger,
  ) {}

  /** A directory that cannot be created stops the portal at boot rather than at the first upload. */
  async onModuleInit(): Promise<void> {
    if (this.config.ATTACHMENTS_DIR) await mkdir(this.directory(), { recursive: true });
  }

  /**
   * Adds a file to a file question of a step, for every way in: refused when
   * the application is not the filer's (or the step or question unknown:
   * 'not-found'), no longer editable ('not-editable'), or a draft whose variant
   * is closed to them. Then, in this order, a problem the request's reader
   * found, no file ('none'), the question full ('too-many': the question's `maxFiles`
   * from the service's definition, `maxFiles()` of the form engine), and the store's checks. The file is stored and added
   * to the answers in one transaction that holds the application's row, where
   * the count is checked again: two uploads at once cannot both take the last place.
   */
  async upload(
    filer: Filer,
    applicationId: string,
    stepSlug: string,
    fieldName: string,
    upload: Upload | undefined,
    uploadProblem: string | undefined,
    origin: RequestOrigin,
  ): Promise<UploadResult> {
    const applicant = applicantOf(filer);
    const { application, step } = await this.applications.workableStep(
      filer,
      applicationId,
      stepSlug,
    );
    const field = step.fields.find((f) => f.type === 'file' && f.name === fieldName);
    if (!field || field.type !== 'file') throw FILING_REFUSALS.of('not-found');
    const max = maxFiles(field);
    if (uploadProblem) return { ok: false, reason: uploadProblem };
    if (!upload) return { ok: false, reason: 'none' };
    if (filesOf(application, field.name).length >= max) return { ok: false, reason: 'too-many' };
    let saved: Application | undefined;
    const stored = await this.keep(applicant, application, field.name, upload, origin, {
      inTransaction: async (manager) => {
        const current = (await this.applications.load(manager, application.id))!;
        return filesOf(current, field.name).length >= max ? 'too-many' : undefined;
      },
      afterInsert: async (manager, file) => {
        const current = (await this.applications.load(manager, application.id))!;
        saved = await this.applications.writeAnswers(
          manager,
          applicant,
          current,
          { [field.name]: [...filesOf(current, field.name), file] },
          [],
          origin,
          { step: step.slug },
        );
      },
    });
    if (!stored.ok) return stored;
    return { ok: true, application: saved!, file: stored.file };
  }

  /**
   * Adds a file to a question named without its step (the API's way in): the
   * question is looked up in the application's own variant ('unknown-question',
   * 'not-file-question'), then everything goes as `upload` on its step: the
   * same checks, scan, quotas and per-question `maxFiles`.
   */
  async uploadToQuestion(
    filer: Filer,
    applicationId: string,
    question: string,
    upload: Upload | undefined,
    uploadProblem: string | undefined,
    origin: RequestOrigin,
    written?: number,
  ): Promise<QuestionUploadResult> {
    const found = await this.applications.fileQuestionStep(filer, applicationId, question, written);
    if ('problem' in found) return { ok: false, reason: found.problem };
    return this.upload(filer, applicationId, found.step, question, upload, uploadProblem, origin);
  }

  /**
   * Removes a file from the step's answers, with its attachment, in one
   * transaction (refused as `upload` is). A file the step's answers do not hold
   * changes nothing. Answers with the application as it is then.
   */
  async removeFile(
    filer: Filer,
    applicationId: string,
    stepSlug: string,
    fileId: string,
    origin: RequestOrigin,
  ): Promise<Application> {
    const applicant = applicantOf(filer);
    const { application, step } = await this.applications.workableStep(
      filer,
      applicationId,
      stepSlug,
    );
    const field = step.fields.find(
      (f) => f.type === 'file' && filesOf(application, f.name).some((x) => x.id === fileId),
    );
    if (!field) return application;
    const result = await this.dataSource.transaction(async (manager) => {
      const status = await this.lockStatus(manager, application.id);
      if (!status || !isEditable(status)) return { application, storageKey: null };
      const removed = await this.deleteRow(manager, applicant, application.id, fileId, origin);
      const current = (await this.applications.load(manager, application.id))!;
      const remaining = filesOf(current, field.name).filter((x) => x.id !== fileId);
      const saved = await this.applications.writeAnswers(
        manager,
        applicant,
        current,
        remaining.length ? { [field.name]: remaining } : {},
        remaining.length ? [] : [field.name],
        origin,
        { step: step.slug },
      );
      return { application: saved, storageKey: removed?.storageKey ?? null };
    });
    if (result.storageKey) await rm(this.pathOf(result.storageKey), { force: true });
    return result.application;
  }

  /**
   * Stores a file of an application the applicant owns (its bytes alone: the
   * answers are the caller's to change; `upload` does both). No variant check.
   */
  async store(
    applicant: Applicant,
    applicationId: string,
    field: string,
    upload: Upload,
    origin: RequestOrigin,
  ): Promise<StoreResult> {
    const application = await this.applicationsRead.find(applicant, applicationId);
    if (!application) return { ok: false, reason: 'not-found' };
    return this.keep(applicant, application, field, upload, origin);
  }

  /** Checks, scans and inserts a file (with its audit event); `hooks` run in its transaction. */
  private async keep(
    applicant: Applicant,
    application: Application,
    field: string,
    upload: Upload,
    origin: RequestOrigin,
    hooks: {
      inTransaction?: (manager: EntityManager) => Promise<StoreRefusal | undefined>;
      afterInsert?: (manager: EntityManager, file: FileAnswer) => Promise<void>;
    } = {},
  ): Promise<StoreResult> {
    if (!isEditable(application.status)) return { ok: false, reason: 'not-editable' };
    // The bytes received count, not the size the client announced.
    const content = upload.buffer;
    if (content.length === 0) return { ok: false, reason: 'empty' };
    if (content.length > this.config.UPLOAD_STEP_MAX_BYTES)
      return { ok: false, reason: 'too-large' };
    // Cheap early answer before scanning; the locked check below is the one that holds.
    const early = await this.overQuota(this.dataSource.manager, application.id, applicant, content);
    if (early) return { ok: false, reason: early };

    const sha256 = createHash('sha256').update(content).digest('hex');
    // Scanned before the type check: an infected file is refused as infected, whatever it claims to be.
    const scan = await this.scanner.scan(content);
    if (scan.verdict === 'infected') {
      this.logger.event('warn', 'attachment.infected', {
        applicationId: application.id,
        signature: scan.signature,
        sha256,
      });
      await this.audit.record(this.dataSource.manager, {
        ...auditOrigin(applicant, origin),
        action: 'attachment.infected',
        entity: { type: 'application', id: application.id },
        after: {
          kind: 'application',
          service: application.serviceSlug,
          field,
          size: content.length,
          sha256,
          signature: scan.signature,
        },
      });
      return { ok: false, reason: 'infected' };
    }
    if (scan.verdict === 'pending')
      this.logger.event('warn', 'attachment.scan_pending', {
        applicationId: application.id,
        reason: scan.reason,
      });
    const scanStatus = statusOf(scan);
    const contentType = sniffContentType(content);
    if (!contentType) return { ok: false, reason: 'wrong-type' };
    const filename = sanitizeFilename(upload.originalname, contentType);

    const id = randomUUID();
    let written: string | undefined;
    try {
      return await this.dataSource.transaction(async (manager) => {
        // The application's row lock serializes parallel uploads, so the total holds.
        const status = await this.lockStatus(manager, application.id);
        if (!status) return { ok: false, reason: 'not-found' };
        if (!isEditable(status)) return { ok: false, reason: 'not-editable' };
        const refused = await hooks.inTransaction?.(manager);
        if (refused) return { ok: false, reason: refused };
        // One upload at a time per account, so that the account's total holds too.
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext('attachments:' || $1))`, [
          applicant.accountId,
        ]);
        const over = await this.overQuota(manager, application.id, applicant, content);
        if (over) return { ok: false, reason: over };
        let storageKey: string | null = null;
        if (this.config.ATTACHMENTS_DIR) {
          storageKey = `${id.slice(0, 2)}/${id}`;
          written = await this.writeFile(storageKey, content);
        }
        await manager.query(
          `INSERT INTO application_attachment
             (id, application_id, field, filename, content_type, size_bytes, sha256, content, storage_key,
              uploaded_by, scan_status, scanned_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                   CASE WHEN $11 = 'unscanned' THEN NULL ELSE now() END)`,
          [
            id,
            application.id,
            field,
            filename,
            contentType,
            content.length,
            sha256,
            storageKey ? null : content,
            storageKey,
            applicant.accountId,
            scanStatus,
          ],
        );
        await this.audit.record(manager, {
          ...auditOrigin(applicant, origin),
          action: 'application.attachment_added',
          entity: { type: 'application', id: application.id },
          after: {
            attachmentId: id,
            field,
            filename,
            contentType,
            size: content.length,
            sha256,
            scanStatus,
          },
        });
        const file: FileAnswer = { id, filename, size: content.length, contentType };
        await hooks.afterInsert?.(manager, file);
        return { ok: true as const, file };
      });
    } catch (error) {
      // Nothing was recorded: the file on disk, if any, must not stay behind.
      if (written) await rm(written, { force: true });
      throw error;
    }
  }

  /** Removes an attachment while the application is editable, with its bytes on disk if any. */
  async remove(
    applicant: Applicant,
    applicationId: string,
    fileId: string,
    origin: RequestOrigin,
  ): Promise<RemoveResult> {
    const application = await this.applicationsRead.find(applicant, applicationId);
    if (!application || !isUuid(fileId)) return { ok: false, reason: 'not-found' };
    const result = await this.dataSource.transaction(
      async (manager): Promise<RemoveResult & { storageKey?: string | null }> => {
        const status = await this.lockStatus(manager, application.id);
        if (!status) return { ok: false, reason: 'not-found' };
        if (!isEditable(status)) return { ok: false, reason: 'not-editable' };
        const removed = await this.deleteRow(manager, applicant, application.id, fileId, origin);
        if (!removed) return { ok: false, reason: 'not-found' };
        return { ok: true, storageKey: removed.storageKey };
      },
    );
    // Only once the row is gone for good: a rolled-back delete keeps its file.
    if (result.ok && result.storageKey) await rm(this.pathOf(result.storageKey), { force: true });
    return result.ok ? { ok: true } : { ok: false, reason: result.reason };
  }

  /** Deletes an attachment's row with its audit event; its file on disk is the caller's to remove. */
  private async deleteRow(
    manager: EntityManager,
    applicant: Applicant,
    applicationId: string,
    fileId: string,
    origin: RequestOrigin,
  ): Promise<{ storageKey: string | null } | undefined> {
    if (!isUuid(fileId)) return undefined;
    const [removed] = await returningRows<{
      field: string;
      filename: string;
      sha256: string;
      storageKey: string | null;
    }>(
      manager,
      `DELETE FROM application_attachment WHERE id = $1 AND application_id = $2
       RETURNING field, filename, sha256, storage_key AS "storageKey"`,
      [fileId, applicationId],
    );
    if (!removed) return undefined;
    await this.audit.record(manager, {
      ...auditOrigin(applicant, origin),
      action: 'application.attachment_removed',
      entity: { type: 'application', id: applicationId },
      before: {
        attachmentId: fileId,
        field: removed.field,
        filename: removed.filename,
        sha256: removed.sha256,
      },
    });
    return { storageKey: removed.storageKey };
  }

  /** A file of an application the applicant owns, or undefined. */
  async readForApplicant(
    applicant: Applicant,
    applicationId: string,
    fileId: string,
  ): Promise<StoredFile | undefined> {
    const application = await this.applicationsRead.find(applicant, applicationId);
    if (!application) return undefined;
    return this.read(application.id, fileId, false);
  }

  /**
   * A file of a submitted application, for staff (the caller has checked the
   * person is staff). Drafts are the applicant's own business: never shown;
   * nor is a file not yet scanned clean (pending, infected) while scanning is on.
   */
  async readForStaff(applicationId: string, fileId: string): Promise<StoredFile | undefined> {
    if (!isUuid(applicationId)) return undefined;
    return this.read(applicationId, fileId, true);
  }

  private async read(
    applicationId: string,
    fileId: string,
    submittedOnly: boolean,
  ): Promise<StoredFile | undefined> {
    if (!isUuid(fileId)) return undefined;
    const [row] = await this.dataSource.query<AttachmentRow[]>(
      `SELECT f.filename, f.content_type AS "contentType", f.content, f.storage_key AS "storageKey",
              f.scan_status AS "scanStatus"
         FROM application_attachment f JOIN application a ON a.id = f.application_id
        WHERE f.id = $1 AND f.application_id = $2 AND (NOT $3 OR a.status <> 'draft')`,
      [fileId, applicationId, submittedOnly],
    );
    if (!row || row.scanStatus === 'infected') return undefined;
    // The applicant may take back their own pending file; staff see only what was scanned clean.
    if (submittedOnly && !shownToStaff(row.scanStatus)) return undefined;
    const content = row.storageKey ? await readFile(this.pathOf(row.storageKey)) : row.content!;
    return { filename: row.filename, contentType: row.contentType, content };
  }

  /** The scan status of each of an application's files, by id (for the pages that list them). */
  async scanStatuses(applicationId: string): Promise<Map<string, FileScan>> {
    if (!isUuid(applicationId)) return new Map();
    const rows = await this.dataSource.query<(FileScan & { id: string })[]>(
      `SELECT f.id, f.scan_status AS status, f.scan_signature AS signature
         FROM application_attachment f WHERE f.application_id = $1`,
      [applicationId],
    );
    return new Map(rows.map((row) => [row.id, { status: row.status, signature: row.signature }]));
  }

  /**
   * Scans the oldest file still waiting for a scan (pending, or unscanned from
   * a time scanning was off) that this run has not tried yet (`since`: when
   * the run began), one row locked at a time (SKIP LOCKED: instances share the
   * work). Clean: marked so. Infected: quarantined, its bytes erased, with its
   * `attachment.infected` audit event. Still unreachable: left pending.
   */
  async rescanNext(since: Date): Promise<RescanOutcome> {
    if (!this.scanner.enabled) return 'none';
    let erase: string | null = null;
    const outcome = await this.dataSource.transaction(async (manager): Promise<RescanOutcome> => {
      const [row] = await manager.query<
        {
          id: string;
          applicationId: string;
          field: string;
          filename: string;
          sha256: string;
          content: Buffer | null;
          storageKey: string | null;
          serviceSlug: string;
        }[]
      >(
        `SELECT f.id, f.application_id AS "applicationId", f.field, f.filename, f.sha256, f.content,
                f.storage_key AS "storageKey", a.service_slug AS "serviceSlug"
           FROM application_attachment f JOIN application a ON a.id = f.application_id
          WHERE ${waitingForScan('f')} FOR UPDATE OF f SKIP LOCKED`,
        [since],
      );
      if (!row) return 'none';
      let content: Buffer;
      try {
        content = row.storageKey ? await readFile(this.pathOf(row.storageKey)) : row.content!;
      } catch (error) {
        // A file missing under ATTACHMENTS_DIR cannot be scanned: tried, left as it is, said once per run.
        this.logger.event('error', 'attachment.rescan_unreadable', {
          attachmentId: row.id,
          error: (error as Error).message,
        });
        await manager.query(`UPDATE application_attachment SET scanned_at = now() WHERE id = $1`, [
          row.id,
        ]);
        return 'unreadable';
      }
      const scan = await this.scanner.scan(content);
      const outcome = await storeRescanVerdict(manager, 'application_attachment', row.id, scan);
      if (scan.verdict === 'infected') {
        await this.audit.record(manager, {
          actor: { type: 'system' },
          action: 'attachment.infected',
          entity: { type: 'application', id: row.applicationId },
          after: {
            kind: 'application',
            service: row.serviceSlug,
            attachmentId: row.id,
            field: row.field,
            filename: row.filename,
            sha256: row.sha256,
            signature: scan.signature,
          },
        });
        erase = row.storageKey;
      }
      return outcome;
    });
    if (erase) await rm(this.pathOf(erase), { force: true });
    return outcome;
  }

  private async lockStatus(
    manager: EntityManager,
    applicationId: string,
  ): Promise<ApplicationStatus | undefined> {
    const [row] = await manager.query<{ status: ApplicationStatus }[]>(
      `SELECT status FROM application WHERE id = $1 FOR UPDATE`,
      [applicationId],
    );
    return row?.status;
  }

  /** Which quota one more file would exceed: the application's, or the account's over its drafts. */
  private async overQuota(
    manager: EntityManager,
    applicationId: string,
    applicant: Applicant,
    content: Buffer,
  ): Promise<'application-full' | 'account-full' | undefined> {
    const [row] = await manager.query<{ application: string; account: string }[]>(
      `SELECT
         (SELECT COALESCE(sum(size_bytes), 0) FROM application_attachment
           WHERE application_id = $1)::bigint AS application,
         (SELECT COALESCE(sum(f.size_bytes), 0)
            FROM application_attachment f JOIN application a ON a.id = f.application_id
           WHERE f.uploaded_by = $2 AND a.status = 'draft')::bigint AS account`,
      [applicationId, applicant.accountId],
    );
    if (Number(row.application) + content.length > this.config.APPLICATION_ATTACHMENTS_MAX_BYTES)
      return 'application-full';
    if (Number(row.account) + content.length > this.config.ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES)
      return 'account-full';
    return undefined;
  }

  /** Writes under a temporary name, flushes, then renames: a reader never sees half a file. */
  private async writeFile(storageKey: string, content: Buffer): Promise<string> {
    const path = this.pathOf(storageKey);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'wx', 0o640);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return path;
  }

  /**
   * Removes the files on disk of attachments whose rows are gone (after the
   * commit that deleted them: the retention job's drafts, docs/adr/0047).
   */
  async removeStored(storageKeys: string[]): Promise<void> {
    for (const key of storageKeys) await rm(this.pathOf(key), { force: true });
  }

  private directory(): string {
    return resolve(this.config.ATTACHMENTS_DIR);
  }

  /** The file of a storage key, refusing any key that would lead outside the directory. */
  private pathOf(storageKey: string): string {
    if (!this.config.ATTACHMENTS_DIR)
      throw new Error(
        `Attachment ${storageKey} is stored on disk but ATTACHMENTS_DIR is not set: set it to the directory that holds the attachments`,
      );
    const path = resolve(this.directory(), storageKey);
    const inside = relative(this.directory(), path);
    if (!inside || inside.startsWith('..') || isAbsolute(inside))
      throw new Error(`Attachment storage key ${storageKey} points outside ATTACHMENTS_DIR`);
    return path;
  }
}

/**
 * A name safe to store and to send back in Content-Disposition: the last path
 * segment only, without control or bidirectional-override characters (which
 * could disguise `facture‮fdp.exe`), at most 255 characters, and always the
 * extension of the type found in the bytes: a PDF sent as `plan.hta` is kept
 * as `plan.pdf`, so no one opens it with anything but a PDF reader.
 */
export function sanitizeFilename(original: string, contentType: AttachmentType): string {
  const extension = EXTENSION[contentType];
  const base = (original.split(/[/\\]/).pop() ?? '')
    .normalize('NFC')
    .replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '')
    .trim();
  const dot = base.lastIndexOf('.');
  const stem = (dot > 0 ? base.slice(0, dot) : base).replace(/^[.\s]+|[.\s]+$/gu, '');
  const kept = stem && stem !== '.' && stem !== '..' ? stem : 'document';
  return Array.from(kept)
    .slice(0, MAX_FILENAME_LENGTH - extension.length)
    .join('')
    .concat(extension);
}

const EXTENSION: Record<AttachmentType, string> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg',
  'image/png': '.png',
};

/** The files an application's answers hold for a file question. */
function filesOf(application: Application, field: string): FileAnswer[] {
  return (application.answers[field] as FileAnswer[] | undefined) ?? [];
}
