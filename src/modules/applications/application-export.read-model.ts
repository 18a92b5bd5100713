import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** One of the person's applications, as they may read it (ADR 0048). */
export interface ApplicationExport {
  id: string;
  reference: string | null;
  service: string;
  variant: string;
  organizationId: string | null;
  status: string;
  channel: string;
  answers: unknown;
  decisionNote: string | null;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  decidedAt: Date | null;
  /** Its history: each change of status, by the applicant or by staff. */
  history: { from: string; to: string; by: string; reason: string | null; at: Date }[];
  /** The messages between the applicant and staff. */
  messages: { from: string; body: string; at: Date }[];
  /** Its files: names, types, sizes and SHA-256 (the files themselves stay on its page). */
  files: {
    id: string;
    question: string;
    filename: string;
    contentType: string;
    sizeBytes: number;
    sha256: string;
    virusScan: string;
    uploadedAt: Date;
  }[];
}

/**
 * The applications a person filed (drafts and sent ones), with what the
 * applicant sees of them: answers, status, history, messages and files.
 * Never the staff's assignment or the API's idempotency keys.
 */
@Injectable()
export class ApplicationExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<ApplicationExport[]> {
    const rows = await manager.query(
      `SELECT application.id, application.reference, application.service_slug, application.variant,
              application.organization_id, application.status, application.channel,
              application.answers, application.decision_note, application.created_at,
              application.updated_at, application.submitted_at, application.decided_at
         FROM application WHERE application.account_id = $1
        ORDER BY application.created_at, application.id`,
      [accountId],
    );
    const ids = rows.map((r: { id: string }) => r.id);
    const transitions = await manager.query(
      `SELECT application_transition.application_id, application_transition.from_status,
              application_transition.to_status, application_transition.actor_role,
              application_transition.reason, application_transition.at
         FROM application_transition WHERE application_transition.application_id = ANY($1::uuid[])
        ORDER BY application_transition.id`,
      [ids],
    );
    const messages = await manager.query(
      `SELECT application_message.application_id, application_message.author_role,
              application_message.body, application_message.created_at
         FROM application_message WHERE application_message.application_id = ANY($1::uuid[])
        ORDER BY application_message.created_at, application_message.id`,
      [ids],
    );
    const files = await manager.query(
      `SELECT application_attachment.id, application_attachment.application_id,
              application_attachment.field, application_attachment.filename,
              application_attachment.content_type, application_attachment.size_bytes,
              application_attachment.sha256, application_attachment.scan_status,
              application_attachment.created_at
         FROM application_attachment WHERE application_attachment.application_id = ANY($1::uuid[])
        ORDER BY application_attachment.created_at, application_attachment.id`,
      [ids],
    );
    type Row = Record<string, never>;
    const of = (list: Row[], id: string) => list.filter((x) => x.application_id === id);
    return rows.map((r: Row): ApplicationExport => ({
      id: r.id,
      reference: r.reference,
      service: r.service_slug,
      variant: r.variant,
      organizationId: r.organization_id,
      status: r.status,
      channel: r.channel,
      answers: r.answers,
      decisionNote: r.decision_note,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      submittedAt: r.submitted_at,
      decidedAt: r.decided_at,
      history: of(transitions, r.id).map((t) => ({
        from: t.from_status,
        to: t.to_status,
        by: t.actor_role,
        reason: t.reason,
        at: t.at,
      })),
      messages: of(messages, r.id).map((m) => ({
        from: m.author_role,
        body: m.body,
        at: m.created_at,
      })),
      files: of(files, r.id).map((f) => ({
        id: f.id,
        question: f.field,
        filename: f.filename,
        contentType: f.content_type,
        sizeBytes: f.size_bytes,
        sha256: f.sha256,
        virusScan: f.scan_status,
        uploadedAt: f.created_at,
      })),
    }));
  }
}
