import type { Audience } from '../../platform/flags/flag-context.js';
import type { ServiceVariant } from '../catalogue/catalogue.service.js';

/** The Unleash flag of a service variant: `<service-slug>.<citizen|business>`. */
export function variantFlag(slug: string, variant: Audience): string {
  return `${slug}.${variant}`;
}

/** The Unleash flag of every service variant, for provisioning (each created off). */
export function variantFlags(variants: ServiceVariant[]): { name: string; description: string }[] {
  return variants.map((v) => ({
    name: variantFlag(v.slug, v.variant),
    description: v.description,
  }));
}
