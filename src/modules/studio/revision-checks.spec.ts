import { I18nService, LOCALES } from '../../platform/i18n/i18n.service.js';
import type { ChoiceField, GroupField, NumberField, TextField } from '../catalogue/form-schema.js';
import { loadServiceDocuments } from '../catalogue/service-document-loader.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import {
  allChecksPass,
  CHECK_IDS,
  checkTitleKey,
  revisionChecks,
  type CheckId,
  type CheckProblem,
  type RevisionCheck,
} from './revision-checks.js';

/** A service of the repo, copied afresh (each test may break its own copy). */
function service(slug: string): ServiceDefinition {
  const found = loadServiceDocuments().find((d) => d.slug === slug);
  if (!found) throw new Error(`no service ${slug}`);
  return structuredClone(found);
}

function checksOf(
  definition: ServiceDefinition,
  extra: Partial<Parameters<typeof revisionChecks>[0]> = {},
): RevisionCheck[] {
  return revisionChecks({ definition, earlierRevisions: [], ...extra });
}

/** The problems of one check, as [pointer, key, params]. */
function problemsOf(checks: RevisionCheck[], id: CheckId) {
  const check = checks.find((c) => c.id === id)!;
  return check.problems.map((p) => [p.pointer, p.message.key, p.message.params]);
}

/** The checks that failed. */
function failing(checks: RevisionCheck[]): CheckId[] {
  return checks.filter((c) => !c.passed).map((c) => c.id);
}

const i18n = new I18nService();

/** Every problem's message, in both languages: a catalog text with every value given. */
function rendered(problems: CheckProblem[]): string[] {
  return problems.flatMap((p) =>
    LOCALES.map((locale) => {
      expect({ key: p.message.key, locale, has: i18n.has(locale, p.message.key) }).toEqual({
        key: p.message.key,
        locale,
        has: true,
      });
      return i18n.t(locale, p.message.key, p.message.params);
    }),
  );
}

describe('the checks before a revision is marked ready', () => {
  it('passes every service of the repo, in order, each check titled in both languages', () => {
    for (const definition of loadServiceDocuments()) {
      const checks = checksOf(definition);
      expect({ slug: definition.slug, failing: failing(checks) }).toEqual({
        slug: definition.slug,
        failing: [],
      });
      expect(checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
      expect(allChecksPass(checks)).toBe(true);
      // Its own revision 1, unchanged, is no earlier meaning of any key.
      const again = checksOf(definition, {
        earlierRevisions: [{ number: 1, definition }],
        prefixTakenBy: definition.slug,
      });
      expect(failing(again)).toEqual([]);
    }
    for (const id of CHECK_IDS)
      for (const locale of LOCALES) expect(i18n.has(locale, checkTitleKey(id))).toBe(true);
  });

  it('languages: points at every text missing a language, with its place', () => {
    const definition = service('building-permit');
    definition.title.en = ' ';
    definition.variants.business.summary.fr = '';
    const workType = definition.form.steps[2].fields[0] as ChoiceField;
    workType.options[1].label.fr = '';
    definition.form.steps[2].fields[5].hint = { fr: 'Par exemple 15 6 2027', en: '' };
    const checks = checksOf(definition);
    expect(failing(checks)).toEqual(['languages']);
    expect(problemsOf(checks, 'languages')).toEqual([
      ['/title/en', 'studio.checks.languages.missing', { where: 'title', language: 'en' }],
      [
        '/variants/business/summary/fr',
        'studio.checks.languages.missing',
        { where: 'business.summary', language: 'fr' },
      ],
      [
        '/form/steps/2/fields/0/options/1/label/fr',
        'studio.checks.languages.missing',
        { where: `work.workType.options.${workType.options[1].value}.label`, language: 'fr' },
      ],
      [
        '/form/steps/2/fields/5/hint/en',
        'studio.checks.languages.missing',
        { where: 'work.startDate.hint', language: 'en' },
      ],
    ]);
    expect(rendered(checks[0].problems)).toContain('Il manque le texte en anglais : title');
    expect(rendered(checks[0].problems)).toContain('The French text is missing: business.summary');
    expect(allChecksPass(checks)).toBe(false);
  });

  it('labels: points at a question, a group’s question and an option without a label', () => {
    const definition = service('building-permit');
    definition.form.steps[2].fields[1].label = { fr: '', en: ' ' };
    const otherSites = definition.form.steps[1].fields[4] as GroupField;
    otherSites.fields[1].label = { fr: '', en: '' };
    const doneBy = definition.form.steps[3].fields[0] as ChoiceField;
    doneBy.options[0].label = { fr: '', en: '' };
    const checks = checksOf(definition);
    // A label with neither language is the labels check's only.
    expect(failing(checks)).toEqual(['labels']);
    expect(problemsOf(checks, 'labels')).toEqual([
      [
        '/form/steps/1/fields/4/fields/1/label',
        'studio.checks.labels.missing',
        { where: 'property.otherSites.lot' },
      ],
      [
        '/form/steps/2/fields/1/label',
        'studio.checks.labels.missing',
        { where: 'work.workDescription' },
      ],
      [
        '/form/steps/3/fields/0/options/0/label',
        'studio.checks.labels.missingOption',
        { where: `contractor.doneBy.options.${doneBy.options[0].value}` },
      ],
    ]);
    expect(rendered(checks[1].problems)).toContain(
      'La question work.workDescription n’a pas de libellé',
    );
  });

  it('references: a condition waiting for an answer its question cannot give', () => {
    const definition = service('building-permit');
    const step = definition.form.steps.findIndex((st) =>
      st.fields.some((f) => f.showIf && !st.only),
    );
    const f = definition.form.steps[step].fields.findIndex((x) => x.showIf);
    const field = definition.form.steps[step].fields[f];
    field.showIf = { field: field.showIf!.field, equals: ['nowhere'] };
    const checks = checksOf(definition);
    expect(failing(checks)).toEqual(['references']);
    expect(problemsOf(checks, 'references')).toEqual([
      [
        `/form/steps/${step}/fields/${f}/showIf/equals`,
        'studio.checks.references.showIfUnknownAnswer',
        {
          step: definition.form.steps[step].slug,
          field: field.name,
          target: field.showIf!.field,
          answers: 'nowhere',
        },
      ],
    ]);
  });

  it('references: points at conditions and rules naming fields they may not, and at cycles', () => {
    const definition = service('public-domain-occupation');
    const message = { fr: 'Message', en: 'Message' };
    // The citizen variant would show the end date after a business-only answer.
    definition.form.steps[2].fields[1].showIf = { field: 'servesAlcohol', equals: 'yes' };
    definition.form.steps[1].fields[7].showIf = { field: 'startDate', equals: 'x' };
    definition.form.rules = [
      { field: 'endDate', must: 'onOrAfter', other: 'startDate', message },
      { field: 'startDate', must: 'before', other: 'endDate', message },
      { field: 'surfaceArea', must: 'after', other: 'layout', message },
      { field: 'parkingSpaces', must: 'before', other: 'endDate', message },
    ];
    const checks = checksOf(definition);
    expect(failing(checks)).toEqual(['references']);
    expect(problemsOf(checks, 'references')).toEqual([
      [
        '/form/steps/1/fields/7/showIf/field',
        'studio.checks.references.showIfNotEarlier',
        { step: 'occupation', field: 'surfaceArea', target: 'startDate' },
      ],
      [
        '/form/steps/2/fields/1/showIf/field',
        'studio.checks.references.showIfOtherVariant',
        { step: 'period', field: 'endDate', target: 'servesAlcohol' },
      ],
      [
        '/form/rules/2/other',
        'studio.checks.references.ruleUnknownOther',
        { field: 'surfaceArea', other: 'layout' },
      ],
      [
        '/form/rules/3/other',
        'studio.checks.references.ruleTypesDiffer',
        { field: 'parkingSpaces', other: 'endDate', type: 'number', otherType: 'date' },
      ],
      [
        '/form/rules/1',
        'studio.checks.references.ruleCycle',
        { fields: 'endDate → startDate → endDate' },
      ],
    ]);
    expect(rendered(checks[2].problems)).toContain(
      'La règle parkingSpaces / endDate compare une question de type « nombre » avec une question de type « date »',
    );
    expect(rendered(checks[2].problems)).toContain(
      'The rule parkingSpaces / endDate compares a “number” question with a “date” question',
    );
  });

  it('business-keeps-citizen: points at a citizen-only page and at start page items businesses lose', () => {
    const definition = service('sign-permit');
    definition.variants.business.useThisServiceTo =
      definition.variants.business.useThisServiceTo.slice(1);
    definition.form.steps[4].only = 'citizen';
    const checks = checksOf(definition);
    expect(failing(checks)).toEqual(['business-keeps-citizen']);
    expect(problemsOf(checks, 'business-keeps-citizen')).toEqual([
      [
        '/variants/business/useThisServiceTo',
        'studio.checks.business-keeps-citizen.missingItem',
        { list: 'useThisServiceTo', number: 1 },
      ],
      [
        '/form/steps/4/only',
        'studio.checks.business-keeps-citizen.citizenStep',
        { step: 'documents' },
      ],
    ]);
    expect(rendered(checks[3].problems)).toContain(
      'The business start page lacks item 1 of the citizen one’s “Use this service to” list',
    );
  });

  it('reference-prefix: 2 to 4 capitals, not another service’s', () => {
    const definition = service('sign-permit');
    expect(failing(checksOf(definition, { prefixTakenBy: 'sign-permit' }))).toEqual([]);
    const taken = checksOf(definition, { prefixTakenBy: 'building-permit' });
    expect(failing(taken)).toEqual(['reference-prefix']);
    expect(problemsOf(taken, 'reference-prefix')).toEqual([
      [
        '/referencePrefix',
        'studio.checks.reference-prefix.taken',
        { prefix: 'PA', service: 'building-permit' },
      ],
    ]);
    expect(rendered(taken[4].problems)).toEqual([
      'Le préfixe de référence PA est déjà celui du service building-permit',
      'The reference prefix PA is already used by the service building-permit',
    ]);
    definition.referencePrefix = 'Pa1';
    const malformed = checksOf(definition);
    expect(failing(malformed)).toEqual(['reference-prefix']);
    expect(problemsOf(malformed, 'reference-prefix')).toEqual([
      ['/referencePrefix', 'studio.checks.reference-prefix.format', { prefix: 'Pa1' }],
    ]);
  });

  it('keys: a key an earlier revision used for another kind of question needs a new key; a new label is fine', () => {
    const revision1 = service('building-permit');
    const revision2 = service('building-permit');
    // Revision 2 asked the duration as text, and the other sites' lot as a number.
    const duration = revision2.form.steps[2].fields[6] as unknown as TextField;
    duration.type = 'text';
    delete (duration as unknown as Partial<NumberField>).integer;
    const sites2 = revision2.form.steps[1].fields[4] as GroupField;
    (sites2.fields[1] as unknown as NumberField).type = 'number';
    const current = service('building-permit');
    current.form.steps[2].fields[0].label = { fr: 'Nature des travaux', en: 'Kind of work' };
    const earlierRevisions = [
      { number: 2, definition: revision2 },
      { number: 1, definition: revision1 },
    ];
    const checks = checksOf(current, { earlierRevisions });
    expect(failing(checks)).toEqual(['keys']);
    expect(problemsOf(checks, 'keys')).toEqual([
      [
        '/form/steps/1/fields/4/fields/1/name',
        'studio.checks.keys.typeChanged',
        { key: 'otherSites.lot', type: 'text', earlierType: 'number', revision: 2 },
      ],
      [
        '/form/steps/2/fields/6/name',
        'studio.checks.keys.typeChanged',
        { key: 'durationWeeks', type: 'number', earlierType: 'text', revision: 2 },
      ],
    ]);
    expect(rendered(checks[5].problems)).toContain(
      'La clé durationWeeks désignait une question de type « texte court » dans la révision 2 : une question de type « nombre » doit avoir une nouvelle clé',
    );
    // Back to revision 1's meaning, and revision 1 only: no problem.
    expect(failing(checksOf(current, { earlierRevisions: [earlierRevisions[1]] }))).toEqual([]);
    // A question removed in revision 2 and asked again with another type in 3.
    revision2.form.steps[2].fields.splice(7, 1);
    current.form.steps[2].fields[7] = {
      ...current.form.steps[2].fields[7],
      type: 'text',
    } as TextField;
    expect(problemsOf(checksOf(current, { earlierRevisions }), 'keys')).toContainEqual([
      '/form/steps/2/fields/7/name',
      'studio.checks.keys.typeChanged',
      { key: 'treesCut', type: 'text', earlierType: 'yesNo', revision: 1 },
    ]);
  });

  it('names a long text question’s type in words, in both languages', () => {
    const says = (key: string, params: Record<string, unknown>) =>
      LOCALES.map((locale) => i18n.t(locale, key, params));
    expect(
      says('studio.checks.keys.typeChanged', {
        key: 'details',
        type: 'text',
        earlierType: 'longText',
        revision: 1,
      }),
    ).toEqual([
      'La clé details désignait une question de type « texte long » dans la révision 1 : une question de type « texte court » doit avoir une nouvelle clé',
      'Key details was a “long text” question in revision 1: a “short text” question needs a new key',
    ]);
    for (const key of ['ruleNotComparable', 'ruleTypesDiffer'])
      for (const text of says(`studio.checks.references.${key}`, {
        field: 'a',
        other: 'b',
        type: 'longText',
        otherType: 'longText',
      }))
        expect(text).toMatch(/texte long|long text/);
  });

  it('sound: refuses a pattern that repeats a repeated group (exponential time on an answer)', () => {
    const definition = service('building-permit');
    const lot = definition.form.steps[1].fields[1] as TextField;
    lot.pattern = { regex: '^(\\d+)+$', message: { fr: 'Lot', en: 'Lot' } };
    const checks = checksOf(definition);
    expect(failing(checks)).toEqual(['sound']);
    expect(problemsOf(checks, 'sound')).toEqual([
      [
        '/form/steps/1/fields/1/pattern/regex',
        'studio.checks.sound.problem',
        {
          detail:
            'step property.lotNumber: the pattern repeats a group that repeats (it could take exponential time)',
        },
      ],
    ]);
  });

  it('sound: reports whatever else makes a definition broken, once', () => {
    const definition = service('building-permit');
    const lot = definition.form.steps[1].fields[1] as TextField;
    lot.pattern = { regex: '([0-9', message: { fr: 'Lot', en: '' } };
    const floorArea = definition.form.steps[2].fields[2] as NumberField;
    floorArea.min = 10;
    floorArea.max = 1;
    definition.form.steps[3].fields[1].name = 'startDate';
    const checks = checksOf(definition);
    expect(failing(checks)).toEqual(['languages', 'sound']);
    expect(problemsOf(checks, 'languages')).toEqual([
      [
        '/form/steps/1/fields/1/pattern/message/en',
        'studio.checks.languages.missing',
        { where: 'property.lotNumber.pattern.message', language: 'en' },
      ],
    ]);
    expect(problemsOf(checks, 'sound')).toEqual([
      [
        '/form/steps/1/fields/1/pattern/regex',
        'studio.checks.sound.problem',
        { detail: 'step property.lotNumber: the pattern is not a regular expression' },
      ],
      [
        '/form/steps/2/fields/2/min',
        'studio.checks.sound.problem',
        { detail: 'step work.floorArea: min is above max' },
      ],
      [
        '/form/steps/3/fields/1/name',
        'studio.checks.sound.problem',
        { detail: 'step contractor.startDate: the name is used twice in the form' },
      ],
    ]);
    expect(rendered(checks[6].problems)[0]).toBe(
      'Problème : step property.lotNumber: the pattern is not a regular expression',
    );
    const empty = service('sign-permit');
    empty.form.steps = [];
    expect(problemsOf(checksOf(empty), 'sound')).toEqual([
      ['/form/steps', 'studio.checks.sound.noSteps', undefined],
    ]);
    // What only the documents' schema refuses: a setting of the wrong type, an unknown one.
    const shape = service('sign-permit') as unknown as {
      form: { steps: { fields: Record<string, unknown>[] }[] };
    };
    shape.form.steps[2].fields[1].min = 'small';
    shape.form.steps[2].fields[2].colour = 'red';
    expect(problemsOf(checksOf(shape as unknown as ServiceDefinition), 'sound')).toEqual([
      ['/form/steps/2/fields/1/min', 'studio.checks.sound.problem', { detail: 'must be number' }],
      [
        '/form/steps/2/fields/2/colour',
        'studio.checks.sound.problem',
        { detail: '“colour” is not part of the format here' },
      ],
    ]);
  });

  it('never lets a broken definition pass every check', () => {
    // Each breakage the boot check reports fails at least one check.
    const breakages: ((d: ServiceDefinition) => void)[] = [
      (d) => (d.slug = 'Bad Slug'),
      (d) => (d.form.steps[1].slug = 'Property'),
      (d) => (d.form.steps[1].fields[0].name = 'Property-address'),
      (d) => (d.form.steps[2].fields = []),
      (d) => (d.form.steps[2].fields[0] as ChoiceField).options.splice(1),
      (d) => ((d.form.steps[1].fields[4] as GroupField).maxItems = 99),
      (d) => (d.form.steps[0].fields[0].only = 'citizen'),
      (d) => (d.form.rules = [{ field: 'startDate', must: 'after', other: 'startDate' } as never]),
    ];
    for (const [i, breakage] of breakages.entries()) {
      const definition = service('building-permit');
      breakage(definition);
      const checks = checksOf(definition);
      expect({ i, passes: allChecksPass(checks) }).toEqual({ i, passes: false });
      rendered(checks.flatMap((c) => c.problems)).forEach((text) =>
        expect(text).not.toMatch(/[{}]/),
      );
    }
  });
});
