import { Injectable } from '@nestjs/common';
import type { Audience } from '../../platform/flags/flag-context.js';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import { buildingPermit } from './definitions/building-permit.js';
import { bulkyWastePickup } from './definitions/bulky-waste-pickup.js';
import { occupancyCertificate } from './definitions/occupancy-certificate.js';
import { publicDomainOccupation } from './definitions/public-domain-occupation.js';
import { signPermit } from './definitions/sign-permit.js';
import { definitionProblems, type ServiceDefinition } from './service-definition.js';

export const SERVICE_DEFINITIONS: ServiceDefinition[] = [
  buildingPermit,
  signPermit,
  publicDomainOccupation,
  occupancyCertificate,
  bulkyWastePickup,
];

/** One variant of a service: who it is for, and how an operator's tools describe it. */
export interface ServiceVariant {
  slug: string;
  variant: Audience;
  /** In English, for Unleash's flag list. */
  description: string;
}

/** The services the city offers online, validated when the portal boots. */
@Injectable()
export class CatalogueService {
  private readonly bySlug: Map<string, ServiceDefinition>;

  constructor() {
    this.bySlug = indexCatalogue(SERVICE_DEFINITIONS);
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
