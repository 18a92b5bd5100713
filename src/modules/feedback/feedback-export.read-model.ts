import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** One of the person's feedback items and the replies to it (ADR 0048). */
export interface FeedbackExport {
  id: string;
  reference: string;
  channel: string;
  service: string;
  variant: string;
  page: string | null;
  kind: string;
  severity: string | null;
  tried: string;
  happened: string;
  expected: string;
  consentToContact: boolean;
  status: string;
  applicationId: string | null;
  createdAt: Date;
  files: { filename: string; contentType: string; sizeBytes: number; sha256: string }[];
  /** The City's replies and the person's own, never the staff's internal notes. */
  replies: { from: string; body: string; at: Date }[];
}

/**
 * The feedback a person sent, or staff recorded for them, with the replies.
 * The replies are triage's table, joined for reading (ADR 0021, rule 2);
 * triage's internal notes, tags and assignment are the City's work, not the
 * person's data, and are left out.
 */
@Injectable()
export class FeedbackExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<FeedbackExport[]> {
    const items = await manager.query(
      `SELECT feedback_item.id, feedback_item.reference, feedback_item.channel,
              feedback_item.service_slug, feedback_item.variant, feedback_item.page,
              feedback_item.kind, feedback_item.severity, feedback_item.tried,
              feedback_item.happened, feedback_item.expected, feedback_item.consent_to_contact,
              feedback_item.status, feedback_item.application_id, feedback_item.created_at
         FROM feedback_item WHERE feedback_item.account_id = $1
        ORDER BY feedback_item.created_at, feedback_item.id`,
      [accountId],
    );
    const ids = items.map((i: { id: string }) => i.id);
    const files = await manager.query(
      `SELECT feedback_attachment.feedback_id, feedback_attachment.filename,
              feedback_attachment.content_type, feedback_attachment.size_bytes,
              feedback_attachment.sha256
         FROM feedback_attachment WHERE feedback_attachment.feedback_id = ANY($1::uuid[])
        ORDER BY feedback_attachment.created_at, feedback_attachment.id`,
      [ids],
    );
    const replies = await manager.query(
      `SELECT feedback_reply.feedback_id, feedback_reply.author_role, feedback_reply.body,
              feedback_reply.created_at
         FROM feedback_reply WHERE feedback_reply.feedback_id = ANY($1::uuid[])
        ORDER BY feedback_reply.created_at, feedback_reply.id`,
      [ids],
    );
    return items.map((i: Record<string, never>): FeedbackExport => ({
      id: i.id,
      reference: i.reference,
      channel: i.channel,
      service: i.service_slug,
      variant: i.variant,
      page: i.page,
      kind: i.kind,
      severity: i.severity,
      tried: i.tried,
      happened: i.happened,
      expected: i.expected,
      consentToContact: i.consent_to_contact,
      status: i.status,
      applicationId: i.application_id,
      createdAt: i.created_at,
      files: (files as Record<string, never>[])
        .filter((f) => f.feedback_id === i.id)
        .map((f) => ({
          filename: f.filename,
          contentType: f.content_type,
          sizeBytes: f.size_bytes,
          sha256: f.sha256,
        })),
      replies: (replies as Record<string, never>[])
        .filter((r) => r.feedback_id === i.id)
        .map((r) => ({ from: r.author_role, body: r.body, at: r.created_at })),
    }));
  }
}
