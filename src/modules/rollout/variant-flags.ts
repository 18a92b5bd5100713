import type { ServiceVariant } from '../catalogue/catalogue.service.js';
import { variantFlag } from './variant-access.service.js';

/** The Unleash flag of every service variant, for provisioning (each created off). */
export function variantFlags(variants: ServiceVariant[]): { name: string; description: string }[] {
  return variants.map((v) => ({
    name: variantFlag(v.slug, v.variant),
    description: v.description,
  }));
}
