import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { holdsRole, type StaffRole } from '../staff/staff-role.js';
import { StaffService, type StaffMember } from '../staff/staff.service.js';
import { canTransition, type ApplicationStatus } from './application-status.js';
import {
  ApplicationsQueueReadModel,
  type StaffApplicationDetail,
} from './applications-queue.read-model.js';
import {
  ApplicationsService,
  isUuid,
  type Application,
  type Message,
  type Transition,
} from './applications.service.js';
import { ApplicationsReadModel } from './applications.read-model.js';

/** The staff roles that process applications (the queue, the actions, the files). */
export const PROCESSING_ROLES = ['clerk', 'admin'] as const satisfies readonly StaffRole[];

/** The staff member acting (the guard has checked they hold a processing role). */
export interface StaffActor {
  accountId: string;
}

/** The longest reason, condition or message (the database's limit too). */
export const MAX_NOTE_LENGTH = 5000;

export type TextProblem = 'required' | 'too-long';

/**
 * Why a staff member may not process an application (separation of duties):
 * they filed it, or they belong to the SME it was filed for.
 */
export type ConflictOfInterest = 'own-application' | 'own-organization';

/** The actions a clerk takes on an application (named in the audit of a refusal). */
export type ProcessingAction =
  'assign' | 'information_requested' | 'approved' | 'rejected' | 'message';

export type ProcessingResult =
  | { ok: true; application: Application; changed: boolean }
  | { ok: false; reason: 'not-found' | 'not-allowed' }
  | { ok: false; reason: 'conflict-of-interest'; conflict: ConflictOfInterest }
  | { ok: false; reason: 'invalid'; problem: TextProblem };

/** An application as a clerk sees it: its details, history and thread, and whether they may act. */
export interface StaffApplicationView {
  detail: StaffApplicationDetail;
  transitions: Transition[];
  messages: Message[];
  conflict: ConflictOfInterest | undefined;
}

type Decision = Extract<ApplicationStatus, 'information_requested' | 'approved' | 'rejected'>;

/**
 * Applications from the clerks' side: taking one (assign to me), asking the
 * applicant for information, approving (with conditions, optional) or
 * rejecting (with a reason), and writing to the applicant.
 *
 * Each action is one transaction that locks the application's row
 * (SELECT … FOR UPDATE), checks the lifecycle (`canTransition(…, 'staff')`),
 * records the transition (who, when, why), its audit event (status before and
 * after) and queues the applicant's email in the outbox. Drafts do not exist
 * for staff: they answer "not found". A clerk who acts on an application nobody
 * has taken becomes its assignee.
 *
 * Separation of duties (docs/adr/0018): nobody processes an application they
 * filed or one filed for an SME they belong to; the refusal is audited.
 */
@Injectable()
export class ApplicationProcessingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly applications: ApplicationsService,
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly audit: AuditService,
    private readonly queue: ApplicationsQueueReadModel,
    private readonly staffMembers: StaffService,
    private readonly organizations: OrganizationService,
  ) {}

  /** The staff members who process applications (clerks and admins). */
  async clerks(): Promise<StaffMember[]> {
    return (await this.staffMembers.list()).filter((m) => holdsRole(m.roles, PROCESSING_ROLES));
  }

  /**
   * A submitted application as the staff member sees it, with whether they
   * may process it (its page offers no action otherwise); undefined for a
   * draft or an unknown id.
   */
  async view(staff: StaffActor, id: string): Promise<StaffApplicationView | undefined> {
    const detail = await this.queue.detail(id);
    if (!detail) return undefined;
    const [transitions, messages] = await Promise.all([
      this.applicationsRead.transitions(detail.id),
      this.applicationsRead.messages(detail.id),
    ]);
    const conflict = await this.conflictOfInterest(staff.accountId, detail);
    return { detail, transitions, messages, conflict };
  }

  /** A submitted application's status now (what a refused action's message names). */
  async statusOf(id: string): Promise<ApplicationStatus | undefined> {
    return (await this.queue.detail(id))?.status;
  }

  /**
   * Takes the application (from nobody, or from a colleague). A new or
   * resubmitted application moves to "in review", which the applicant is told.
   */
  async assignToMe(
    staff: StaffActor,
    id: string,
    origin: RequestOrigin,
  ): Promise<ProcessingResult> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      const refused = await this.refuseConflict(manager, staff, current, 'assign', origin);
      if (refused) return refused;
      const moves = canTransition(current.status, 'in_review', 'staff');
      const final = !moves && !STILL_OPEN.includes(current.status);
      if (final) return { ok: false, reason: 'not-allowed' };
      if (!moves && current.assignedTo === staff.accountId)
        return { ok: true, application: current, changed: false };
      const to: ApplicationStatus = moves ? 'in_review' : current.status;
      await manager.query(
        `UPDATE application SET assigned_to = $2, status = $3, updated_at = now(), version = version + 1
          WHERE id = $1`,
        [id, staff.accountId, to],
      );
      if (moves)
        await this.applications.recordTransition(
          manager,
          current,
          to,
          staff.accountId,
          'staff',
          null,
        );
      await this.audit.record(manager, {
        ...this.actor(staff, origin),
        action: moves ? 'application.in_review' : 'application.assigned',
        entity: { type: 'application', id },
        before: { status: current.status, assignedTo: current.assignedTo },
        after: { status: to, assignedTo: staff.accountId },
      });
      const application = (await this.applications.load(manager, id))!;
      if (moves) await this.applications.email(manager, application, to, null);
      return { ok: true, application, changed: true };
    });
  }

  /** Asks the applicant for information (the reason is the question, and is required). */
  requestInformation(
    staff: StaffActor,
    id: string,
    reason: string,
    origin: RequestOrigin,
  ): Promise<ProcessingResult> {
    return this.decide(staff, id, 'information_requested', reason, true, origin);
  }

  /** Approves, with conditions or none. */
  approve(
    staff: StaffActor,
    id: string,
    conditions: string | null,
    origin: RequestOrigin,
  ): Promise<ProcessingResult> {
    return this.decide(staff, id, 'approved', conditions ?? '', false, origin);
  }

  /** Rejects; the reason is required (the applicant is told it). */
  reject(
    staff: StaffActor,
    id: string,
    reason: string,
    origin: RequestOrigin,
  ): Promise<ProcessingResult> {
    return this.decide(staff, id, 'rejected', reason, true, origin);
  }

  /** Writes to the applicant on the application's thread; they are emailed. */
  async postMessage(
    staff: StaffActor,
    id: string,
    body: string,
    origin: RequestOrigin,
  ): Promise<ProcessingResult> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      const refused = await this.refuseConflict(manager, staff, current, 'message', origin);
      if (refused) return refused;
      const text = body.trim();
      const problem = textProblem(text, true);
      if (problem) return { ok: false, reason: 'invalid', problem };
      await this.applications.insertMessage(manager, current, staff.accountId, 'staff', text);
      await this.audit.record(manager, {
        ...this.actor(staff, origin),
        action: 'application.message_posted',
        entity: { type: 'application', id },
        after: { authorRole: 'staff', length: text.length },
      });
      return { ok: true, application: current, changed: true };
    });
  }

  private async decide(
    staff: StaffActor,
    id: string,
    to: Decision,
    note: string,
    required: boolean,
    origin: RequestOrigin,
  ): Promise<ProcessingResult> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id);
      if (!current) return { ok: false, reason: 'not-found' };
      const refused = await this.refuseConflict(manager, staff, current, to, origin);
      if (refused) return refused;
      if (!canTransition(current.status, to, 'staff')) return { ok: false, reason: 'not-allowed' };
      const text = note.trim();
      const problem = textProblem(text, required);
      if (problem) return { ok: false, reason: 'invalid', problem };
      const decided = to !== 'information_requested';
      await manager.query(
        `UPDATE application
            SET status = $2, assigned_to = COALESCE(assigned_to, $3),
                decision_note = CASE WHEN $4::boolean THEN $5 ELSE decision_note END,
                decided_at = CASE WHEN $4::boolean THEN now() ELSE decided_at END,
                updated_at = now(), version = version + 1
          WHERE id = $1`,
        [id, to, staff.accountId, decided, text || null],
      );
      await this.applications.recordTransition(
        manager,
        current,
        to,
        staff.accountId,
        'staff',
        text || null,
      );
      const application = (await this.applications.load(manager, id))!;
      await this.audit.record(manager, {
        ...this.actor(staff, origin),
        action: `application.${to}`,
        entity: { type: 'application', id },
        before: { status: current.status, assignedTo: current.assignedTo },
        after: {
          status: to,
          assignedTo: application.assignedTo,
          [to === 'approved' ? 'conditions' : 'reason']: text || null,
        },
      });
      await this.applications.email(manager, application, to, text || null);
      return { ok: true, application, changed: true };
    });
  }

  /**
   * Whether the staff member may not process this application: they filed it,
   * or they belong (any role) to the SME it was filed for. The application's
   * page asks too, so as not to offer the actions.
   */
  async conflictOfInterest(
    staffId: string,
    application: Pick<Application, 'accountId' | 'organizationId'>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ConflictOfInterest | undefined> {
    if (application.accountId === staffId) return 'own-application';
    if (!application.organizationId) return undefined;
    const role = await this.organizations.roleOf(staffId, application.organizationId, manager);
    return role ? 'own-organization' : undefined;
  }

  /** The refusal (with its audit event) when the staff member may not act on the application. */
  private async refuseConflict(
    manager: EntityManager,
    staff: StaffActor,
    current: Application,
    attempted: ProcessingAction,
    origin: RequestOrigin,
  ): Promise<ProcessingResult | undefined> {
    const conflict = await this.conflictOfInterest(staff.accountId, current, manager);
    if (!conflict) return undefined;
    await this.audit.record(manager, {
      ...this.actor(staff, origin),
      action: 'application.processing_refused',
      entity: { type: 'application', id: current.id },
      after: { attempted, reason: conflict, status: current.status },
    });
    return { ok: false, reason: 'conflict-of-interest', conflict };
  }

  /** Locks a submitted application's row for the transaction; drafts are not found. */
  private async lock(manager: EntityManager, id: string): Promise<Application | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await manager.query<{ id: string }[]>(
      `SELECT id FROM application WHERE id = $1 AND status <> 'draft' FOR UPDATE`,
      [id],
    );
    return row ? this.applications.load(manager, row.id) : undefined;
  }

  private actor(staff: StaffActor, origin: RequestOrigin) {
    return {
      actor: { type: 'staff' as const, id: staff.accountId },
      ip: origin.ip,
      requestId: origin.requestId,
    };
  }
}

/** Statuses in which a clerk may take an application without moving it. */
const STILL_OPEN: ApplicationStatus[] = ['in_review', 'information_requested'];

function textProblem(text: string, required: boolean): TextProblem | undefined {
  if (required && text.length === 0) return 'required';
  if (text.length > MAX_NOTE_LENGTH) return 'too-long';
  return undefined;
}
