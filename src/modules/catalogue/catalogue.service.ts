import { Injectable } from '@nestjs/common';
import type { Audience } from '../../platform/flags/flag-context.js';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import { definitionProblems, type ServiceDefinition } from './service-definition.js';
import { loadServiceDocuments } from './service-document-loader.js';

/** One variant of a service: who it is for, and how an operator's tools describe it. */
export interface ServiceVariant {
  slug: string;
  variant: Audience;
  /** In English, for Unleash's flag list. */
  description: string;
}

/**
 * The services the city offers online: the documents of services/ (ADR 0029),
 * read and validated when the portal boots; a broken one stops the boot.
 */
@Injectable()
export class CatalogueService {
  private readonly bySlug: Map<string, ServiceDefinition>;

  constructor() {
    this.bySlug = indexCatalogue(loadServiceDocuments());
  }

  all(): ServiceDefinition[] {
    return [...this.bySlug.values()];
  }

  find(slug: string): ServiceDefinition | undefined {
    return this.bySlug.get(slug);
  }

  /** Every service variant, in catalogue order (each has a rollout plan and an Unleash flag). */
  variants(): ServiceVariant[] {
    return this.all().flatMap((d) =>
      AUDIENCES.map((variant: Audience) => ({
        slug: d.slug,
        variant,
        description: `${d.title.en} (${variant} variant)`,
      })),
    );
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
