import type { ChoiceField, YesNoField } from '../catalogue/form-schema.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';

/**
 * The building permit's revision 2 of the demo data (issue 15): a clearer
 * "type of work" question and a new question, in SME pilot with "PME pilotes –
 * construction" while every other SME and every citizen gets revision 1.
 */
export function buildingPermitRevision2(definition: ServiceDefinition): ServiceDefinition {
  const next = structuredClone(definition);
  const work = next.form.steps.find((s) => s.slug === 'work');
  const workType = work?.fields.find((f) => f.name === 'workType') as ChoiceField | undefined;
  if (!work || !workType) throw new Error('The building permit has no workType question');
  workType.label = { fr: 'Quels travaux prévoyez-vous ?', en: 'What work are you planning?' };
  workType.hint = {
    fr: 'Choisissez ce qui décrit le mieux l’essentiel des travaux. Pour plusieurs types, choisissez le principal et décrivez les autres plus bas.',
    en: 'Choose what best describes most of the work. For several kinds, choose the main one and describe the others below.',
  };
  const heritage: YesNoField = {
    name: 'heritageSite',
    type: 'yesNo',
    label: {
      fr: 'La propriété est-elle dans un site patrimonial ?',
      en: 'Is the property in a heritage site?',
    },
    hint: {
      fr: 'Le rôle d’évaluation l’indique. Les travaux dans un site patrimonial demandent l’avis du comité consultatif d’urbanisme.',
      en: 'The assessment roll says so. Work in a heritage site needs the advice of the planning advisory committee.',
    },
    optional: true,
  };
  work.fields.splice(work.fields.indexOf(workType) + 1, 0, heritage);
  return next;
}
