import type { Audience } from '../../platform/flags/flag-context.js';
import { fieldsFor, stepsFor } from '../catalogue/form-engine.js';
import type { Localized, ServiceDefinition } from '../catalogue/service-definition.js';
import { compareRevisions } from '../studio/revision-comparison.js';

/** A question of a variant's form added, asked differently or no longer asked. */
export interface QuestionChange {
  change: 'added' | 'changed' | 'removed';
  /** Its label in the newer revision (the older one's when removed). */
  label: Localized;
}

/**
 * What a person moved from one revision of a service to another sees change in
 * their variant's form, from the studio's comparison (issue 14): the questions
 * it asks now and did not, those asked differently (label, hint, options,
 * rules…; a question only moved is not a change to them), and those it no
 * longer asks, in the newer form's order then the removed ones. A question
 * whose `only` changed counts as added or removed for the variant concerned.
 */
export function questionChanges(
  older: ServiceDefinition,
  newer: ServiceDefinition,
  variant: Audience,
): QuestionChange[] {
  const before = askedOf(older, variant);
  const after = askedOf(newer, variant);
  return compareRevisions(older, newer).fields.flatMap((field): QuestionChange[] => {
    const was = before.has(field.name);
    const is = after.has(field.name);
    if (!was && is) return [{ change: 'added', label: field.label }];
    if (was && !is) return [{ change: 'removed', label: field.label }];
    if (was && is && (field.changes.length > 0 || field.options.length > 0))
      return [{ change: 'changed', label: field.label }];
    return [];
  });
}

/** The names a variant's form asks: its fields, and its groups' sub-fields (`group.sub`). */
function askedOf(definition: ServiceDefinition, variant: Audience): Set<string> {
  const names = new Set<string>();
  for (const step of stepsFor(definition.form, variant))
    for (const field of fieldsFor(step.fields, variant)) {
      names.add(field.name);
      if (field.type === 'group')
        for (const sub of field.fields) names.add(`${field.name}.${sub.name}`);
    }
  return names;
}

/**
 * `questionChanges`, computed once per pair of revisions and variant: released
 * revisions never change, and the catalogue keeps each one's object.
 */
export class QuestionChangesCache {
  private readonly cache = new WeakMap<
    ServiceDefinition,
    WeakMap<ServiceDefinition, Partial<Record<Audience, QuestionChange[]>>>
  >();

  of(older: ServiceDefinition, newer: ServiceDefinition, variant: Audience): QuestionChange[] {
    let byOlder = this.cache.get(newer);
    if (!byOlder) this.cache.set(newer, (byOlder = new WeakMap()));
    let byVariant = byOlder.get(older);
    if (!byVariant) byOlder.set(older, (byVariant = {}));
    return (byVariant[variant] ??= questionChanges(older, newer, variant));
  }
}
