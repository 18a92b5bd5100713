import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { AccountService } from '../accounts/account.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { normalizeNeq } from '../organizations/dto/organization.dto.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { RolloutReadModel, type CohortRef } from '../rollout/rollout.read-model.js';
import { VariantAccessService } from '../rollout/variant-access.service.js';
import type { FeedbackInput } from './dto/feedback.dto.js';
import { FeedbackService, revisionServedTo } from './feedback.service.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { holdsFeedbackRole, type AssistedChannel } from './feedback-options.js';

/** Whom the feedback is from, as staff identified them. */
export type AssistedParty =
  | { kind: 'account'; email: string }
  | { kind: 'sme'; neq: string; contactName: string; contactDetail: string }
  | { kind: 'contact'; contactName: string; contactDetail: string };

export interface AssistedInput {
  serviceSlug: string;
  variant: Audience;
  channel: AssistedChannel;
  party: AssistedParty;
  language: Locale;
  feedback: FeedbackInput;
}

export type AssistedResult =
  | { ok: true; id: string; reference: string }
  | { ok: false; reason: 'forbidden' }
  | { ok: false; reason: 'invalid'; field: 'service' | 'email' | 'neq'; problem: 'unknown' };

/**
 * Feedback the City received by phone, at the counter or by email, recorded
 * by a staff member for a person (an account holder, or a name and contact
 * typed in) or an SME (by NEQ). It gets the context the portal's form would
 * have given it: the variant's stage now, the cohorts of the SME or of the
 * person as themselves, their audience; the channel and who recorded it say
 * how it came. An account holder then finds it in their "My feedback".
 * FeedbackService stores it (the one writer of `feedback_item`).
 */
@Injectable()
export class AssistedFeedbackService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalogue: CatalogueService,
    private readonly rollout: RolloutReadModel,
    private readonly accounts: AccountService,
    private readonly organizations: OrganizationService,
    private readonly feedbackItems: FeedbackService,
    private readonly access: VariantAccessService,
  ) {}

  async record(
    actor: StaffActor,
    input: AssistedInput,
    origin: RequestOrigin,
  ): Promise<AssistedResult> {
    if (!holdsFeedbackRole(actor.roles)) return { ok: false, reason: 'forbidden' };
    if (!this.catalogue.find(input.serviceSlug))
      return { ok: false, reason: 'invalid', field: 'service', problem: 'unknown' };

    const { party } = input;
    let accountId: string | null = null;
    let organizationId: string | null = null;
    let cohorts: CohortRef[] = [];
    /** As the person or SME would act on the portal: the revision they get. */
    let actingAs: ActingAs | undefined;
    let contactName: string | null = null;
    let contactDetail: string | null = null;
    switch (party.kind) {
      case 'account': {
        const account = await this.accounts.findOpenByEmail(party.email);
        if (!account) return { ok: false, reason: 'invalid', field: 'email', problem: 'unknown' };
        accountId = account.id;
        cohorts = await this.rollout.cohortsFor({ accountId });
        actingAs = { audience: 'citizen', accountId, staff: false };
        break;
      }
      case 'sme': {
        const neq = normalizeNeq(party.neq) ?? '';
        const organization = (await this.organizations.findByNeqs([neq])).get(neq);
        if (!organization)
          return { ok: false, reason: 'invalid', field: 'neq', problem: 'unknown' };
        organizationId = organization.id;
        cohorts = await this.rollout.cohortsFor({ organizationId });
        actingAs = {
          audience: 'business',
          organization: {
            id: organization.id,
            name: organization.legalName,
            employeeCount: organization.employeeCount,
          },
          staff: false,
        };
        contactName = party.contactName || null;
        contactDetail = party.contactDetail || null;
        break;
      }
      case 'contact':
        contactName = party.contactName;
        contactDetail = party.contactDetail || null;
        break;
    }
    const audience: Audience = organizationId ? 'business' : 'citizen';
    const { stage } = await this.rollout.stageOf(input.serviceSlug, input.variant);
    const { feedback } = input;
    const revision = revisionServedTo(
      this.catalogue,
      this.access,
      input.serviceSlug,
      input.variant,
      actingAs,
    );

    return this.dataSource.transaction(async (manager) => {
      const item = await this.feedbackItems.store(
        manager,
        {
          channel: input.channel,
          serviceSlug: input.serviceSlug,
          variant: input.variant,
          serviceRevision: revision,
          stage,
          audience,
          organizationId,
          accountId,
          recordedBy: actor.accountId,
          cohorts: cohorts.map((c) => c.slug),
          language: input.language,
          kind: feedback.kind,
          severity: feedback.severity,
          tried: feedback.tried,
          happened: feedback.happened,
          expected: feedback.expected,
          consentToContact: feedback.consentToContact,
          contactName,
          contactDetail,
        },
        {
          actor: { type: 'staff', id: actor.accountId },
          action: 'feedback.recorded',
          // The context and the choices; the texts (and a typed-in contact) stay in the item.
          after: {
            channel: input.channel,
            serviceSlug: input.serviceSlug,
            variant: input.variant,
            serviceRevision: revision,
            stage,
            audience,
            cohorts: cohorts.map((c) => c.slug),
            accountId,
            organizationId,
            contactTypedIn: party.kind === 'contact',
            kind: feedback.kind,
            severity: feedback.severity,
            consentToContact: feedback.consentToContact,
          },
          ip: origin.ip,
          requestId: origin.requestId,
        },
      );
      return { ok: true, id: item.id, reference: item.reference };
    });
  }
}
