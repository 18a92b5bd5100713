import { Injectable, type OnModuleInit, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { definitionProblems, type ServiceDefinition } from './service-definition.js';
import { loadServiceDocuments } from './service-document-loader.js';

/** One variant of a service: who it is for, and how an operator's tools describe it. */
export interface ServiceVariant {
  slug: string;
  variant: Audience;
  /** In English, for Unleash's flag list. */
  description: string;
}

/** A revision a variant serves to new applications. */
export interface ServedRevision {
  revision: number;
  definition: ServiceDefinition;
}

/** What the catalogue holds of one service: its released revisions and what each variant serves. */
interface CataloguedService {
  slug: string;
  /** Ready and withdrawn revisions, by number (drafts are the studio's). */
  revisions: Map<number, ServiceDefinition>;
  /** The ready ones among them. */
  ready: Set<number>;
  /**
   * The revision whose titles and texts the service shows everywhere else:
   * the newest one a variant serves to everyone (a candidate in rollout is
   * not everyone's yet, ADR 0032), else the latest ready one.
   */
  latest?: number;
  served: Record<Audience, number | null>;
}

/** How often an instance looks for revisions another instance released (a cheap query). */
export const CATALOGUE_REFRESH_MS = 5000;

/**
 * The services the city offers online, from PostgreSQL (ADR 0031): every
 * service's released revisions and the revision each variant serves to new
 * applications. Kept in memory (a revision never changes once ready) and
 * reloaded when the studio releases or withdraws one, here at once, on the
 * other instances within CATALOGUE_REFRESH_MS.
 *
 * At boot, a service of the repo's services/ (ADR 0029) that the database
 * does not have yet becomes its revision 1, ready and served on both variants:
 * the five services of the city, on a fresh database.
 */
@Injectable()
export class CatalogueService implements OnModuleInit, OnModuleDestroy {
  private services = new Map<string, CataloguedService>();
  private stamp = '';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: JsonLogger,
  ) {}

  /** A catalogue of these definitions, each its revision 1 on both variants (unit tests). */
  static of(definitions: ServiceDefinition[]): CatalogueService {
    const catalogue = new CatalogueService(undefined as never, undefined as never);
    catalogue.services = new Map(
      definitions.map((d) => [
        d.slug,
        {
          slug: d.slug,
          revisions: new Map([[1, d]]),
          ready: new Set([1]),
          latest: 1,
          served: { citizen: 1, business: 1 },
        },
      ]),
    );
    return catalogue;
  }

  async onModuleInit(): Promise<void> {
    await this.importRepoServices();
    await this.reload();
    this.timer = setInterval(() => {
      this.refresh().catch((error: Error) =>
        this.logger.event('warn', 'catalogue.refresh_failed', { error: error.message }),
      );
    }, CATALOGUE_REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Every service with a ready revision, in catalogue order: the revision it shows (`latest`). */
  all(): ServiceDefinition[] {
    return [...this.services.values()]
      .filter((s) => s.latest !== undefined)
      .map((s) => s.revisions.get(s.latest!)!);
  }

  /** The revision whose titles and texts a service shows (`latest`). */
  find(slug: string): ServiceDefinition | undefined {
    const service = this.services.get(slug);
    return service?.latest === undefined ? undefined : service.revisions.get(service.latest);
  }

  /** The revision a variant serves to new applications, if it serves one. */
  served(slug: string, variant: Audience): ServedRevision | undefined {
    const service = this.services.get(slug);
    const revision = service?.served[variant];
    if (!service || !revision) return undefined;
    return { revision, definition: service.revisions.get(revision)! };
  }

  /**
   * The revision a person gets: the one Unleash named for them (ADR 0032) if
   * it is ready here, else the variant's current revision. (A revision this
   * instance has not loaded yet is caught up by the next refresh.)
   */
  servedTo(slug: string, variant: Audience, named: number | undefined): ServedRevision | undefined {
    const service = this.services.get(slug);
    if (named !== undefined && service?.ready.has(named) && service.served[variant])
      return { revision: named, definition: service.revisions.get(named)! };
    return this.served(slug, variant);
  }

  /** Every service a variant serves, in catalogue order, with the revision it serves. */
  servedAll(variant: Audience): ServedRevision[] {
    return [...this.services.keys()].flatMap((slug) => this.served(slug, variant) ?? []);
  }

  /** A released (ready or withdrawn) revision: the one an application was started on. */
  revision(slug: string, revision: number): ServiceDefinition | undefined {
    return this.services.get(slug)?.revisions.get(revision);
  }

  /**
   * A released revision, reloading first when this instance does not know it
   * yet (another instance released it within the last seconds).
   */
  async revisionOf(slug: string, revision: number): Promise<ServiceDefinition | undefined> {
    const known = this.revision(slug, revision);
    if (known) return known;
    await this.reload();
    return this.revision(slug, revision);
  }

  /** Every service variant, in catalogue order (each has a rollout plan and an Unleash flag). */
  variants(): ServiceVariant[] {
    return [...this.services.values()].flatMap((service) => {
      const title = service.latest ? service.revisions.get(service.latest)!.title.en : service.slug;
      return AUDIENCES.map((variant: Audience) => ({
        slug: service.slug,
        variant,
        description: `${title} (${variant} variant)`,
      }));
    });
  }

  /** Reads every service and released revision again. */
  async reload(): Promise<void> {
    const stamp = await this.currentStamp();
    const services = await this.dataSource.query<
      { slug: string; citizen_revision: number | null; business_revision: number | null }[]
    >(
      `SELECT service.slug, service.citizen_revision, service.business_revision
         FROM service ORDER BY service.position, service.slug`,
    );
    const revisions = await this.dataSource.query<
      { service_slug: string; number: number; state: string; document: ServiceDefinition }[]
    >(
      `SELECT service_revision.service_slug, service_revision.number, service_revision.state,
              service_revision.document
         FROM service_revision WHERE service_revision.state <> 'draft'
        ORDER BY service_revision.service_slug, service_revision.number`,
    );
    const next = new Map<string, CataloguedService>();
    for (const row of services)
      next.set(row.slug, {
        slug: row.slug,
        revisions: new Map(),
        ready: new Set(),
        served: { citizen: row.citizen_revision, business: row.business_revision },
      });
    for (const row of revisions) {
      const service = next.get(row.service_slug);
      if (!service) continue;
      // An unchanged revision keeps its object: validators are cached by it.
      const known = this.services.get(row.service_slug)?.revisions.get(row.number);
      service.revisions.set(row.number, known ?? row.document);
      if (row.state === 'ready') {
        service.ready.add(row.number);
        service.latest = row.number;
      }
    }
    for (const service of next.values()) {
      const served = [service.served.citizen, service.served.business].filter(
        (n): n is number => n !== null && service.revisions.has(n),
      );
      if (served.length > 0) service.latest = Math.max(...served);
    }
    this.services = next;
    this.stamp = stamp;
  }

  /** Reloads when a revision was released, withdrawn or served since the last load. */
  private async refresh(): Promise<void> {
    if ((await this.currentStamp()) !== this.stamp) await this.reload();
  }

  private async currentStamp(): Promise<string> {
    const [row] = await this.dataSource.query<{ stamp: string }[]>(
      `SELECT count(*) || '/' || coalesce(max(service.changed_at)::text, '') AS stamp FROM service`,
    );
    return row.stamp;
  }

  /**
   * Imports each service of services/ that the database lacks as its revision
   * 1, ready and served on both variants. A service whose reference prefix is
   * already another's is left out, with a warning.
   */
  private async importRepoServices(): Promise<void> {
    const definitions = loadServiceDocuments();
    for (const [position, definition] of definitions.entries()) {
      const imported = await this.dataSource.transaction(async (manager) => {
        const inserted = await manager.query<{ slug: string }[]>(
          `INSERT INTO service (slug, reference_prefix, position, citizen_revision, business_revision)
           VALUES ($1, $2, $3, 1, 1) ON CONFLICT DO NOTHING RETURNING slug`,
          [definition.slug, definition.referencePrefix, position],
        );
        if (inserted.length === 0) return false;
        await manager.query(
          `INSERT INTO service_revision (service_slug, number, state, document, ready_at)
           VALUES ($1, 1, 'ready', $2, now())`,
          [definition.slug, JSON.stringify(definition)],
        );
        return true;
      });
      if (imported)
        this.logger.event('info', 'catalogue.service_imported', { slug: definition.slug });
      else {
        const [row] = await this.dataSource.query<{ slug: string }[]>(
          `SELECT service.slug FROM service WHERE service.slug = $1`,
          [definition.slug],
        );
        if (!row)
          this.logger.event('warn', 'catalogue.service_not_imported', {
            slug: definition.slug,
            reason: `reference prefix ${definition.referencePrefix} is another service's`,
          });
      }
    }
  }
}

/** Indexes definitions by slug, or throws listing every problem found. */
export function indexCatalogue(definitions: ServiceDefinition[]): Map<string, ServiceDefinition> {
  const problems = definitions.flatMap(definitionProblems);
  const slugs = definitions.map((d) => d.slug);
  slugs
    .filter((s, i) => slugs.indexOf(s) !== i)
    .forEach((s) => problems.push(`${s}: declared twice`));
  if (problems.length > 0)
    throw new Error(`The service catalogue is invalid:\n  - ${problems.join('\n  - ')}`);
  return new Map(definitions.map((d) => [d.slug, d]));
}
