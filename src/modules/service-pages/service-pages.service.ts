import { Injectable, NotFoundException } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { ChangeFeed } from '../../platform/database/change-feed.js';
import { ShortLivedCache } from '../../platform/database/short-lived-cache.js';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { AcceptanceService } from '../acceptance/acceptance.service.js';
import { FaqReadModel, type PublicFaqEntry } from '../faq/faq.read-model.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import { VariantAccessService, type UnavailableReason } from '../rollout/variant-access.service.js';

/** A service on the home page, with whether its variant for you is open to you. */
export interface CatalogueEntry {
  service: ServiceDefinition;
  available: boolean;
}

/** Why a start page is not shown: the access check's reason, or the variant's plan is paused. */
export type UnavailablePageReason = UnavailableReason | 'paused';

/** What a variant's start page shows, or why it is not open to this person. */
export type StartPage =
  | {
      ok: true;
      /** The revision this person gets (a candidate in rollout, or the current one): its texts. */
      service: ServiceDefinition;
      revision: number;
      audience: Audience;
      faq: PublicFaqEntry[];
      /** The variant's pilot tester: their acceptance checklist is linked from the start page. */
      tester: boolean;
    }
  | {
      ok: false;
      problem: UnavailableReason;
      service: ServiceDefinition;
      audience: Audience;
      /** What the page says: a variant not released because its plan is paused says so. */
      reason: UnavailablePageReason;
      /** Whether the citizen already asked to be told when the variant opens. */
      subscribed: boolean;
    };

/**
 * The public service pages' rules: which services are open to whom (the
 * rollout module's variant access), and what a variant's start page shows
 * (the service's FAQ, the pilot checklist for its testers) or why it is closed.
 */
@Injectable()
export class ServicePagesService {
  /**
   * What a start page reads besides who you are, kept for at most
   * SESSION_CACHE_MS (≤ 1 s, ADR 0037): the published FAQ of a service
   * (dropped at once when the database announces a change to it), and
   * whether the person is a pilot tester of the variant (only a link to the
   * checklist, which checks again itself).
   */
  private readonly faqs: ShortLivedCache<PublicFaqEntry[]>;
  private readonly testers: ShortLivedCache<boolean>;

  constructor(
    private readonly catalogue: CatalogueService,
    private readonly access: VariantAccessService,
    private readonly rollout: RolloutReadModel,
    private readonly faq: FaqReadModel,
    private readonly acceptance: AcceptanceService,
    changes: ChangeFeed,
    config: AppConfig,
  ) {
    this.faqs = new ShortLivedCache(changes, config.SESSION_CACHE_MS, 1000);
    changes.on('content_changed', (payload) => {
      if (payload.startsWith('faq:')) this.faqs.delete(payload.slice('faq:'.length));
    });
    this.testers = new ShortLivedCache(changes, config.SESSION_CACHE_MS);
  }

  /** The catalogue, each service with whether its variant for the actor is open to them. */
  catalogueFor(actingAs: ActingAs): CatalogueEntry[] {
    return this.catalogue.servedAll(actingAs.audience).map(({ definition: service }) => ({
      service,
      available: this.access.check(service.slug, actingAs.audience, actingAs).available,
    }));
  }

  /** The service, or not found. */
  service(slug: string): ServiceDefinition {
    const service = this.catalogue.find(slug);
    if (!service) throw new NotFoundException();
    return service;
  }

  /** A variant's start page as the actor may see it; not found for an unknown service or variant. */
  async startPage(actingAs: ActingAs, slug: string, variant: string): Promise<StartPage> {
    if (!(AUDIENCES as readonly string[]).includes(variant)) throw new NotFoundException();
    const audience = variant as Audience;
    // What the variant serves to new applications (its current revision): its own texts.
    const service = this.catalogue.served(slug, audience)?.definition;
    if (!service) throw new NotFoundException();
    const access = this.access.check(slug, audience, actingAs);
    if (!access.available) {
      const stage = await this.rollout.stageOf(slug, audience);
      return {
        ok: false,
        problem: access.reason,
        service,
        audience,
        reason: access.reason === 'not-released' && stage.paused ? 'paused' : access.reason,
        subscribed:
          audience === 'citizen' && actingAs.accountId
            ? await this.rollout.isSubscribed(actingAs.accountId, slug)
            : false,
      };
    }
    // The revision this person gets (ADR 0032): a candidate's start page is its own.
    const served = this.catalogue.servedTo(slug, audience, access.revision)!;
    const accountId = actingAs.accountId;
    const party = actingAs.organization ? `organization:${actingAs.organization.id}` : accountId;
    const [faq, tester] = await Promise.all([
      this.faqs.get(slug, () => this.faq.published(slug)),
      accountId
        ? this.testers.get(`${party}/${actingAs.audience}/${slug}/${audience}`, async () => {
            const found = await this.acceptance.testerOf({ accountId, actingAs }, slug, audience);
            return found.ok;
          })
        : false,
    ]);
    return {
      ok: true,
      service: served.definition,
      revision: served.revision,
      audience,
      faq: faq ?? [],
      tester: Boolean(tester),
    };
  }
}
