import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { stepsToCheck } from './revision-moves.service.js';

const text = (fr: string, en: string) => ({ fr, en });

function definition(fields: Record<string, unknown>[]): ServiceDefinition {
  return {
    form: { steps: [{ slug: 'site', title: text('Lieu', 'Site'), fields }] },
  } as unknown as ServiceDefinition;
}

describe('stepsToCheck: the pages a moved draft should look at again', () => {
  it('does not count a question whose keys come back in another order (jsonb) as changed', () => {
    const before = definition([{ type: 'text', name: 'lot', label: text('Lot', 'Lot') }]);
    const after = definition([{ label: { en: 'Lot', fr: 'Lot' }, name: 'lot', type: 'text' }]);
    expect(stepsToCheck(before, after, 'citizen')).toEqual([]);
  });

  it('names the step of a question asked differently, or new', () => {
    const before = definition([{ type: 'text', name: 'lot', label: text('Lot', 'Lot') }]);
    expect(
      stepsToCheck(
        before,
        definition([{ type: 'text', name: 'lot', label: text('Numéro de lot', 'Lot number') }]),
        'citizen',
      ),
    ).toEqual(['site']);
    expect(
      stepsToCheck(
        before,
        definition([
          { type: 'text', name: 'lot', label: text('Lot', 'Lot') },
          { type: 'yesNo', name: 'corner', label: text('Coin', 'Corner') },
        ]),
        'citizen',
      ),
    ).toEqual(['site']);
  });
});
