import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { COLUMNS, FROM, OWNED, isUuid } from './application-row.js';
import type { Applicant, Application, Message, Transition } from './applications.service.js';
import type { ScanStatus } from '../../platform/virus-scan/virus-scanner.js';

/** An application's stored files and their virus scan (ADR 0028), by file id. */
export type FileScans = Map<string, { status: ScanStatus; signature: string | null }>;

/** The shape of a reference number (the table's CHECK says the same). */
const REFERENCE = /^[A-Z]{2,4}-[0-9]{4}-[0-9]{6,}$/;

/**
 * Applications as the applicant's side reads them, outside any change: one
 * application (by id or reference number), "my applications", the API's
 * pages, an application's history and messages, and who the person would have
 * to act as to reach one. They join `account` for names (`filedBy`, the
 * history's and the thread's authors) and `organization` and
 * `organization_membership` for `otherIdentityFor`: a read model (ADR 0021,
 * rule 2), which never writes.
 *
 * Authorization is in the queries: an applicant only ever reads applications
 * they own (a person's own, or their SME's when acting for it: `OWNED`).
 * Changes, and the row a change holds, are ApplicationsService's.
 */
@Injectable()
export class ApplicationsReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** The virus scan of each file stored for an application (the caller has found it theirs). */
  async fileScans(applicationId: string): Promise<FileScans> {
    if (!isUuid(applicationId)) return new Map();
    const rows = await this.dataSource.query<
      { id: string; status: ScanStatus; signature: string | null }[]
    >(
      `SELECT application_attachment.id, application_attachment.scan_status AS status,
              application_attachment.scan_signature AS signature
         FROM application_attachment WHERE application_attachment.application_id = $1`,
      [applicationId],
    );
    return new Map(rows.map((row) => [row.id, { status: row.status, signature: row.signature }]));
  }

  /** An application the applicant owns, or undefined. */
  async find(applicant: Applicant, id: string): Promise<Application | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.dataSource.query<Application[]>(
      `SELECT ${COLUMNS} ${FROM} WHERE a.id = $3 AND ${OWNED}`,
      [applicant.accountId, applicant.organizationId ?? null, id],
    );
    return row;
  }

  /** An application the applicant owns, by its reference number (PC-2026-000123), or undefined. */
  async findByReference(applicant: Applicant, reference: string): Promise<Application | undefined> {
    if (!REFERENCE.test(reference)) return undefined;
    const [row] = await this.dataSource.query<Application[]>(
      `SELECT ${COLUMNS} ${FROM} WHERE a.reference = $3 AND ${OWNED}`,
      [applicant.accountId, applicant.organizationId ?? null, reference],
    );
    return row;
  }

  /**
   * When an application is not the applicant's as they act now, who they
   * would have to act as to reach it: one of their SMEs, or themselves.
   */
  async otherIdentityFor(
    accountId: string,
    id: string,
  ): Promise<{ organizationId: string | null; organizationName: string | null } | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.dataSource.query<
      { organizationId: string | null; organizationName: string | null }[]
    >(
      `SELECT a.organization_id AS "organizationId", o.legal_name AS "organizationName"
         FROM application a LEFT JOIN organization o ON o.id = a.organization_id
        WHERE a.id = $2
          AND ((a.organization_id IS NULL AND a.account_id = $1)
            OR EXISTS (SELECT 1 FROM organization_membership m
                        WHERE m.organization_id = a.organization_id AND m.account_id = $1))`,
      [accountId, id],
    );
    return row;
  }

  /** "My applications": newest activity first (an SME's are shared by its members). */
  async list(applicant: Applicant, limit = 100): Promise<Application[]> {
    return this.dataSource.query<Application[]>(
      `SELECT ${COLUMNS} ${FROM} WHERE ${OWNED} ORDER BY a.updated_at DESC LIMIT $3`,
      [applicant.accountId, applicant.organizationId ?? null, limit],
    );
  }

  /**
   * A page of the applicant's applications, newest created first, after the one
   * with id `after` (the API's cursor: stable while applications change).
   */
  async page(applicant: Applicant, limit: number, after?: string): Promise<Application[]> {
    return this.dataSource.query<Application[]>(
      `SELECT ${COLUMNS} ${FROM}
        WHERE ${OWNED}
          AND ($4::uuid IS NULL OR (a.created_at, a.id) <
               (SELECT c.created_at, c.id FROM application c WHERE c.id = $4::uuid))
        ORDER BY a.created_at DESC, a.id DESC LIMIT $3`,
      [applicant.accountId, applicant.organizationId ?? null, limit, after ?? null],
    );
  }

  /** The application's history (status changes, with who made them), oldest first. */
  async transitions(id: string): Promise<Transition[]> {
    return this.dataSource.query<Transition[]>(
      `SELECT t.from_status AS "from", t.to_status AS "to", actor.display_name AS "actorName",
              t.actor_role AS "actorRole", t.reason, t.at
         FROM application_transition t LEFT JOIN account actor ON actor.id = t.actor_id
        WHERE t.application_id = $1 ORDER BY t.id`,
      [id],
    );
  }

  /** The application's message thread, oldest first. */
  async messages(id: string): Promise<Message[]> {
    return this.dataSource.query<Message[]>(
      `SELECT m.id, author.display_name AS "authorName", m.author_role AS "authorRole", m.body,
              m.created_at AS "createdAt"
         FROM application_message m LEFT JOIN account author ON author.id = m.author_id
        WHERE m.application_id = $1 ORDER BY m.created_at, m.id`,
      [id],
    );
  }
}
