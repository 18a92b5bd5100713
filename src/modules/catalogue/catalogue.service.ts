import { Injectable } from '@nestjs/common';
import type { Audience } from '../../platform/flags/flag-context.js';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import { variantFlag } from '../rollout/variant-access.service.js';
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

  /** Every variant's flag, for provisioning in Unleash. */
  flags(): { name: string; description: string }[] {
    return this.all().flatMap((d) =>
      AUDIENCES.map((audience: Audience) => ({
        name: variantFlag(d.slug, audience),
        description: `${d.title.en} (${audience} variant)`,
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
