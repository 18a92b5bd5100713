import type {
  ChoiceField,
  FieldDefinition,
  GroupField,
  TextField,
} from '../../src/modules/catalogue/form-schema.js';
import type { ServiceDefinition } from '../../src/modules/catalogue/service-definition.js';
import { loadServiceDocuments } from '../../src/modules/catalogue/service-document-loader.js';

/** A fresh copy of one of the repo's services (services/<slug>.json, revision 1). */
export function repoService(slug: string): ServiceDefinition {
  const found = loadServiceDocuments().find((s) => s.slug === slug);
  if (!found) throw new Error(`no service ${slug} in services/`);
  return structuredClone(found);
}

function fieldOf<T extends FieldDefinition>(definition: ServiceDefinition, name: string): T {
  for (const step of definition.form.steps)
    for (const f of step.fields) if (f.name === name) return f as T;
  throw new Error(`no field ${name}`);
}

/**
 * The building permit of the repo and a second revision of it with one change
 * of each kind a comparison reports: service texts and settings, a start
 * page's list, a step added, one removed and one moved, fields added, removed,
 * moved and changed (label, hint, requirement, pattern, condition, prefill),
 * options added, removed and relabelled, a group's sub-field, a cross-field rule.
 */
export function revisedBuildingPermit(): { older: ServiceDefinition; newer: ServiceDefinition } {
  const older = repoService('building-permit');
  const newer = repoService('building-permit');
  newer.fees = { ...older.fees, en: 'From $60 to $600, payable when the permit is issued.' };
  newer.bulkFiling = true;
  newer.variants.business.useThisServiceTo.push({
    fr: 'démolir un bâtiment principal',
    en: 'demolish a main building',
  });
  const steps = newer.form.steps;
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
    intro: { fr: 'L’assurance de l’entrepreneur.', en: 'The contractor’s insurance.' },
    fields: [
      {
        name: 'insurer',
        type: 'text',
        label: { fr: 'Assureur', en: 'Insurer' },
        prefill: 'organization.legalName',
      },
      { name: 'insuranceEnds', type: 'date', label: { fr: 'Fin', en: 'End' }, notBefore: 'today' },
    ],
  });
  const lot = fieldOf<TextField>(newer, 'lotNumber');
  lot.label = { ...lot.label, en: 'Cadastral lot number' };
  lot.optional = true;
  lot.pattern = { regex: '^\\d{7}$', message: { fr: 'Sept chiffres', en: 'Seven digits' } };
  fieldOf<FieldDefinition>(newer, 'floorArea').showIf = { field: 'workType', equals: 'extension' };
  const workType = fieldOf<ChoiceField>(newer, 'workType');
  workType.options = workType.options.filter((o) => o.value !== 'fence');
  workType.options.push({ value: 'solar', label: { fr: 'Panneaux solaires', en: 'Solar panels' } });
  const sites = fieldOf<GroupField>(newer, 'otherSites');
  sites.itemLabel = { fr: 'Autre emplacement', en: 'Other location' };
  sites.fields.reverse();
  const siteLot = sites.fields.find((f) => f.name === 'lot') as TextField;
  siteLot.label = { ...siteLot.label, fr: 'Numéro de lot du site' };
  (newer.form as { rules?: unknown[] }).rules = [
    {
      field: 'insuranceEnds',
      must: 'beAfter',
      other: 'startDate',
      message: {
        fr: 'L’assurance doit couvrir le début des travaux',
        en: 'The insurance must cover the start of the work',
      },
    },
  ];
  return { older, newer };
}
