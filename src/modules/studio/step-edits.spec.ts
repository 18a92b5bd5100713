import type { ServiceDefinition } from '../catalogue/service-definition.js';
import {
  addStep,
  bulkFilingBlockers,
  detailsOf,
  duplicateField,
  duplicateStep,
  moveField,
  moveStep,
  removeField,
  removeStep,
  StepEditError,
  updateDetails,
  updateStep,
} from './step-edits.js';

const t = (fr: string, en = fr) => ({ fr, en });

function pool(): ServiceDefinition {
  return {
    slug: 'pool-permit',
    referencePrefix: 'PP',
    title: t('Permis de piscine', 'Pool permit'),
    summary: t('Résumé', 'Summary'),
    department: t('Urbanisme', 'Planning'),
    processingTime: t('10 jours', '10 days'),
    fees: t('50 $', '$50'),
    variants: {
      citizen: { summary: t('Citoyen'), useThisServiceTo: [t('a')], beforeYouStart: [t('b')] },
      business: {
        summary: t('Entreprise'),
        useThisServiceTo: [t('a'), t('a2')],
        beforeYouStart: [t('b')],
      },
    },
    form: {
      steps: [
        {
          slug: 'pool',
          title: t('Piscine', 'Pool'),
          fields: [
            { type: 'yesNo', name: 'heated', label: t('Chauffée ?', 'Heated?') },
            {
              type: 'text',
              name: 'heater',
              label: t('Chauffe-eau', 'Heater'),
              showIf: { field: 'heated', equals: 'yes' },
            },
          ],
        },
        {
          slug: 'dates',
          title: t('Dates'),
          fields: [
            { type: 'date', name: 'start', label: t('Début', 'Start') },
            { type: 'file', name: 'plan', label: t('Plan') },
          ],
        },
      ],
    },
  };
}

const slugs = (d: ServiceDefinition) => d.form.steps.map((s) => s.slug);
const names = (d: ServiceDefinition) => d.form.steps.flatMap((s) => s.fields.map((f) => f.name));

describe('the draft editor’s edits of steps and fields', () => {
  it('adds an empty step at the end, refusing a slug the form has', () => {
    const before = pool();
    const after = addStep(before, { slug: 'contact', title: t('Contact') });
    expect(slugs(after)).toEqual(['pool', 'dates', 'contact']);
    expect(after.form.steps[2]).toEqual({ slug: 'contact', title: t('Contact'), fields: [] });
    expect(slugs(before)).toEqual(['pool', 'dates']);
    expect(() => addStep(before, { slug: 'dates', title: t('x') })).toThrow(
      new StepEditError('step-slug-taken'),
    );
  });

  it('moves a step up and down, and leaves the first and the last where they are', () => {
    expect(slugs(moveStep(pool(), 'dates', 'up'))).toEqual(['dates', 'pool']);
    expect(slugs(moveStep(pool(), 'pool', 'down'))).toEqual(['dates', 'pool']);
    expect(slugs(moveStep(pool(), 'pool', 'up'))).toEqual(['pool', 'dates']);
    expect(slugs(moveStep(pool(), 'dates', 'down'))).toEqual(['pool', 'dates']);
    expect(() => moveStep(pool(), 'nowhere', 'up')).toThrow(StepEditError);
  });

  it('duplicates a step after it with a new slug and new answer keys, its conditions following', () => {
    const once = duplicateStep(pool(), 'pool');
    expect(slugs(once)).toEqual(['pool', 'pool-copy', 'dates']);
    expect(once.form.steps[1].fields.map((f) => f.name)).toEqual(['heatedCopy', 'heaterCopy']);
    expect(once.form.steps[1].fields[1].showIf).toEqual({ field: 'heatedCopy', equals: 'yes' });
    expect(once.form.steps[1].title).toEqual(t('Piscine', 'Pool'));
    // The original is untouched.
    expect(once.form.steps[0].fields[1].showIf).toEqual({ field: 'heated', equals: 'yes' });
    const twice = duplicateStep(once, 'pool');
    expect(slugs(twice)).toEqual(['pool', 'pool-copy-2', 'pool-copy', 'dates']);
    expect(twice.form.steps[1].fields.map((f) => f.name)).toEqual(['heatedCopy2', 'heaterCopy2']);
    expect(new Set(names(twice)).size).toBe(names(twice).length);
  });

  it('removes a step and its fields', () => {
    const after = removeStep(pool(), 'pool');
    expect(slugs(after)).toEqual(['dates']);
    expect(names(after)).toEqual(['start', 'plan']);
    expect(() => removeStep(pool(), 'nowhere')).toThrow(new StepEditError('unknown-step'));
  });

  it('changes a step’s texts and audience: business only, or everyone', () => {
    const business = updateStep(pool(), 'dates', {
      title: t('Période', 'Period'),
      intro: t('Quand ?', 'When?'),
      businessOnly: true,
    });
    expect(business.form.steps[1]).toMatchObject({
      slug: 'dates',
      title: t('Période', 'Period'),
      intro: t('Quand ?', 'When?'),
      only: 'business',
    });
    expect(business.form.steps[1].fields).toHaveLength(2);
    const everyone = updateStep(business, 'dates', {
      title: t('Période', 'Period'),
      intro: t(''),
      businessOnly: false,
    });
    expect(everyone.form.steps[1]).not.toHaveProperty('only');
    expect(everyone.form.steps[1]).not.toHaveProperty('intro');
  });

  it('moves, duplicates and removes a field within its step', () => {
    expect(moveField(pool(), 'pool', 'heater', 'up').form.steps[0].fields[0].name).toBe('heater');
    expect(moveField(pool(), 'pool', 'heater', 'down').form.steps[0].fields[1].name).toBe('heater');
    const copied = duplicateField(pool(), 'dates', 'start');
    expect(copied.form.steps[1].fields.map((f) => f.name)).toEqual(['start', 'startCopy', 'plan']);
    expect(copied.form.steps[1].fields[1].label).toEqual(t('Début', 'Start'));
    const again = duplicateField(copied, 'dates', 'start');
    expect(again.form.steps[1].fields.map((f) => f.name)).toEqual([
      'start',
      'startCopy2',
      'startCopy',
      'plan',
    ]);
    expect(names(removeField(pool(), 'pool', 'heater'))).toEqual(['heated', 'start', 'plan']);
    expect(() => removeField(pool(), 'pool', 'start')).toThrow(new StepEditError('unknown-field'));
    expect(() => moveField(pool(), 'pool', 'nothing', 'up')).toThrow(StepEditError);
  });
});

describe('the draft editor’s details', () => {
  it('splits the lists into the shared items and the business variant’s own', () => {
    const details = detailsOf(pool());
    expect(details.useThisServiceTo).toEqual({ shared: [t('a')], business: [t('a2')] });
    expect(details.beforeYouStart).toEqual({ shared: [t('b')], business: [] });
    expect(details.bulkFiling).toBe(false);
  });

  it('writes the details back: the business variant keeps every shared item, then its own', () => {
    const details = detailsOf(pool());
    details.title = t('Piscine', 'Pool');
    details.useThisServiceTo = { shared: [t('x'), t('y')], business: [t('z')] };
    details.beforeYouStart = { shared: [], business: [t('w')] };
    details.businessSummary = t('Pour les PME', 'For SMEs');
    details.referencePrefix = 'PI';
    details.bulkFiling = true;
    const after = updateDetails(pool(), details);
    expect(after.title).toEqual(t('Piscine', 'Pool'));
    expect(after.referencePrefix).toBe('PI');
    expect(after.bulkFiling).toBe(true);
    expect(after.variants.citizen.useThisServiceTo).toEqual([t('x'), t('y')]);
    expect(after.variants.business.useThisServiceTo).toEqual([t('x'), t('y'), t('z')]);
    expect(after.variants.citizen.beforeYouStart).toEqual([]);
    expect(after.variants.business.beforeYouStart).toEqual([t('w')]);
    expect(after.variants.business.summary).toEqual(t('Pour les PME', 'For SMEs'));
    expect(after.form).toEqual(pool().form);
    expect(updateDetails(after, { ...details, bulkFiling: false })).not.toHaveProperty(
      'bulkFiling',
    );
    // Round trip: nothing changes when nothing was edited.
    expect(updateDetails(pool(), detailsOf(pool()))).toEqual(pool());
  });

  it('names the files and groups that keep a form from being filed in bulk', () => {
    expect(bulkFilingBlockers(pool()).map((f) => f.name)).toEqual(['plan']);
    expect(bulkFilingBlockers(removeStep(pool(), 'dates'))).toEqual([]);
  });
});
