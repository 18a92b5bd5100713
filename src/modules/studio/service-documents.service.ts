import { ForbiddenException, Injectable } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import type { Upload, UploadProblem } from '../../platform/http/multipart.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import {
  validateServiceDocument,
  type ServiceDocumentCheck,
} from '../catalogue/service-document.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { ServiceRevisionsService, type Revision } from './service-revisions.service.js';
import { serviceDocument, serviceDocumentText } from './service-document-text.js';
import { SERVICE_DOCUMENTS_REFUSALS } from './service-documents.refusals.js';
import { STUDIO_ROLES } from './studio-roles.js';
import { STUDIO_REFUSALS } from './studio.refusals.js';
import { holdsRole } from '../staff/staff-role.js';

/** The longest slug the portal stores (the `service` table's CHECK). */
export const SERVICE_SLUG_MAX_LENGTH = 80;

/**
 * Slugs a service may not have: the studio's own pages at `/staff/services/<word>`
 * would hide its overview.
 */
export const RESERVED_SLUGS: readonly string[] = ['new', 'import'];

/** The file an import form sent, as the multipart reader left it. */
export interface ImportedFile {
  upload?: Upload;
  /** The reader's problem (a file above the limit, a body it could not read). */
  problem?: UploadProblem;
}

/** An exported revision: its file's name and its text. */
export interface ExportedRevision {
  filename: string;
  text: string;
  revision: number;
}

/**
 * A service's revisions as guichet-service documents (ADR 0029): export one
 * revision as the repo keeps its services, import a document as a new service
 * or as a new draft of an existing one (ServiceRevisionsService.importDocument).
 * A malformed file is refused with every problem and its JSON pointer.
 */
@Injectable()
export class ServiceDocumentsService {
  constructor(
    private readonly revisions: ServiceRevisionsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * A revision as a document: `requested` (its number, as the query gave it),
   * or else the service's latest ready revision, or its draft when it has none
   * yet. 404 for an unknown service or revision.
   */
  async exportRevision(
    actor: StaffActor,
    slug: string,
    requested: unknown,
  ): Promise<ExportedRevision> {
    let number: number;
    if (requested === undefined || requested === '') {
      const all = await this.revisions.revisions(actor, slug);
      const chosen = all.find((r) => r.state === 'ready') ?? all.find((r) => r.state === 'draft');
      if (!chosen) throw STUDIO_REFUSALS.of('not-found');
      number = chosen.number;
    } else {
      if (typeof requested !== 'string' || !/^[1-9]\d{0,8}$/.test(requested))
        throw STUDIO_REFUSALS.of('not-found');
      number = Number(requested);
    }
    const revision = await this.revisions.revision(actor, slug, number);
    return {
      filename: `${slug}-r${number}.json`,
      text: serviceDocumentText(serviceDocument(number, revision.definition)),
      revision: number,
    };
  }

  /**
   * Imports an uploaded document: 422 when there is no file, it is above the
   * limit, it is not JSON, or it is not a sound guichet-service document (all
   * of its problems, with their JSON pointers); otherwise a new service or a
   * new draft of the one with its slug (see importDocument: 409 when that one
   * has a draft already, 422 when its prefix is another service's).
   */
  async importFile(
    actor: StaffActor,
    file: ImportedFile,
    origin: RequestOrigin,
  ): Promise<{ revision: Revision; created: boolean }> {
    if (!holdsRole(actor.roles, STUDIO_ROLES)) throw new ForbiddenException();
    if (file.problem === 'too-large')
      throw SERVICE_DOCUMENTS_REFUSALS.of('too-large', {
        params: { max: this.config.UPLOAD_COHORT_IMPORT_MAX_BYTES / (1024 * 1024) },
      });
    if (file.problem === 'unreadable') throw SERVICE_DOCUMENTS_REFUSALS.of('unreadable');
    if (!file.upload) throw SERVICE_DOCUMENTS_REFUSALS.of('no-file');
    let json: unknown;
    try {
      json = JSON.parse(file.upload.buffer.toString('utf8').replace(/^\uFEFF/, ''));
    } catch (error) {
      const detail = (error as Error).message;
      throw SERVICE_DOCUMENTS_REFUSALS.of('not-json', {
        params: { detail },
        body: { problems: [{ pointer: '', message: detail }] },
      });
    }
    const check = checkDocument(json);
    if (!check.ok)
      throw SERVICE_DOCUMENTS_REFUSALS.of('not-a-service', {
        params: { count: check.problems.length },
        body: { problems: check.problems },
      });
    return this.revisions.importDocument(actor, check.definition, origin);
  }
}

/** A document checked as the repo's are, then against the portal's limits on a slug. */
export function checkDocument(json: unknown): ServiceDocumentCheck {
  const check = validateServiceDocument(json);
  if (!check.ok) return check;
  const slug = check.definition.slug;
  const problem = (message: string): ServiceDocumentCheck => ({
    ok: false,
    problems: [{ pointer: '/service/slug', message }],
  });
  if (slug.length > SERVICE_SLUG_MAX_LENGTH)
    return problem(`must be ${SERVICE_SLUG_MAX_LENGTH} characters or fewer`);
  if (RESERVED_SLUGS.includes(slug)) return problem(`“${slug}” is reserved by the studio`);
  return check;
}
