import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { isUuid } from '../applications/applications.service.js';
import type { Localized } from '../catalogue/service-definition.js';
import type { FeedbackStatus } from '../feedback/feedback-options.js';

/** A FAQ entry as a start page shows it. */
export interface PublicFaqEntry {
  id: string;
  question: Localized;
  answer: Localized;
}

export interface FaqEntry extends PublicFaqEntry {
  serviceSlug: string;
  position: number;
  publishedAt: Date | null;
  feedbackId: string | null;
  feedbackReference: string | null;
  updatedAt: Date;
}

/** A `question` feedback item staff may promote to the FAQ. */
export interface ReceivedQuestion {
  id: string;
  reference: string;
  serviceSlug: string;
  language: Locale;
  status: FeedbackStatus;
  tried: string;
  happened: string;
  createdAt: Date;
  /** The FAQ entry made from it, if any. */
  faqEntryId: string | null;
}

interface EntryRow {
  id: string;
  serviceSlug: string;
  position: number;
  questionFr: string;
  questionEn: string;
  answerFr: string;
  answerEn: string;
  publishedAt: Date | null;
  feedbackId: string | null;
  feedbackReference: string | null;
  updatedAt: Date;
}

const ENTRY_COLUMNS = `
  faq_entry.id, faq_entry.service_slug AS "serviceSlug", faq_entry.position,
  faq_entry.question_fr AS "questionFr", faq_entry.question_en AS "questionEn",
  faq_entry.answer_fr AS "answerFr", faq_entry.answer_en AS "answerEn",
  faq_entry.published_at AS "publishedAt", faq_entry.feedback_id AS "feedbackId",
  feedback_item.reference AS "feedbackReference", faq_entry.updated_at AS "updatedAt"`;

const QUESTION_COLUMNS = `
  feedback_item.id, feedback_item.reference, feedback_item.service_slug AS "serviceSlug",
  feedback_item.language, feedback_item.status, feedback_item.tried, feedback_item.happened,
  feedback_item.created_at AS "createdAt", faq_entry.id AS "faqEntryId"`;

function entryOf(row: EntryRow): FaqEntry {
  return {
    id: row.id,
    serviceSlug: row.serviceSlug,
    position: row.position,
    question: { fr: row.questionFr, en: row.questionEn },
    answer: { fr: row.answerFr, en: row.answerEn },
    publishedAt: row.publishedAt,
    feedbackId: row.feedbackId,
    feedbackReference: row.feedbackReference,
    updatedAt: row.updatedAt,
  };
}

/** The FAQ as the start pages and the staff pages read it. */
@Injectable()
export class FaqReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** A service's published entries, in their order (both variants' start pages). */
  async published(slug: string): Promise<PublicFaqEntry[]> {
    const rows = await this.dataSource.query<EntryRow[]>(
      `SELECT faq_entry.id, faq_entry.question_fr AS "questionFr", faq_entry.question_en AS "questionEn",
              faq_entry.answer_fr AS "answerFr", faq_entry.answer_en AS "answerEn"
         FROM faq_entry
        WHERE faq_entry.service_slug = $1 AND faq_entry.published_at IS NOT NULL
        ORDER BY faq_entry.position, faq_entry.created_at, faq_entry.id`,
      [slug],
    );
    return rows.map((row) => ({
      id: row.id,
      question: { fr: row.questionFr, en: row.questionEn },
      answer: { fr: row.answerFr, en: row.answerEn },
    }));
  }

  /** Every entry, by service and order. */
  async all(): Promise<FaqEntry[]> {
    const rows = await this.dataSource.query<EntryRow[]>(
      `SELECT ${ENTRY_COLUMNS} FROM faq_entry
         LEFT JOIN feedback_item ON feedback_item.id = faq_entry.feedback_id
        ORDER BY faq_entry.service_slug, faq_entry.position, faq_entry.created_at, faq_entry.id`,
    );
    return rows.map(entryOf);
  }

  async entry(id: string): Promise<FaqEntry | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.dataSource.query<EntryRow[]>(
      `SELECT ${ENTRY_COLUMNS} FROM faq_entry
         LEFT JOIN feedback_item ON feedback_item.id = faq_entry.feedback_id
        WHERE faq_entry.id = $1`,
      [id],
    );
    return row ? entryOf(row) : undefined;
  }

  /**
   * The newest questions people sent that no FAQ entry answers yet (a
   * duplicate aside): what staff may promote.
   */
  async openQuestions(limit = 50): Promise<ReceivedQuestion[]> {
    return this.dataSource.query<ReceivedQuestion[]>(
      `SELECT ${QUESTION_COLUMNS} FROM feedback_item
         LEFT JOIN faq_entry ON faq_entry.feedback_id = feedback_item.id
        WHERE feedback_item.kind = 'question' AND feedback_item.status <> 'duplicate'
          AND faq_entry.id IS NULL
        ORDER BY feedback_item.created_at DESC, feedback_item.id DESC
        LIMIT $1`,
      [limit],
    );
  }

  /** A `question` feedback item, or undefined (any other kind too). */
  async question(feedbackId: string): Promise<ReceivedQuestion | undefined> {
    if (!isUuid(feedbackId)) return undefined;
    const [row] = await this.dataSource.query<ReceivedQuestion[]>(
      `SELECT ${QUESTION_COLUMNS} FROM feedback_item
         LEFT JOIN faq_entry ON faq_entry.feedback_id = feedback_item.id
        WHERE feedback_item.id = $1 AND feedback_item.kind = 'question'`,
      [feedbackId],
    );
    return row;
  }
}
