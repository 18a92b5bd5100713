import { describe, expect, it } from '@jest/globals';
import type {
  ChoiceField,
  FieldDefinition,
  GroupField,
  NumberField,
  TextField,
} from '../catalogue/form-schema.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { loadServiceDocuments } from '../catalogue/service-document-loader.js';
import { compareRevisions, isEmpty, type RevisionComparison } from './revision-comparison.js';

const services = loadServiceDocuments();

/** A fresh copy of one of the repo's services, revision 1. */
function service(slug: string): ServiceDefinition {
  const found = services.find((s) => s.slug === slug);
  if (!found) throw new Error(`no service ${slug}`);
  return structuredClone(found);
}

function field<T extends FieldDefinition>(definition: ServiceDefinition, name: string): T {
  for (const step of definition.form.steps)
    for (const f of step.fields) if (f.name === name) return f as T;
  throw new Error(`no field ${name}`);
}

function stepOf(definition: ServiceDefinition, slug: string) {
  const found = definition.form.steps.find((s) => s.slug === slug);
  if (!found) throw new Error(`no step ${slug}`);
  return found;
}

function fieldChange(comparison: RevisionComparison, name: string) {
  return comparison.fields.find((f) => f.name === name);
}

describe('comparing two revisions of a service', () => {
  it('reports nothing between a revision and itself, for every service of the repo', () => {
    for (const definition of services) {
      const comparison = compareRevisions(definition, structuredClone(definition));
      expect(isEmpty(comparison)).toBe(true);
      expect(comparison).toEqual({ service: [], variants: [], steps: [], fields: [], rules: [] });
    }
  });

  it('reports nothing for the same texts written with their keys in another order', () => {
    const older = service('sign-permit');
    const newer = service('sign-permit');
    newer.title = { en: older.title.en, fr: older.title.fr };
    expect(isEmpty(compareRevisions(older, newer))).toBe(true);
  });

  it("reports the service's texts with both languages, and which language changed", () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    newer.fees = { ...older.fees, en: 'From $60 to $600.' };
    newer.title = { fr: 'Permis de bâtir', en: 'Building permit' };
    const { service: changes } = compareRevisions(older, newer);
    expect(changes).toEqual([
      { attribute: 'title', before: older.title, after: newer.title, languages: ['fr', 'en'] },
      { attribute: 'fees', before: older.fees, after: newer.fees, languages: ['en'] },
    ]);
  });

  it('reports the reference prefix and bulk filing', () => {
    const older = service('bulky-waste-pickup');
    const newer = service('bulky-waste-pickup');
    newer.referencePrefix = 'ENC';
    newer.bulkFiling = !older.bulkFiling;
    expect(compareRevisions(older, newer).service).toEqual([
      { attribute: 'referencePrefix', before: older.referencePrefix, after: 'ENC' },
      { attribute: 'bulkFiling', before: Boolean(older.bulkFiling), after: !older.bulkFiling },
    ]);
  });

  it("reports a variant's summary and its lists' items added, removed and reworded", () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    const business = newer.variants.business;
    business.summary = { ...business.summary, fr: 'Pour les entreprises.' };
    const reworded = business.beforeYouStart[3];
    business.beforeYouStart[3] = { ...reworded, en: 'your Québec enterprise number (NEQ)' };
    const removed = business.useThisServiceTo.pop();
    const added = { fr: 'démolir un bâtiment principal', en: 'demolish a main building' };
    business.useThisServiceTo.push(added);
    const comparison = compareRevisions(older, newer);
    expect(comparison.variants).toEqual([
      {
        audience: 'business',
        summary: {
          attribute: 'summary',
          before: older.variants.business.summary,
          after: business.summary,
          languages: ['fr'],
        },
        items: [
          { list: 'useThisServiceTo', change: 'added', after: added },
          { list: 'useThisServiceTo', change: 'removed', before: removed },
          {
            list: 'beforeYouStart',
            change: 'changed',
            before: reworded,
            after: business.beforeYouStart[3],
          },
        ],
      },
    ]);
  });

  it('reports steps added, removed, moved and changed, by slug', () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    const steps = newer.form.steps;
    // contractor goes first; documents is removed; a business-only step is added.
    const [contractor] = steps.splice(
      steps.findIndex((s) => s.slug === 'contractor'),
      1,
    );
    steps.unshift(contractor);
    steps.splice(
      steps.findIndex((s) => s.slug === 'documents'),
      1,
    );
    steps.push({
      slug: 'insurance',
      only: 'business',
      title: { fr: 'Assurance', en: 'Insurance' },
      fields: [
        {
          name: 'insurer',
          type: 'text',
          label: { fr: 'Assureur', en: 'Insurer' },
        },
      ],
    });
    stepOf(newer, 'property').intro = { fr: 'Le terrain.', en: 'The land.' };
    stepOf(newer, 'business').only = undefined;

    const comparison = compareRevisions(older, newer);
    const bySlug = new Map(comparison.steps.map((s) => [s.slug, s]));
    expect([...bySlug.keys()]).toEqual([
      'contractor',
      'business',
      'property',
      'insurance',
      'documents',
    ]);
    expect(bySlug.get('business')?.changes).toEqual([
      { attribute: 'only', before: 'business', after: 'everyone' },
    ]);
    expect(bySlug.get('property')).toMatchObject({
      change: 'changed',
      moved: false,
      changes: [
        { attribute: 'intro', before: undefined, after: { fr: 'Le terrain.', en: 'The land.' } },
      ],
    });
    // Only the step taken out of order moved, not the ones its move shifted.
    expect(bySlug.get('contractor')).toMatchObject({
      change: 'changed',
      moved: true,
      before: { position: 4 },
      after: { position: 1 },
      changes: [],
    });
    expect(bySlug.has('work')).toBe(false);
    expect(bySlug.get('insurance')).toMatchObject({
      change: 'added',
      moved: false,
      after: { position: 6 },
      changes: [
        { attribute: 'title', before: undefined, after: { fr: 'Assurance', en: 'Insurance' } },
        { attribute: 'only', before: undefined, after: 'business' },
      ],
    });
    expect(bySlug.get('documents')).toMatchObject({
      change: 'removed',
      title: stepOf(older, 'documents').title,
      before: { position: 5 },
    });
    // The removed step's fields are removed, the new step's field added.
    expect(fieldChange(comparison, 'sitePlan')).toMatchObject({ change: 'removed' });
    expect(fieldChange(comparison, 'insurer')).toMatchObject({
      change: 'added',
      after: { step: 'insurance', position: 1 },
      changes: expect.arrayContaining([
        { attribute: 'label', before: undefined, after: { fr: 'Assureur', en: 'Insurer' } },
        { attribute: 'type', before: undefined, after: 'text' },
        { attribute: 'required', before: undefined, after: true },
      ]),
    });
  });

  it("reports a field's label and hint in each language, and its settings, before and after", () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    const lot = field<TextField>(newer, 'lotNumber');
    lot.label = { ...lot.label, en: 'Cadastral lot number' };
    lot.hint = { fr: 'Sept chiffres', en: 'Seven digits' };
    lot.optional = true;
    lot.pattern = { regex: '^\\d{7}$', message: { fr: '7 chiffres', en: '7 digits' } };
    lot.maxLength = 7;
    const floor = field<NumberField>(newer, 'floorArea');
    floor.min = 5;
    floor.integer = true;
    floor.showIf = { field: 'workType', equals: ['newBuilding'] };
    field<FieldDefinition>(newer, 'ownerName').prefill = 'account.name';
    field<FieldDefinition>(newer, 'treesCut').only = 'business';
    Object.assign(field(newer, 'startDate'), { notBefore: undefined, notAfter: 'today' });
    Object.assign(field(newer, 'sitePlan'), { maxFiles: 2 });

    const comparison = compareRevisions(older, newer);
    const olderLot = field<TextField>(older, 'lotNumber');
    expect(fieldChange(comparison, 'lotNumber')).toEqual({
      change: 'changed',
      name: 'lotNumber',
      label: lot.label,
      before: { step: 'property', position: 2 },
      after: { step: 'property', position: 2 },
      moved: false,
      options: [],
      changes: [
        { attribute: 'label', before: olderLot.label, after: lot.label, languages: ['en'] },
        {
          attribute: 'hint',
          before: olderLot.hint,
          after: lot.hint,
          languages: ['fr', 'en'],
        },
        { attribute: 'required', before: true, after: false },
        { attribute: 'maxLength', before: olderLot.maxLength, after: 7 },
        { attribute: 'pattern', before: olderLot.pattern?.regex, after: '^\\d{7}$' },
        {
          attribute: 'patternMessage',
          before: olderLot.pattern?.message,
          after: lot.pattern.message,
          languages: ['fr', 'en'],
        },
      ],
    });
    expect(fieldChange(comparison, 'floorArea')?.changes).toEqual([
      {
        attribute: 'showIf',
        before: { field: 'workType', equals: ['newBuilding', 'extension', 'accessoryBuilding'] },
        after: { field: 'workType', equals: ['newBuilding'] },
      },
      { attribute: 'min', before: field<NumberField>(older, 'floorArea').min, after: 5 },
      {
        attribute: 'integer',
        before: Boolean(field<NumberField>(older, 'floorArea').integer),
        after: true,
      },
    ]);
    expect(fieldChange(comparison, 'ownerName')?.changes).toEqual([
      { attribute: 'prefill', before: undefined, after: 'account.name' },
    ]);
    expect(fieldChange(comparison, 'treesCut')?.changes).toEqual([
      { attribute: 'only', before: 'everyone', after: 'business' },
    ]);
    expect(fieldChange(comparison, 'startDate')?.changes).toEqual([
      { attribute: 'notBefore', before: 'today', after: undefined },
      { attribute: 'notAfter', before: undefined, after: 'today' },
    ]);
    expect(fieldChange(comparison, 'sitePlan')?.changes).toEqual([
      { attribute: 'maxFiles', before: 3, after: 2 },
    ]);
  });

  it("reports a field's type, and a field moved to another step or out of order", () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    // durationWeeks becomes a date; treesCut moves to the property step; estimatedCost goes first in work.
    Object.assign(field(newer, 'durationWeeks'), { type: 'date' });
    delete (field<NumberField>(newer, 'durationWeeks') as Partial<NumberField>).integer;
    delete (field<NumberField>(newer, 'durationWeeks') as Partial<NumberField>).min;
    delete (field<NumberField>(newer, 'durationWeeks') as Partial<NumberField>).max;
    const work = stepOf(newer, 'work').fields;
    const [trees] = work.splice(
      work.findIndex((f) => f.name === 'treesCut'),
      1,
    );
    stepOf(newer, 'property').fields.push(trees);
    const [cost] = work.splice(
      work.findIndex((f) => f.name === 'estimatedCost'),
      1,
    );
    work.unshift(cost);

    const comparison = compareRevisions(older, newer);
    expect(fieldChange(comparison, 'durationWeeks')?.changes).toContainEqual({
      attribute: 'type',
      before: 'number',
      after: 'date',
    });
    expect(fieldChange(comparison, 'treesCut')).toMatchObject({
      moved: true,
      before: { step: 'work', position: 8 },
      after: { step: 'property', position: 6 },
      changes: [],
    });
    expect(fieldChange(comparison, 'estimatedCost')).toMatchObject({
      moved: true,
      before: { step: 'work', position: 5 },
      after: { step: 'work', position: 1 },
    });
    // The fields that the moves shifted are not reported.
    expect(fieldChange(comparison, 'workType')).toBeUndefined();
    expect(fieldChange(comparison, 'workDescription')).toBeUndefined();
  });

  it("reports a choice's options added, removed, relabelled and reordered, by value", () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    const workType = field<ChoiceField>(newer, 'workType');
    const olderWorkType = field<ChoiceField>(older, 'workType');
    workType.options = workType.options.filter((o) => o.value !== 'fence');
    workType.options.find((o) => o.value === 'pool')!.label = {
      fr: 'Piscine, spa ou bain à remous',
      en: 'Pool, spa or hot tub',
    };
    workType.options.push({
      value: 'solar',
      label: { fr: 'Panneaux solaires', en: 'Solar panels' },
    });
    const comparison = compareRevisions(older, newer);
    expect(fieldChange(comparison, 'workType')).toMatchObject({
      change: 'changed',
      changes: [],
      options: [
        {
          change: 'changed',
          value: 'pool',
          changes: [
            {
              attribute: 'label',
              before: olderWorkType.options.find((o) => o.value === 'pool')?.label,
              after: { fr: 'Piscine, spa ou bain à remous', en: 'Pool, spa or hot tub' },
              languages: ['fr', 'en'],
            },
          ],
        },
        {
          change: 'added',
          value: 'solar',
          label: { fr: 'Panneaux solaires', en: 'Solar panels' },
        },
        { change: 'removed', value: 'fence' },
      ],
    });

    const reordered = service('building-permit');
    field<ChoiceField>(reordered, 'doneBy').options.reverse();
    expect(fieldChange(compareRevisions(older, reordered), 'doneBy')).toMatchObject({
      options: [],
      changes: [
        { attribute: 'optionOrder', before: 'self, contractor', after: 'contractor, self' },
      ],
    });
  });

  it("reports a group's item label and limits, and its sub-fields by group.sub", () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    const sites = field<GroupField>(newer, 'otherSites');
    sites.itemLabel = { fr: 'emplacement', en: 'location' };
    sites.maxItems = 20;
    sites.fields.reverse();
    const lot = sites.fields.find((f) => f.name === 'lot') as TextField;
    lot.label = { ...lot.label, fr: 'Numéro de lot du site' };
    sites.fields.push({ name: 'area', type: 'number', label: { fr: 'Superficie', en: 'Area' } });

    const comparison = compareRevisions(older, newer);
    expect(fieldChange(comparison, 'otherSites')?.changes).toEqual([
      {
        attribute: 'itemLabel',
        before: field<GroupField>(older, 'otherSites').itemLabel,
        after: sites.itemLabel,
        languages: ['fr', 'en'],
      },
      { attribute: 'maxItems', before: field<GroupField>(older, 'otherSites').maxItems, after: 20 },
    ]);
    // Swapping two sub-fields moves one of them, the other keeps its relative order.
    const moved = ['otherSites.address', 'otherSites.lot'].filter(
      (name) => fieldChange(comparison, name)?.moved,
    );
    expect(moved).toHaveLength(1);
    expect(fieldChange(comparison, 'otherSites.lot')).toMatchObject({
      before: { step: 'property', group: 'otherSites', position: 2 },
      after: { step: 'property', group: 'otherSites', position: 1 },
      changes: [expect.objectContaining({ attribute: 'label', languages: ['fr'] })],
    });
    expect(fieldChange(comparison, 'otherSites.area')).toMatchObject({
      change: 'added',
      after: { group: 'otherSites', position: 3 },
    });
  });

  it('reports cross-field rules added or removed, by their content, with or without rules', () => {
    const older = service('building-permit');
    const newer = service('building-permit');
    const rule = {
      field: 'startDate',
      must: 'beAfter',
      other: 'today',
      message: { fr: 'Après', en: 'After' },
    };
    const kept = { field: 'a', must: 'beBefore', other: 'b', message: { fr: 'x', en: 'y' } };
    (older.form as { rules?: unknown[] }).rules = [kept];
    (newer.form as { rules?: unknown[] }).rules = [
      { ...kept, message: { en: 'y', fr: 'x' } },
      rule,
    ];
    expect(compareRevisions(older, newer).rules).toEqual([{ change: 'added', rule }]);
    expect(compareRevisions(newer, service('building-permit')).rules).toEqual([
      { change: 'removed', rule: { ...kept, message: { en: 'y', fr: 'x' } } },
      { change: 'removed', rule },
    ]);
  });

  it('compares two different services without failing (every step and field added or removed)', () => {
    const comparison = compareRevisions(service('sign-permit'), service('bulky-waste-pickup'));
    expect(isEmpty(comparison)).toBe(false);
    expect(
      comparison.fields.every(
        (f) => f.change !== 'changed' || f.changes.length > 0 || f.moved || f.options.length > 0,
      ),
    ).toBe(true);
  });
});
