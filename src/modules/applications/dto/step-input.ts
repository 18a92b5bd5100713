import { rawFromBody, type RawValues } from '../../catalogue/form-engine.js';
import type { GroupField, StepDefinition } from '../../catalogue/form-schema.js';
import type { Audience } from '../../../platform/flags/flag-context.js';

/**
 * What the person asked for with the button they pressed on a step
 * (`action`, e.g. `upload:sitePlan`): save and continue (the default), add or
 * remove an item of a repeatable group, add a file to a question, or remove one.
 */
export type StepAction =
  | { kind: 'continue' }
  | { kind: 'add'; group: GroupField }
  | { kind: 'remove'; group: GroupField; index: number }
  | { kind: 'upload'; field: string }
  | { kind: 'delete-file'; fileId: string };

/**
 * A step's post, read: its fields are those of the service's definition (so no
 * fixed DTO), what was typed in them as text (`raw`), and the action.
 */
export interface StepInput {
  raw: RawValues;
  action: StepAction;
}

export function stepInput(
  step: StepDefinition,
  variant: Audience,
  body: Record<string, unknown> | undefined,
): StepInput {
  const raw = rawFromBody(step, variant, body);
  const [verb, name = '', index] = (
    typeof body?.action === 'string' ? body.action : 'continue'
  ).split(':');
  const group = step.fields.find((f): f is GroupField => f.type === 'group' && f.name === name);
  if (verb === 'add' && group) return { raw, action: { kind: 'add', group } };
  if (verb === 'remove' && group)
    return { raw, action: { kind: 'remove', group, index: Number(index) } };
  if (verb === 'upload') return { raw, action: { kind: 'upload', field: name } };
  if (verb === 'delete-file') return { raw, action: { kind: 'delete-file', fileId: name } };
  return { raw, action: { kind: 'continue' } };
}

/** Raw input without one item of a group (the next ones move up). */
export function removeItem(group: GroupField, raw: RawValues, index: number): RawValues {
  const result: RawValues = {};
  const prefix = `${group.name}-`;
  for (const [name, value] of Object.entries(raw)) {
    if (!name.startsWith(prefix)) {
      result[name] = value;
      continue;
    }
    const match = /^(\d+)-(.*)$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const i = Number(match[1]);
    if (i === index) continue;
    result[`${prefix}${i > index ? i - 1 : i}-${match[2]}`] = value;
  }
  return result;
}
