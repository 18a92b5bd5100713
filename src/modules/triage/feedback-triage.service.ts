import { holdsFeedbackRole } from '../feedback/feedback-options.js';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { I18nService, isLocale } from '../../platform/i18n/i18n.service.js';
import { isUuid } from '../applications/applications.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { OutboxService } from '../notifications/outbox.service.js';
import type { StaffRole } from '../staff/staff-role.js';
import { StaffService } from '../staff/staff.service.js';
import type { FeedbackStatus } from '../feedback/feedback-options.js';
import {
  BULK_STATUSES,
  MAX_BULK_ITEMS,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MAX_TRIAGE_TEXT,
  normalizeTag,
  REFERENCE,
  TAG,
  TRIAGE_STATUSES,
  type TriageStatus,
} from './triage-options.js';

/** The staff member acting, with their role (the guard has let them in; the service checks again). */
export interface TriageActor {
  accountId: string;
  roles: readonly StaffRole[];
}

/** The form fields an action can be refused on (each is also the id the error summary links to). */
export type TriageField = 'status' | 'original' | 'assignee' | 'tag' | 'note' | 'reply' | 'ids';

export type TriageProblem =
  'required' | 'invalid' | 'too-long' | 'unknown' | 'self' | 'is-duplicate' | 'too-many';

export type TriageResult =
  | { ok: true; changed: boolean; emailed?: boolean }
  | { ok: false; reason: 'not-found' | 'forbidden' }
  /** The item changed since the page was read (its status or its assignee). */
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'invalid'; field: TriageField; problem: TriageProblem };

export type BulkAction =
  | { kind: 'status'; status: string }
  | { kind: 'assign'; assignee: string }
  | { kind: 'tag'; tag: string };

export type BulkResult =
  | { ok: true; changed: number; unchanged: number }
  | { ok: false; reason: 'forbidden' }
  | { ok: false; reason: 'invalid'; field: TriageField; problem: TriageProblem };

/** An item's row, locked for the transaction. */
interface Locked {
  id: string;
  reference: string;
  status: FeedbackStatus;
  duplicateOf: string | null;
  assignedTo: string | null;
  tags: string[];
}

type Invalid = Extract<TriageResult, { reason: 'invalid' }>;
const invalid = (field: TriageField, problem: TriageProblem): Invalid => ({
  ok: false,
  reason: 'invalid',
  field,
  problem,
});

/**
 * Staff acting on feedback: its status (a duplicate names its original), who
 * handles it, its tags, internal notes, and replies to the person, one item at
 * a time or several at once.
 *
 * Each action is one transaction that locks the item's row (FOR UPDATE),
 * checks that the page it came from was not outdated (409: the status or the
 * assignee the form showed), writes the change, the item's history
 * (`feedback_change`, shown on its page) and an audit event
 * (`feedback.status_changed`, `.assigned`, `.tagged`, `.untagged`, `.noted`,
 * `.replied`). A reply is shown on the person's "My feedback" page and, if they
 * agreed to be contacted, emailed to them through the outbox; the first reply
 * sets the item's time of first response.
 */
@Injectable()
export class FeedbackTriageService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly staff: StaffService,
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Moves an item to a status. `duplicate` needs the original's reference (an
   * existing item, not this one, not itself a duplicate). `seenStatus` is the
   * status the page showed: if it changed meanwhile, the answer is a conflict.
   */
  async changeStatus(
    actor: TriageActor,
    id: string,
    input: { status: string; original: string; seenStatus?: string },
    origin: RequestOrigin,
  ): Promise<TriageResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      if (input.seenStatus !== undefined && input.seenStatus !== current.status)
        return { ok: false, reason: 'conflict' };
      if (!(TRIAGE_STATUSES as readonly string[]).includes(input.status))
        return invalid('status', input.status ? 'invalid' : 'required');
      const status = input.status as TriageStatus;
      let original: { id: string; reference: string } | null = null;
      if (status === 'duplicate') {
        const reference = input.original.trim().toUpperCase();
        if (!reference) return invalid('original', 'required');
        if (!REFERENCE.test(reference)) return invalid('original', 'invalid');
        const [found] = await manager.query<{ id: string; status: FeedbackStatus }[]>(
          `SELECT feedback_item.id, feedback_item.status FROM feedback_item
            WHERE feedback_item.reference = $1`,
          [reference],
        );
        if (!found) return invalid('original', 'unknown');
        if (found.id === current.id) return invalid('original', 'self');
        if (found.status === 'duplicate') return invalid('original', 'is-duplicate');
        original = { id: found.id, reference };
      }
      const changed = await this.applyStatus(manager, actor, current, status, original, origin);
      return { ok: true, changed };
    });
  }

  /**
   * Gives the item to someone: `me`, `none`, or a staff member who works on
   * feedback (by account id). `seenAssignee` is the assignee's id the page
   * showed ('' for nobody).
   */
  async assign(
    actor: TriageActor,
    id: string,
    input: { assignee: string; seenAssignee?: string },
    origin: RequestOrigin,
  ): Promise<TriageResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    const target = await this.assigneeOf(actor, input.assignee);
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      if (input.seenAssignee !== undefined && input.seenAssignee !== (current.assignedTo ?? ''))
        return { ok: false, reason: 'conflict' };
      if (target === undefined) return invalid('assignee', input.assignee ? 'invalid' : 'required');
      const changed = await this.applyAssignee(manager, actor, current, target, origin);
      return { ok: true, changed };
    });
  }

  /** Adds a tag (a short lowercase word, or words joined by hyphens). */
  async addTag(
    actor: TriageActor,
    id: string,
    value: string,
    origin: RequestOrigin,
  ): Promise<TriageResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    const tag = normalizeTag(value);
    const problem = tagProblem(tag);
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      if (problem) return invalid('tag', problem);
      if (!current.tags.includes(tag) && current.tags.length >= MAX_TAGS)
        return invalid('tag', 'too-many');
      const changed = await this.applyTag(manager, actor, current, tag, origin);
      return { ok: true, changed };
    });
  }

  async removeTag(
    actor: TriageActor,
    id: string,
    value: string,
    origin: RequestOrigin,
  ): Promise<TriageResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    const tag = normalizeTag(value);
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      if (!current.tags.includes(tag)) return { ok: true, changed: false };
      await manager.query(
        `UPDATE feedback_item SET tags = array_remove(feedback_item.tags, $2) WHERE feedback_item.id = $1`,
        [current.id, tag],
      );
      await this.history(manager, actor, current.id, { kind: 'tag-removed', tag });
      await this.audit.record(manager, {
        ...this.origin(actor, origin),
        action: 'feedback.untagged',
        entity: { type: 'feedback', id: current.id },
        before: { tags: current.tags },
        after: { tags: current.tags.filter((t) => t !== tag), tag },
      });
      return { ok: true, changed: true };
    });
  }

  /** An internal note: for staff only, never shown to the person. */
  async addNote(
    actor: TriageActor,
    id: string,
    body: string,
    origin: RequestOrigin,
  ): Promise<TriageResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    const text = body.trim();
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      const problem = textProblem(text);
      if (problem) return invalid('note', problem);
      const [note] = await manager.query<{ id: string }[]>(
        `INSERT INTO feedback_note (feedback_id, author_id, body) VALUES ($1, $2, $3) RETURNING id`,
        [current.id, actor.accountId, text],
      );
      // The note's text stays in the note: the log says that one was written, and how long.
      await this.audit.record(manager, {
        ...this.origin(actor, origin),
        action: 'feedback.noted',
        entity: { type: 'feedback', id: current.id },
        after: { noteId: note.id, length: text.length },
      });
      return { ok: true, changed: true };
    });
  }

  /**
   * Replies to the person: shown on their "My feedback" page with the item's
   * status, emailed (with a link to that page) only if they agreed to be
   * contacted and have an open account. The first reply records when the City
   * first answered.
   */
  async reply(
    actor: TriageActor,
    id: string,
    body: string,
    origin: RequestOrigin,
  ): Promise<TriageResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    const text = body.trim();
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      const problem = textProblem(text);
      if (problem) return invalid('reply', problem);
      const [item] = await manager.query<
        {
          service_slug: string;
          consent_to_contact: boolean;
          first_response_at: Date | null;
          email: string | null;
          locale: string | null;
          closed: boolean | null;
        }[]
      >(
        `SELECT feedback_item.service_slug, feedback_item.consent_to_contact,
                feedback_item.first_response_at, person.email, person.preferred_locale AS locale,
                person.closed_at IS NOT NULL AS closed
           FROM feedback_item LEFT JOIN account AS person ON person.id = feedback_item.account_id
          WHERE feedback_item.id = $1`,
        [current.id],
      );
      const emailed = item.consent_to_contact && item.email !== null && item.closed === false;
      const [reply] = await manager.query<{ id: string }[]>(
        `INSERT INTO feedback_reply (feedback_id, author_id, author_role, body, emailed)
         VALUES ($1, $2, 'staff', $3, $4) RETURNING id`,
        [current.id, actor.accountId, text, emailed],
      );
      const first = item.first_response_at === null;
      if (first)
        await manager.query(
          `UPDATE feedback_item SET first_response_at = now()
            WHERE feedback_item.id = $1 AND feedback_item.first_response_at IS NULL`,
          [current.id],
        );
      if (emailed) {
        const locale = isLocale(item.locale) ? item.locale : 'fr';
        await this.outbox.enqueue(manager, {
          kind: 'feedback-reply',
          to: item.email!,
          locale,
          values: {
            reference: current.reference,
            service: this.catalogue.find(item.service_slug)?.title[locale] ?? item.service_slug,
            status: this.i18n.t(locale, `feedback.status.${current.status}`),
            reply: text,
            municipality: this.config.MUNICIPALITY_NAME,
            link: `${this.config.PUBLIC_URL}/feedback/${current.id}`,
          },
        });
      }
      await this.audit.record(manager, {
        ...this.origin(actor, origin),
        action: 'feedback.replied',
        entity: { type: 'feedback', id: current.id },
        after: { replyId: reply.id, length: text.length, emailed, firstResponse: first },
      });
      return { ok: true, changed: true, emailed };
    });
  }

  /**
   * One change to several items (a status other than duplicate, an assignee,
   * or a tag), in one transaction: one history entry and one audit event per
   * item that changed. Ids that name no item are skipped.
   */
  async bulk(
    actor: TriageActor,
    ids: readonly string[],
    action: BulkAction,
    origin: RequestOrigin,
  ): Promise<BulkResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    const unique = [...new Set(ids)];
    if (unique.length === 0) return invalid('ids', 'required');
    if (unique.length > MAX_BULK_ITEMS) return invalid('ids', 'too-many');
    if (!unique.every(isUuid)) return invalid('ids', 'invalid');
    let apply: (manager: EntityManager, current: Locked) => Promise<boolean>;
    switch (action.kind) {
      case 'status': {
        if (!(BULK_STATUSES as readonly string[]).includes(action.status))
          return invalid('status', action.status ? 'invalid' : 'required');
        const status = action.status as TriageStatus;
        apply = (manager, current) =>
          this.applyStatus(manager, actor, current, status, null, origin);
        break;
      }
      case 'assign': {
        const target = await this.assigneeOf(actor, action.assignee);
        if (target === undefined)
          return invalid('assignee', action.assignee ? 'invalid' : 'required');
        apply = (manager, current) => this.applyAssignee(manager, actor, current, target, origin);
        break;
      }
      case 'tag': {
        const tag = normalizeTag(action.tag);
        const problem = tagProblem(tag);
        if (problem) return invalid('tag', problem);
        apply = async (manager, current) =>
          !current.tags.includes(tag) && current.tags.length < MAX_TAGS
            ? this.applyTag(manager, actor, current, tag, origin)
            : false;
        break;
      }
    }
    return this.dataSource.transaction(async (manager) => {
      // One order for every lock, so two bulk changes at once cannot deadlock.
      const rows = await manager.query<Locked[]>(
        `SELECT ${LOCKED_COLUMNS} FROM feedback_item
          WHERE feedback_item.id = ANY($1::uuid[])
          ORDER BY feedback_item.id FOR UPDATE`,
        [unique],
      );
      let changed = 0;
      for (const current of rows) if (await apply(manager, current)) changed++;
      return { ok: true, changed, unchanged: rows.length - changed };
    });
  }

  // ---------------------------------------------------------------------------

  private async applyStatus(
    manager: EntityManager,
    actor: TriageActor,
    current: Locked,
    status: TriageStatus,
    original: { id: string; reference: string } | null,
    origin: RequestOrigin,
  ): Promise<boolean> {
    const duplicateOf = original?.id ?? null;
    if (current.status === status && current.duplicateOf === duplicateOf) return false;
    await manager.query(
      `UPDATE feedback_item SET status = $2, duplicate_of = $3, status_changed_at = now()
        WHERE feedback_item.id = $1`,
      [current.id, status, duplicateOf],
    );
    await this.history(manager, actor, current.id, {
      kind: 'status',
      from: current.status,
      to: status,
      originalReference: original?.reference ?? null,
    });
    await this.audit.record(manager, {
      ...this.origin(actor, origin),
      action: 'feedback.status_changed',
      entity: { type: 'feedback', id: current.id },
      before: { status: current.status, duplicateOf: current.duplicateOf },
      after: { status, duplicateOf, duplicateOfReference: original?.reference ?? null },
    });
    return true;
  }

  private async applyAssignee(
    manager: EntityManager,
    actor: TriageActor,
    current: Locked,
    assignee: string | null,
    origin: RequestOrigin,
  ): Promise<boolean> {
    if (current.assignedTo === assignee) return false;
    await manager.query(`UPDATE feedback_item SET assigned_to = $2 WHERE feedback_item.id = $1`, [
      current.id,
      assignee,
    ]);
    await this.history(manager, actor, current.id, {
      kind: 'assigned',
      from: current.assignedTo,
      to: assignee,
    });
    await this.audit.record(manager, {
      ...this.origin(actor, origin),
      action: 'feedback.assigned',
      entity: { type: 'feedback', id: current.id },
      before: { assignedTo: current.assignedTo },
      after: { assignedTo: assignee },
    });
    return true;
  }

  private async applyTag(
    manager: EntityManager,
    actor: TriageActor,
    current: Locked,
    tag: string,
    origin: RequestOrigin,
  ): Promise<boolean> {
    if (current.tags.includes(tag)) return false;
    await manager.query(
      `UPDATE feedback_item SET tags = array_append(feedback_item.tags, $2) WHERE feedback_item.id = $1`,
      [current.id, tag],
    );
    await this.history(manager, actor, current.id, { kind: 'tag-added', tag });
    await this.audit.record(manager, {
      ...this.origin(actor, origin),
      action: 'feedback.tagged',
      entity: { type: 'feedback', id: current.id },
      before: { tags: current.tags },
      after: { tags: [...current.tags, tag], tag },
    });
    return true;
  }

  private async history(
    manager: EntityManager,
    actor: TriageActor,
    feedbackId: string,
    change:
      | {
          kind: 'status';
          from: FeedbackStatus;
          to: FeedbackStatus;
          originalReference: string | null;
        }
      | { kind: 'assigned'; from: string | null; to: string | null }
      | { kind: 'tag-added' | 'tag-removed'; tag: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO feedback_change
         (feedback_id, actor_id, kind, from_status, to_status, original_reference, from_assignee,
          to_assignee, tag)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        feedbackId,
        actor.accountId,
        change.kind,
        change.kind === 'status' ? change.from : null,
        change.kind === 'status' ? change.to : null,
        change.kind === 'status' ? change.originalReference : null,
        change.kind === 'assigned' ? change.from : null,
        change.kind === 'assigned' ? change.to : null,
        change.kind === 'tag-added' || change.kind === 'tag-removed' ? change.tag : null,
      ],
    );
  }

  /**
   * Whom `value` names: the actor (`me`), nobody (`none`: null), or a staff
   * member who works on feedback; undefined when it names nobody valid.
   */
  private async assigneeOf(actor: TriageActor, value: string): Promise<string | null | undefined> {
    if (value === 'me') return actor.accountId;
    if (value === 'none') return null;
    if (!isUuid(value)) return undefined;
    return holdsFeedbackRole(await this.staff.rolesOf(value)) ? value : undefined;
  }

  private async lock(manager: EntityManager, id: string): Promise<Locked | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await manager.query<Locked[]>(
      `SELECT ${LOCKED_COLUMNS} FROM feedback_item WHERE feedback_item.id = $1 FOR UPDATE`,
      [id],
    );
    return row;
  }

  private origin(actor: TriageActor, origin: RequestOrigin) {
    return {
      actor: { type: 'staff' as const, id: actor.accountId },
      ip: origin.ip,
      requestId: origin.requestId,
    };
  }
}

const LOCKED_COLUMNS = `feedback_item.id, feedback_item.reference, feedback_item.status,
  feedback_item.duplicate_of AS "duplicateOf", feedback_item.assigned_to AS "assignedTo",
  feedback_item.tags`;

function tagProblem(tag: string): TriageProblem | undefined {
  if (!tag) return 'required';
  if (tag.length > MAX_TAG_LENGTH || !TAG.test(tag)) return 'invalid';
  return undefined;
}

function textProblem(text: string): TriageProblem | undefined {
  if (!text) return 'required';
  if (text.length > MAX_TRIAGE_TEXT) return 'too-long';
  return undefined;
}
