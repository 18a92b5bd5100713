import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid } from '../applications/applications.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { MAX_POSITION } from '../acceptance/acceptance-options.js';
import type { FaqEntryInput } from './dto/faq.dto.js';

export type FaqProblem = 'not-found' | 'unknown-service' | 'not-a-question';

export type FaqCreated =
  | { ok: true; id: string }
  /** The feedback item already has its entry: `id` is that entry. */
  | { ok: false; problem: 'already-promoted'; id: string }
  | { ok: false; problem: FaqProblem };

interface EntryRow {
  id: string;
  service_slug: string;
  position: number;
  question_fr: string;
  question_en: string;
  answer_fr: string;
  answer_en: string;
  published_at: Date | null;
}

/**
 * The public FAQ of each service (issue 6): staff write a question and its
 * answer in French and English (possibly from a question someone sent as
 * feedback), order them, publish and unpublish them. Each change and its
 * audit event are one transaction. Both variants' start pages show the
 * published entries (`FaqReadModel`).
 */
@Injectable()
export class FaqService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly catalogue: CatalogueService,
  ) {}

  /**
   * Adds an entry, unpublished. From a feedback item (`feedbackId`), the item
   * must be a question and its service is the entry's; an item gets one entry.
   */
  async create(
    staffId: string,
    input: FaqEntryInput,
    origin: RequestOrigin,
    feedbackId?: string,
  ): Promise<FaqCreated> {
    if (!this.catalogue.find(input.serviceSlug)) return { ok: false, problem: 'unknown-service' };
    return this.dataSource.transaction(async (manager) => {
      if (feedbackId !== undefined) {
        if (!isUuid(feedbackId)) return { ok: false, problem: 'not-found' };
        // The item's row is locked: two promotions at once make one entry.
        const [item] = await manager.query<{ kind: string; service_slug: string }[]>(
          `SELECT feedback_item.kind, feedback_item.service_slug FROM feedback_item
            WHERE feedback_item.id = $1 FOR UPDATE`,
          [feedbackId],
        );
        if (!item) return { ok: false, problem: 'not-found' };
        if (item.kind !== 'question') return { ok: false, problem: 'not-a-question' };
        if (item.service_slug !== input.serviceSlug)
          return { ok: false, problem: 'unknown-service' };
        const [existing] = await manager.query<{ id: string }[]>(
          `SELECT faq_entry.id FROM faq_entry WHERE faq_entry.feedback_id = $1`,
          [feedbackId],
        );
        if (existing) return { ok: false, problem: 'already-promoted', id: existing.id };
      }
      const position = input.position ?? (await this.nextPosition(manager, input.serviceSlug));
      const [row] = await manager.query<{ id: string }[]>(
        `INSERT INTO faq_entry
           (service_slug, position, question_fr, question_en, answer_fr, answer_en, feedback_id,
            created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
        [
          input.serviceSlug,
          position,
          input.question.fr,
          input.question.en,
          input.answer.fr,
          input.answer.en,
          feedbackId ?? null,
          staffId,
        ],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: staffId },
        action: 'faq.entry_created',
        entity: { type: 'faq-entry', id: row.id },
        after: {
          serviceSlug: input.serviceSlug,
          position,
          question: input.question,
          answer: input.answer,
          feedbackId: feedbackId ?? null,
          published: false,
        },
        ip: origin.ip,
        requestId: origin.requestId,
      });
      return { ok: true, id: row.id };
    });
  }

  /** Changes an entry's texts or order (its service stays); a published entry shows the change at once. */
  async update(
    staffId: string,
    id: string,
    input: Omit<FaqEntryInput, 'serviceSlug'>,
    origin: RequestOrigin,
  ): Promise<{ ok: true } | { ok: false; problem: 'not-found' }> {
    return this.change(id, async (manager, before) => {
      const position = input.position ?? before.position;
      await manager.query(
        `UPDATE faq_entry
            SET position = $2, question_fr = $3, question_en = $4, answer_fr = $5, answer_en = $6,
                updated_by = $7, updated_at = now()
          WHERE faq_entry.id = $1`,
        [
          id,
          position,
          input.question.fr,
          input.question.en,
          input.answer.fr,
          input.answer.en,
          staffId,
        ],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: staffId },
        action: 'faq.entry_updated',
        entity: { type: 'faq-entry', id },
        before: {
          position: before.position,
          question: { fr: before.question_fr, en: before.question_en },
          answer: { fr: before.answer_fr, en: before.answer_en },
        },
        after: { position, question: input.question, answer: input.answer },
        ip: origin.ip,
        requestId: origin.requestId,
      });
    });
  }

  /** Shows the entry on its service's start pages (or hides it). Already so: nothing changes. */
  async setPublished(
    staffId: string,
    id: string,
    published: boolean,
    origin: RequestOrigin,
  ): Promise<{ ok: true; changed: boolean } | { ok: false; problem: 'not-found' }> {
    let changed = false;
    const result = await this.change(id, async (manager, before) => {
      if ((before.published_at !== null) === published) return;
      changed = true;
      await manager.query(
        `UPDATE faq_entry
            SET published_at = CASE WHEN $2 THEN now() END,
                published_by = CASE WHEN $2 THEN $3::uuid END,
                updated_by = $3, updated_at = now()
          WHERE faq_entry.id = $1`,
        [id, published, staffId],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: staffId },
        action: published ? 'faq.entry_published' : 'faq.entry_unpublished',
        entity: { type: 'faq-entry', id },
        before: { published: !published },
        after: { published, serviceSlug: before.service_slug },
        ip: origin.ip,
        requestId: origin.requestId,
      });
    });
    return result.ok ? { ok: true, changed } : result;
  }

  // -------------------------------------------------------------------------

  /** Locks the entry, then runs the change in the same transaction. */
  private async change(
    id: string,
    apply: (manager: EntityManager, before: EntryRow) => Promise<void>,
  ): Promise<{ ok: true } | { ok: false; problem: 'not-found' }> {
    if (!isUuid(id)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const [before] = await manager.query<EntryRow[]>(
        `SELECT faq_entry.id, faq_entry.service_slug, faq_entry.position, faq_entry.question_fr,
                faq_entry.question_en, faq_entry.answer_fr, faq_entry.answer_en, faq_entry.published_at
           FROM faq_entry WHERE faq_entry.id = $1 FOR UPDATE`,
        [id],
      );
      if (!before) return { ok: false, problem: 'not-found' };
      await apply(manager, before);
      return { ok: true };
    });
  }

  private async nextPosition(manager: EntityManager, slug: string): Promise<number> {
    const [row] = await manager.query<{ next: number }[]>(
      `SELECT COALESCE(max(faq_entry.position), 0) + 1 AS next FROM faq_entry
        WHERE faq_entry.service_slug = $1`,
      [slug],
    );
    return Math.min(Number(row.next), MAX_POSITION);
  }
}
