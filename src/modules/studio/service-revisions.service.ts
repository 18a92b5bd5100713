import { ForbiddenException, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { RevisionMovesService } from '../applications/revision-moves.service.js';
import type { Localized, ServiceDefinition } from '../catalogue/service-definition.js';
import { FlagProvisioner } from '../rollout/flag-provisioner.service.js';
import { RolloutService } from '../rollout/rollout.service.js';
import { markPlansChanged } from '../rollout/rollout-changes.js';
import { stageKind, type Stage } from '../rollout/stages.js';
import { variantFlags } from '../rollout/variant-flags.js';
import { holdsRole, isStaffRole } from '../staff/staff-role.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { STUDIO_ROLES } from './studio-roles.js';
import { allChecksPass, revisionChecks, type RevisionCheck } from './revision-checks.js';
import { wellFormed } from './preview-definition.js';
import { STUDIO_REFUSALS } from './studio.refusals.js';

export type RevisionState = 'draft' | 'ready' | 'withdrawn';

/** One revision of a service, as the studio shows it. */
export interface Revision {
  slug: string;
  number: number;
  state: RevisionState;
  /** Each save of a draft increments it: a save from an older version is refused (409). */
  version: number;
  /** The revision a draft was started from. */
  basedOn: number | null;
  definition: ServiceDefinition;
  createdAt: Date;
  updatedAt: Date;
  readyAt: Date | null;
  withdrawnAt: Date | null;
}

export type RevisionSummary = Omit<Revision, 'definition'>;

/** The largest definition a draft may hold (the import's limit: the repo's largest is 26 KB). */
export const MAX_DRAFT_BYTES = 1024 * 1024;

/** A revision with its checks and what each variant serves. */
export interface Readiness {
  revision: Revision;
  checks: RevisionCheck[];
  served: Record<Audience, number | null>;
}

/** A service as the studio lists it. */
export interface StudioServiceSummary {
  slug: string;
  referencePrefix: string;
  /** From its latest revision (its draft, for a service never released). */
  title: Localized;
  department: Localized;
  /** Its latest ready revision, if any. */
  current: number | null;
  /** Its draft, if any. */
  draft: number | null;
  /** What each variant serves to new applications. */
  served: Record<Audience, number | null>;
}

/** What a designer gives to create a service. */
export interface NewService {
  slug: string;
  referencePrefix: string;
  title: Localized;
  department: Localized;
}

/**
 * The services' revisions (ADR 0031): a designer creates a service, edits its
 * one draft revision (optimistic concurrency: a save from an older version is
 * refused, nothing is lost), marks it ready once its checks pass, and may
 * withdraw a ready revision; every change is audited. A ready revision never
 * changes again: an application is read through its own revision for ever.
 *
 * Marking a revision ready makes it the one new applications get on a variant
 * that is closed or open to staff only (`internal`); a variant already open to
 * SMEs or citizens keeps its revision (how a revision reaches them SME-first
 * is the rollout's, issue 15).
 */
@Injectable()
export class ServiceRevisionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly catalogue: CatalogueService,
    private readonly rollout: RolloutService,
    private readonly flags: FlagProvisioner,
    private readonly logger: JsonLogger,
    private readonly moves: RevisionMovesService,
  ) {}

  /** Every service, in catalogue order, with its current revision and draft. */
  async services(actor: StaffActor): Promise<StudioServiceSummary[]> {
    assertDesigner(actor);
    const rows = await this.dataSource.query<
      {
        slug: string;
        reference_prefix: string;
        citizen_revision: number | null;
        business_revision: number | null;
        current: number | null;
        draft: number | null;
        latest: ServiceDefinition;
      }[]
    >(
      `SELECT service.slug, service.reference_prefix, service.citizen_revision, service.business_revision,
              (SELECT max(r.number) FROM service_revision r
                WHERE r.service_slug = service.slug AND r.state = 'ready') AS current,
              (SELECT r.number FROM service_revision r
                WHERE r.service_slug = service.slug AND r.state = 'draft') AS draft,
              (SELECT r.document FROM service_revision r
                WHERE r.service_slug = service.slug AND r.state <> 'withdrawn'
                ORDER BY (r.state = 'ready') DESC, r.number DESC LIMIT 1) AS latest
         FROM service ORDER BY service.position, service.slug`,
    );
    return rows.map((row) => ({
      slug: row.slug,
      referencePrefix: row.reference_prefix,
      title: row.latest?.title ?? { fr: row.slug, en: row.slug },
      department: row.latest?.department ?? { fr: '', en: '' },
      current: row.current,
      draft: row.draft,
      served: { citizen: row.citizen_revision, business: row.business_revision },
    }));
  }

  /** A service's revisions, newest first. */
  async revisions(actor: StaffActor, slug: string): Promise<RevisionSummary[]> {
    assertDesigner(actor);
    return this.summaries(slug);
  }

  /**
   * A service's revisions and one of them, for every staff role to read: the
   * comparison of two revisions is read-only, linked from the rollout
   * console's revision page (ADR 0032) as the preview is shared.
   */
  async revisionsToRead(actor: StaffActor, slug: string): Promise<RevisionSummary[]> {
    if (!actor.roles.some(isStaffRole)) throw new ForbiddenException();
    return this.summaries(slug);
  }

  async revisionToRead(actor: StaffActor, slug: string, number: number): Promise<Revision> {
    if (!actor.roles.some(isStaffRole)) throw new ForbiddenException();
    const revision = await this.find(this.dataSource.manager, slug, number);
    if (!revision) throw STUDIO_REFUSALS.of('not-found');
    return revision;
  }

  private async summaries(slug: string): Promise<RevisionSummary[]> {
    const rows = await this.dataSource.query<RevisionRow[]>(
      `SELECT ${REVISION_COLUMNS} FROM service_revision r WHERE r.service_slug = $1 ORDER BY r.number DESC`,
      [slug],
    );
    if (rows.length === 0) throw STUDIO_REFUSALS.of('not-found');
    return rows.map(({ document: _document, ...summary }) => summary);
  }

  /** One revision, with its definition (a draft's as last saved). */
  async revision(actor: StaffActor, slug: string, number: number): Promise<Revision> {
    assertDesigner(actor);
    const revision = await this.find(this.dataSource.manager, slug, number);
    if (!revision) throw STUDIO_REFUSALS.of('not-found');
    return revision;
  }

  /**
   * Creates a service: its row, its first draft (the titles and department
   * given, everything else for the designer to write), a closed rollout plan
   * for each variant, and their two Unleash flags, off. 422 when the slug or
   * the reference prefix is another service's.
   */
  async create(actor: StaffActor, input: NewService, origin: RequestOrigin): Promise<Revision> {
    assertDesigner(actor);
    const definition = skeleton(input);
    await this.dataSource.transaction(async (manager) => {
      await this.insertService(manager, actor, input.slug, input.referencePrefix);
      await this.insertRevision(manager, actor, input.slug, 1, definition, null);
      await this.audit.record(manager, {
        ...auditOf(actor, origin),
        action: 'service.created',
        entity: { type: 'service', id: input.slug },
        after: { referencePrefix: input.referencePrefix, title: input.title },
      });
    });
    await this.provision(input.slug);
    return (await this.find(this.dataSource.manager, input.slug, 1))!;
  }

  /**
   * Imports a service document's definition (already checked by
   * `validateServiceDocument`) as a draft: a service the portal does not have
   * is created as `create` does (its row, the definition as draft revision 1,
   * closed plans and flags off); an existing one gets it as its new draft,
   * numbered after every revision and based on its latest ready one. 409 when
   * that service already has a draft; 422 when the reference prefix is
   * another service's. The document's own revision number is not kept: the
   * portal numbers its revisions. Audited as `service.imported`.
   */
  async importDocument(
    actor: StaffActor,
    definition: ServiceDefinition,
    origin: RequestOrigin,
  ): Promise<{ revision: Revision; created: boolean }> {
    assertDesigner(actor);
    const slug = definition.slug;
    const imported = await this.dataSource.transaction(async (manager) => {
      const [existing] = await manager.query<{ slug: string }[]>(
        `SELECT slug FROM service WHERE slug = $1 FOR UPDATE`,
        [slug],
      );
      let number = 1;
      let basedOn: number | null = null;
      if (existing) {
        const [draft] = await manager.query<{ number: number }[]>(
          `SELECT number FROM service_revision WHERE service_slug = $1 AND state = 'draft'`,
          [slug],
        );
        if (draft)
          throw STUDIO_REFUSALS.of('draft-exists', { params: { number: draft.number, slug } });
        const owner = await this.prefixOwner(definition.referencePrefix, slug);
        if (owner) throw STUDIO_REFUSALS.of('prefix-taken', { params: { service: owner } });
        const [latest] = await manager.query<{ number: number | null }[]>(
          `SELECT max(number) AS number FROM service_revision WHERE service_slug = $1 AND state = 'ready'`,
          [slug],
        );
        number = await this.nextNumber(manager, slug);
        basedOn = latest?.number ?? null;
      } else {
        await this.insertService(manager, actor, slug, definition.referencePrefix);
      }
      await this.insertRevision(manager, actor, slug, number, definition, basedOn);
      await this.audit.record(manager, {
        ...auditOf(actor, origin),
        action: 'service.imported',
        entity: { type: 'service-revision', id: `${slug}@${number}` },
        after: {
          newService: !existing,
          basedOn,
          referencePrefix: definition.referencePrefix,
          title: definition.title,
        },
      });
      return { number, created: !existing };
    });
    if (imported.created) await this.provision(slug);
    return {
      revision: (await this.find(this.dataSource.manager, slug, imported.number))!,
      created: imported.created,
    };
  }

  /**
   * Starts the service's draft: a copy of revision `from` (by default its latest
   * ready one), numbered after every revision. 409 when it already has a draft.
   */
  async startDraft(
    actor: StaffActor,
    slug: string,
    origin: RequestOrigin,
    from?: number,
  ): Promise<Revision> {
    assertDesigner(actor);
    return this.dataSource.transaction(async (manager) => {
      await this.lockService(manager, slug);
      const [existing] = await manager.query<{ number: number }[]>(
        `SELECT number FROM service_revision WHERE service_slug = $1 AND state = 'draft'`,
        [slug],
      );
      if (existing)
        throw STUDIO_REFUSALS.of('draft-exists', { params: { number: existing.number } });
      const [base] = await manager.query<{ number: number; document: ServiceDefinition }[]>(
        `SELECT number, document FROM service_revision
          WHERE service_slug = $1 AND ($2::int IS NULL AND state = 'ready' OR number = $2)
          ORDER BY number DESC LIMIT 1`,
        [slug, from ?? null],
      );
      if (!base) throw STUDIO_REFUSALS.of('not-found');
      const number = await this.nextNumber(manager, slug);
      await this.insertRevision(manager, actor, slug, number, base.document, base.number);
      await this.audit.record(manager, {
        ...auditOf(actor, origin),
        action: 'service.draft_started',
        entity: { type: 'service-revision', id: `${slug}@${number}` },
        after: { basedOn: base.number },
      });
      return (await this.find(manager, slug, number))!;
    });
  }

  /**
   * Changes a draft: `change` gets its definition as saved and returns the new
   * one. Refused with 409 when the draft was saved by someone else since
   * `expectedVersion` (the caller shows what was typed again) or is no longer
   * a draft. Audited with what changed (`what`, e.g. "field startDate").
   */
  async changeDraft(
    actor: StaffActor,
    slug: string,
    number: number,
    expectedVersion: number,
    change: (definition: ServiceDefinition) => ServiceDefinition,
    what: string,
    origin: RequestOrigin,
  ): Promise<Revision> {
    assertDesigner(actor);
    return this.dataSource.transaction(async (manager) => {
      const draft = await this.find(manager, slug, number, { lock: true });
      if (!draft) throw STUDIO_REFUSALS.of('not-found');
      if (draft.state !== 'draft') throw STUDIO_REFUSALS.of('not-a-draft');
      if (draft.version !== expectedVersion)
        throw STUDIO_REFUSALS.of('stale-draft', { params: { number } });
      const definition = change(structuredClone(draft.definition));
      // As large as a document the import takes, and no larger: a form grown
      // by endless duplicates would slow every page that reads it.
      if (Buffer.byteLength(JSON.stringify(definition)) > MAX_DRAFT_BYTES)
        throw STUDIO_REFUSALS.of('draft-too-large');
      await manager.query(
        `UPDATE service_revision SET document = $3, version = version + 1, updated_at = now(), updated_by = $4
          WHERE service_slug = $1 AND number = $2`,
        [slug, number, JSON.stringify(definition), actor.accountId],
      );
      await this.audit.record(manager, {
        ...auditOf(actor, origin),
        action: 'service.draft_changed',
        entity: { type: 'service-revision', id: `${slug}@${number}` },
        before: { version: draft.version },
        after: { version: draft.version + 1, what },
      });
      return (await this.find(manager, slug, number))!;
    });
  }

  /** Discards a draft (its number is not reused: a later draft takes the next one). */
  async discardDraft(
    actor: StaffActor,
    slug: string,
    number: number,
    expectedVersion: number,
    origin: RequestOrigin,
  ): Promise<void> {
    assertDesigner(actor);
    await this.dataSource.transaction(async (manager) => {
      const draft = await this.find(manager, slug, number, { lock: true });
      if (!draft) throw STUDIO_REFUSALS.of('not-found');
      if (draft.state !== 'draft') throw STUDIO_REFUSALS.of('not-a-draft');
      if (draft.version !== expectedVersion)
        throw STUDIO_REFUSALS.of('stale-draft', { params: { number } });
      const [{ released }] = await manager.query<{ released: number }[]>(
        `SELECT count(*)::int AS released FROM service_revision
          WHERE service_slug = $1 AND state <> 'draft'`,
        [slug],
      );
      if (released === 0) throw STUDIO_REFUSALS.of('last-revision');
      await manager.query(`DELETE FROM service_revision WHERE service_slug = $1 AND number = $2`, [
        slug,
        number,
      ]);
      await this.audit.record(manager, {
        ...auditOf(actor, origin),
        action: 'service.draft_discarded',
        entity: { type: 'service-revision', id: `${slug}@${number}` },
        before: { version: draft.version },
      });
    });
  }

  /**
   * What keeps a revision from being marked ready (empty when nothing does):
   * the checks of its definition against the service's earlier revisions and
   * the other services' reference prefixes.
   */
  async checks(slug: string, number: number, definition: ServiceDefinition) {
    return revisionChecks({
      definition,
      earlierRevisions: await this.earlierRevisions(slug, number),
      prefixTakenBy: await this.prefixOwner(definition.referencePrefix, slug),
    });
  }

  /** A revision, its checks, and what each variant serves: the checks page. */
  async readiness(actor: StaffActor, slug: string, number: number): Promise<Readiness> {
    const revision = await this.revision(actor, slug, number);
    const [service] = await this.dataSource.query<
      { citizen_revision: number | null; business_revision: number | null }[]
    >(`SELECT citizen_revision, business_revision FROM service WHERE slug = $1`, [slug]);
    return {
      revision,
      checks: await this.checks(slug, number, revision.definition),
      served: { citizen: service.citizen_revision, business: service.business_revision },
    };
  }

  /**
   * Marks a draft ready, when every one of its checks passes; 409 otherwise,
   * or when it changed since `expectedVersion`. A variant that is closed or open to staff only then
   * serves it to new applications; the others keep theirs (issue 15).
   * Returns the variants that now serve it.
   */
  async markReady(
    actor: StaffActor,
    slug: string,
    number: number,
    expectedVersion: number,
    origin: RequestOrigin,
  ): Promise<Audience[]> {
    assertDesigner(actor);
    const served = await this.dataSource.transaction(async (manager) => {
      const service = await this.lockService(manager, slug);
      // Read under the plans' lock: a promotion waits for this release, or this for it.
      const serving = await this.unopenedVariants(manager, slug);
      const draft = await this.find(manager, slug, number, { lock: true });
      if (!draft) throw STUDIO_REFUSALS.of('not-found');
      if (draft.state !== 'draft') throw STUDIO_REFUSALS.of('not-a-draft');
      if (draft.version !== expectedVersion)
        throw STUDIO_REFUSALS.of('stale-draft', { params: { number } });
      if (!allChecksPass(await this.checks(slug, number, draft.definition)))
        throw STUDIO_REFUSALS.of('checks-failed');
      // A variant that serves nothing yet serves its first ready revision, whatever its stage.
      const variants = AUDIENCES.filter(
        (v) => serving.includes(v) || service[`${v}_revision`] === null,
      );
      await manager.query(
        // The definition as checked (read through wellFormed) is the one released.
        `UPDATE service_revision SET state = 'ready', ready_at = now(), ready_by = $3, document = $4
          WHERE service_slug = $1 AND number = $2`,
        [slug, number, actor.accountId, JSON.stringify(draft.definition)],
      );
      await manager.query(
        `UPDATE service SET reference_prefix = $2, changed_at = now(),
                citizen_revision = CASE WHEN $3 THEN $5 ELSE citizen_revision END,
                business_revision = CASE WHEN $4 THEN $5 ELSE business_revision END
          WHERE slug = $1`,
        [
          slug,
          draft.definition.referencePrefix,
          variants.includes('citizen'),
          variants.includes('business'),
          number,
        ],
      );
      // The flags name the revision each variant serves (ADR 0032): the reconciler follows.
      // Business, then citizen: the order in which a rollout decision locks them.
      await markPlansChanged(manager, slug, variants);
      await this.audit.record(manager, {
        ...auditOf(actor, origin),
        action: 'service.revision_ready',
        entity: { type: 'service-revision', id: `${slug}@${number}` },
        before: {
          state: 'draft',
          served: { citizen: service.citizen_revision, business: service.business_revision },
        },
        after: { state: 'ready', servedBy: variants },
      });
      return variants;
    });
    await this.catalogue.reload();
    return served;
  }

  /**
   * Withdraws a ready revision: no variant serves it any more (each that did
   * serves the latest other ready revision), and its draft applications move
   * to the revision their variant now serves, keeping every answer whose
   * question still exists; each remembers which steps to check again. 409
   * when it is the service's last ready revision.
   */
  async withdraw(
    actor: StaffActor,
    slug: string,
    number: number,
    origin: RequestOrigin,
  ): Promise<{ movedDrafts: number }> {
    assertDesigner(actor);
    const moved = await this.dataSource.transaction(async (manager) => {
      const service = await this.lockService(manager, slug);
      const revision = await this.find(manager, slug, number, { lock: true });
      if (!revision) throw STUDIO_REFUSALS.of('not-found');
      if (revision.state !== 'ready') throw STUDIO_REFUSALS.of('not-ready');
      const inRollout = await manager.query<unknown[]>(
        `SELECT 1 FROM revision_rollout WHERE service_slug = $1 AND revision = $2`,
        [slug, number],
      );
      if (inRollout.length > 0) throw STUDIO_REFUSALS.of('in-rollout', { params: { number } });
      // Never the candidate in rollout: everyone would get it without a decision.
      const [fallback] = await manager.query<{ number: number; document: ServiceDefinition }[]>(
        `SELECT number, document FROM service_revision
          WHERE service_slug = $1 AND state = 'ready' AND number <> $2
            AND number NOT IN (SELECT revision_rollout.revision FROM revision_rollout
                                WHERE revision_rollout.service_slug = $1)
          ORDER BY number DESC LIMIT 1`,
        [slug, number],
      );
      if (!fallback) throw STUDIO_REFUSALS.of('last-revision');
      await manager.query(
        `UPDATE service_revision SET state = 'withdrawn', withdrawn_at = now(), withdrawn_by = $3
          WHERE service_slug = $1 AND number = $2`,
        [slug, number, actor.accountId],
      );
      const served: Record<Audience, number> = {
        citizen:
          service.citizen_revision === number
            ? fallback.number
            : (service.citizen_revision ?? fallback.number),
        business:
          service.business_revision === number
            ? fallback.number
            : (service.business_revision ?? fallback.number),
      };
      await manager.query(
        `UPDATE service SET citizen_revision = $2, business_revision = $3, changed_at = now() WHERE slug = $1`,
        [slug, served.citizen, served.business],
      );
      // Business, then citizen: the order in which a rollout decision locks them.
      await markPlansChanged(
        manager,
        slug,
        AUDIENCES.filter((variant) => served[variant] !== service[`${variant}_revision`]),
      );
      const targets = new Map<number, ServiceDefinition>([[fallback.number, fallback.document]]);
      for (const variant of AUDIENCES)
        if (!targets.has(served[variant]))
          targets.set(
            served[variant],
            (await this.find(manager, slug, served[variant]))!.definition,
          );
      let count = 0;
      for (const variant of AUDIENCES)
        count += await this.moves.moveDrafts(
          manager,
          {
            slug,
            variant,
            from: { number, definition: revision.definition },
            to: { number: served[variant], definition: targets.get(served[variant])! },
          },
          actor,
          origin,
        );
      await this.audit.record(manager, {
        ...auditOf(actor, origin),
        action: 'service.revision_withdrawn',
        entity: { type: 'service-revision', id: `${slug}@${number}` },
        before: {
          state: 'ready',
          served: { citizen: service.citizen_revision, business: service.business_revision },
        },
        after: { state: 'withdrawn', served, movedDrafts: count },
      });
      return count;
    });
    await this.catalogue.reload();
    return { movedDrafts: moved };
  }

  /** Reference prefixes and slugs already taken, for the checks (another service's prefix). */
  async prefixOwner(referencePrefix: string, except: string): Promise<string | undefined> {
    const [row] = await this.dataSource.query<{ slug: string }[]>(
      `SELECT service.slug FROM service WHERE service.reference_prefix = $1 AND service.slug <> $2`,
      [referencePrefix, except],
    );
    return row?.slug;
  }

  /** The released revisions before `number`, for the checks (a key reused for another question). */
  async earlierRevisions(
    slug: string,
    number: number,
  ): Promise<{ number: number; definition: ServiceDefinition }[]> {
    const rows = await this.dataSource.query<{ number: number; document: ServiceDefinition }[]>(
      `SELECT number, document FROM service_revision
        WHERE service_slug = $1 AND number < $2 AND state <> 'draft' ORDER BY number`,
      [slug, number],
    );
    return rows.map((r) => ({ number: r.number, definition: r.document }));
  }

  // -- building blocks --

  private async provision(slug: string): Promise<void> {
    const variants = AUDIENCES.map((variant) => ({
      slug,
      variant,
      description: `${slug} (${variant} variant)`,
    }));
    await this.rollout.ensurePlans(variants);
    try {
      await this.flags.ensure(variantFlags(variants));
    } catch (error) {
      // The reconciler creates it on its next pass.
      this.logger.event('warn', 'studio.flag_provisioning_failed', {
        slug,
        error: (error as Error).message,
      });
    }
  }

  /**
   * A new service's row, refused (422) when its slug or prefix is another
   * service's, also when that service was created a moment ago by a
   * concurrent request (the unique constraints decide, never a 500).
   */
  private async insertService(
    manager: EntityManager,
    actor: StaffActor,
    slug: string,
    prefix: string,
  ): Promise<void> {
    await this.assertFree(manager, slug, prefix);
    const inserted = await manager.query<{ slug: string }[]>(
      `INSERT INTO service (slug, reference_prefix, position, created_by)
       VALUES ($1, $2, (SELECT coalesce(max(service.position), -1) + 1 FROM service), $3)
       ON CONFLICT DO NOTHING RETURNING slug`,
      [slug, prefix, actor.accountId],
    );
    if (inserted.length === 0) await this.assertFree(manager, slug, prefix);
    if (inserted.length === 0) throw STUDIO_REFUSALS.of('slug-taken');
  }

  private async assertFree(manager: EntityManager, slug: string, prefix: string): Promise<void> {
    const taken = await manager.query<{ slug: string; reference_prefix: string }[]>(
      `SELECT service.slug, service.reference_prefix FROM service
        WHERE service.slug = $1 OR service.reference_prefix = $2`,
      [slug, prefix],
    );
    if (taken.some((t) => t.slug === slug)) throw STUDIO_REFUSALS.of('slug-taken');
    if (taken.length > 0)
      throw STUDIO_REFUSALS.of('prefix-taken', { params: { service: taken[0].slug } });
  }

  /** The variants open to nobody but staff (closed or internal), read under their plans' lock. */
  private async unopenedVariants(manager: EntityManager, slug: string): Promise<Audience[]> {
    const rows = await manager.query<{ variant: Audience; stage: Stage }[]>(
      `SELECT rollout_plan.variant, rollout_plan.stage FROM rollout_plan
        WHERE rollout_plan.service_slug = $1 FOR SHARE`,
      [slug],
    );
    return AUDIENCES.filter((variant) => {
      const stage = rows.find((r) => r.variant === variant)?.stage ?? 'closed';
      return ['closed', 'internal'].includes(stageKind(variant, stage));
    });
  }

  private async lockService(manager: EntityManager, slug: string) {
    const [service] = await manager.query<
      { slug: string; citizen_revision: number | null; business_revision: number | null }[]
    >(`SELECT slug, citizen_revision, business_revision FROM service WHERE slug = $1 FOR UPDATE`, [
      slug,
    ]);
    if (!service) throw STUDIO_REFUSALS.of('not-found');
    return service;
  }

  private async nextNumber(manager: EntityManager, slug: string): Promise<number> {
    // Numbers of discarded drafts are taken from the audit log's view: never reused.
    const [row] = await manager.query<{ next: number }[]>(
      `SELECT greatest(
         (SELECT coalesce(max(number), 0) FROM service_revision WHERE service_slug = $1),
         (SELECT coalesce(max(split_part(entity_id, '@', 2)::int), 0) FROM audit_event
           WHERE entity_type = 'service-revision' AND entity_id LIKE $1 || '@%')) + 1 AS next`,
      [slug],
    );
    return row.next;
  }

  private async insertRevision(
    manager: EntityManager,
    actor: StaffActor,
    slug: string,
    number: number,
    definition: ServiceDefinition,
    basedOn: number | null,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO service_revision (service_slug, number, state, document, based_on, created_by, updated_by)
       VALUES ($1, $2, 'draft', $3, $4, $5, $5)`,
      [slug, number, JSON.stringify(definition), basedOn, actor.accountId],
    );
  }

  private async find(
    manager: EntityManager,
    slug: string,
    number: number,
    options: { lock?: boolean } = {},
  ): Promise<Revision | undefined> {
    if (!Number.isInteger(number) || number < 1 || number > 2 ** 31 - 1) return undefined;
    const [row] = await manager.query<RevisionRow[]>(
      `SELECT ${REVISION_COLUMNS} FROM service_revision r
        WHERE r.service_slug = $1 AND r.number = $2 ${options.lock ? 'FOR UPDATE' : ''}`,
      [slug, number],
    );
    return row && toRevision(row);
  }
}

interface RevisionRow {
  slug: string;
  number: number;
  state: RevisionState;
  version: number;
  basedOn: number | null;
  document: ServiceDefinition;
  createdAt: Date;
  updatedAt: Date;
  readyAt: Date | null;
  withdrawnAt: Date | null;
}

const REVISION_COLUMNS = `r.service_slug AS slug, r.number, r.state, r.version, r.based_on AS "basedOn",
  r.document, r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.ready_at AS "readyAt",
  r.withdrawn_at AS "withdrawnAt"`;

function toRevision(row: RevisionRow): Revision {
  const { document, ...rest } = row;
  return { ...rest, definition: wellFormed(document) };
}

function assertDesigner(actor: StaffActor): void {
  if (!holdsRole(actor.roles, STUDIO_ROLES)) throw new ForbiddenException();
}

function auditOf(actor: StaffActor, origin: RequestOrigin) {
  return {
    actor: { type: 'staff' as const, id: actor.accountId },
    ip: origin.ip,
    requestId: origin.requestId,
  };
}

const BLANK: Localized = { fr: '', en: '' };

/** A new service's first draft: what the designer gave, the rest to write. */
export function skeleton(input: NewService): ServiceDefinition {
  const variant = { summary: BLANK, useThisServiceTo: [], beforeYouStart: [] };
  return {
    slug: input.slug,
    referencePrefix: input.referencePrefix,
    title: input.title,
    summary: BLANK,
    department: input.department,
    processingTime: BLANK,
    fees: BLANK,
    variants: { citizen: variant, business: variant },
    form: { steps: [] },
  };
}
