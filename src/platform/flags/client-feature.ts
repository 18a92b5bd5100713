import type { LocalFlag } from './flags.service.js';

/**
 * A flag as unleash-client holds one it fetched from Unleash (a release flag,
 * its strategies with their constraints, segments and variants), built from a
 * flag the portal computed: what applyLocally hands the client and what the
 * plan fence evaluates.
 */
export function clientFeature(flag: LocalFlag) {
  return {
    name: flag.name,
    enabled: flag.enabled,
    type: 'release',
    stale: false,
    impressionData: false,
    variants: [],
    strategies: flag.strategies.map((s) => ({
      name: s.name,
      parameters: s.parameters,
      constraints: s.constraints,
      segments: s.segments ?? [],
      variants: s.variants ?? [],
    })),
  };
}
