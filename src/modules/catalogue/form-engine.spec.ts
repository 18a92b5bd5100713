import fc from 'fast-check';
import {
  caseInsensitivePattern,
  EMAIL_MAX_LENGTH,
  EMAIL_PATTERN,
  PHONE_INPUT_PATTERN,
  POSTAL_CODE_PATTERN,
} from './field-rules.js';
import { StepValidator } from './form-engine.js';
import type { FormDefinition, StepDefinition } from './form-schema.js';

const label = { fr: 'Champ', en: 'Field' };

const step: StepDefinition = {
  slug: 'test',
  title: { fr: 'Essai', en: 'Test' },
  fields: [
    {
      name: 'kind',
      type: 'choice',
      label,
      options: [
        { value: 'patio', label },
        { value: 'container', label },
      ],
    },
    { name: 'alcohol', type: 'yesNo', label, showIf: { field: 'kind', equals: 'patio' } },
    { name: 'permit', type: 'text', label, showIf: { field: 'alcohol', equals: 'yes' } },
    { name: 'cost', type: 'money', label, min: 0 },
    { name: 'when', type: 'date', label, notBefore: 'today' },
    {
      name: 'sites',
      type: 'group',
      label,
      itemLabel: { fr: 'Site', en: 'Site' },
      minItems: 1,
      maxItems: 3,
      fields: [{ name: 'lot', type: 'text', label, maxLength: 7 }],
    },
    { name: 'extra', type: 'text', label, only: 'business', optional: true },
  ],
};

const nextYear = String(new Date().getUTCFullYear() + 1);
const valid = {
  kind: 'patio',
  alcohol: 'yes',
  permit: 'RACJ-1',
  cost: '1 250,50 $',
  'when-day': '1',
  'when-month': '6',
  'when-year': nextYear,
  'sites-0-lot': '1234567',
};

describe('the form engine (class-validator from a definition)', () => {
  const citizen = new StepValidator(step, 'citizen');

  it('normalizes valid input into typed answers', () => {
    const result = citizen.parse(valid, {});
    expect(result.problems).toEqual([]);
    expect(result.answers).toEqual({
      kind: 'patio',
      alcohol: 'yes',
      permit: 'RACJ-1',
      cost: 1250.5,
      when: `${nextYear}-06-01`,
      sites: [{ lot: '1234567' }],
    });
  });

  it('drops a field hidden through a chain of conditions, and does not ask for it', () => {
    const result = citizen.parse({ ...valid, kind: 'container', permit: '' }, {});
    expect(result.problems).toEqual([]);
    expect(result.answers).not.toHaveProperty('alcohol');
    expect(result.answers).not.toHaveProperty('permit');
  });

  it('reports each problem on the input to focus, in page order', () => {
    const result = citizen.parse(
      {
        kind: 'patio',
        alcohol: 'yes',
        cost: '-3',
        'when-day': '30',
        'when-month': '2',
        'when-year': nextYear,
        'sites-0-lot': '123456789',
      },
      {},
    );
    expect(result.problems.map((p) => [p.inputId, p.key])).toEqual([
      ['permit', 'form.errors.required'],
      ['cost', 'form.errors.min'],
      ['when-day', 'form.errors.date'],
      ['sites-0-lot', 'form.errors.maxLength'],
    ]);
    expect(result.problems[3].params).toMatchObject({ item: 1, max: 7 });
  });

  it('refuses a date in the past and a group with no items', () => {
    const result = citizen.parse({ ...valid, 'when-year': '2001', 'sites-0-lot': '' }, {});
    expect(result.problems.map((p) => [p.inputId, p.key])).toEqual([
      ['when-day', 'form.errors.dateNotBefore'],
      ['sites-0-lot', 'form.errors.groupMin'],
    ]);
  });

  it('gives the business variant its extra fields, and the citizen variant none of them', () => {
    const business = new StepValidator(step, 'business');
    expect(business.parse({ ...valid, extra: 'oui' }, {}).answers).toHaveProperty('extra', 'oui');
    expect(citizen.parse({ ...valid, extra: 'oui' }, {}).answers).not.toHaveProperty('extra');
  });

  it('validates a group a draft has not given a question yet (a studio preview) without throwing', () => {
    const empty = new StepValidator(
      {
        slug: 'draft',
        title: label,
        fields: [{ type: 'group', name: 'sites', label, itemLabel: label, fields: [] }],
      },
      'citizen',
    );
    expect(empty.parse({}, {}).problems.map((p) => [p.inputId, p.key])).toEqual([
      ['sites', 'form.errors.groupMin'],
    ]);
  });
});

describe('the rules the API document states (field-rules.ts) hold in the engine', () => {
  const contact = new StepValidator(
    {
      slug: 'contact',
      title: label,
      fields: [
        { name: 'email', type: 'email', label },
        { name: 'phone', type: 'phone', label },
        { name: 'address', type: 'address', label },
      ],
    },
    'business',
  );
  const matching = (pattern: string) => fc.stringMatching(new RegExp(pattern, 'u'));
  const parse = (email: string, phone: string, postalCode: string) =>
    contact.parse(
      {
        email,
        phone,
        'address-line1': '25 rue Laurier',
        'address-city': 'Gatineau',
        'address-postalCode': postalCode,
      },
      {},
    );

  it('accepts every email, phone number and postal code the document allows', () => {
    fc.assert(
      fc.property(
        matching(EMAIL_PATTERN).filter((e) => e.length <= EMAIL_MAX_LENGTH),
        matching(PHONE_INPUT_PATTERN),
        matching(caseInsensitivePattern(POSTAL_CODE_PATTERN)),
        (email, phone, postalCode) => {
          expect(parse(email, phone, postalCode).problems).toEqual([]);
        },
      ),
      { seed: 20261206, numRuns: 500 },
    );
  });

  it('refuses what the document refuses and `format: email` alone would let through', () => {
    const problems = parse('0@com', '555-0123', 'J8X 1A').problems.map((p) => p.key);
    expect(problems).toEqual(['form.errors.email', 'form.errors.phone', 'form.errors.postalCode']);
    expect(new RegExp(EMAIL_PATTERN).test('0@com')).toBe(false);
  });
});

describe('cross-field rules (form.rules)', () => {
  const endAfterStart = {
    fr: 'La date de fin doit être le jour de début ou après',
    en: 'The end date must be the start date or later',
  };
  const form: FormDefinition = {
    steps: [
      {
        slug: 'budget',
        title: label,
        fields: [
          { name: 'budget', type: 'money', label },
          { name: 'late', type: 'yesNo', label },
        ],
      },
      {
        slug: 'period',
        title: label,
        fields: [
          { name: 'start', type: 'date', label },
          { name: 'end', type: 'date', label, showIf: { field: 'late', equals: 'no' } },
          { name: 'cost', type: 'money', label, optional: true },
          { name: 'extra', type: 'date', label, only: 'business', optional: true },
        ],
      },
    ],
    rules: [
      { field: 'end', must: 'onOrAfter', other: 'start', message: endAfterStart },
      {
        field: 'cost',
        must: 'onOrBefore',
        other: 'budget',
        message: { fr: 'Au plus le budget', en: 'At most the budget' },
      },
      {
        field: 'extra',
        must: 'after',
        other: 'end',
        message: { fr: 'Après la fin', en: 'After the end' },
      },
    ],
  };
  const period = form.steps[1];
  const citizen = new StepValidator(period, 'citizen', form);
  const business = new StepValidator(period, 'business', form);
  const date = (name: string, iso: string) => {
    const [y, m, d] = iso.split('-');
    return { [`${name}-day`]: d, [`${name}-month`]: m, [`${name}-year`]: y };
  };
  const earlier = { budget: 1000, late: 'no' };

  it('reports a broken rule on its field, with the rule’s own message in both languages', () => {
    const result = citizen.parse(
      { ...date('start', '2027-06-10'), ...date('end', '2027-06-09'), cost: '1000,01' },
      earlier,
    );
    expect(result.problems.map((p) => [p.inputId, p.field, p.key, p.message])).toEqual([
      ['end-day', 'end', 'form.errors.rule', endAfterStart],
      ['cost', 'cost', 'form.errors.rule', { fr: 'Au plus le budget', en: 'At most the budget' }],
    ]);
  });

  it('accepts answers that keep the rules, boundaries included', () => {
    const result = citizen.parse(
      { ...date('start', '2027-06-10'), ...date('end', '2027-06-10'), cost: '1000' },
      earlier,
    );
    expect(result.problems).toEqual([]);
  });

  it('compares only answers that are shown, given and valid', () => {
    // end hidden by an earlier answer; cost left empty.
    const hidden = citizen.parse(
      { ...date('start', '2027-06-10'), ...date('end', '2027-06-01') },
      { ...earlier, late: 'yes' },
    );
    expect(hidden.problems).toEqual([]);
    // A date that is no date gets its own message, not the rule's.
    const invalid = citizen.parse(
      { ...date('start', '2027-06-10'), ...date('end', '2027-02-30') },
      earlier,
    );
    expect(invalid.problems.map((p) => p.key)).toEqual(['form.errors.date']);
    // Without an earlier budget, cost is compared with nothing.
    const noBudget = citizen.parse(
      { ...date('start', '2027-06-10'), ...date('end', '2027-06-10'), cost: '5000' },
      { late: 'no' },
    );
    expect(noBudget.problems).toEqual([]);
  });

  it('checks a business-only field’s rule in the business variant only', () => {
    const input = {
      ...date('start', '2027-06-10'),
      ...date('end', '2027-06-12'),
      ...date('extra', '2027-06-12'),
    };
    expect(business.parse(input, earlier).problems.map((p) => p.field)).toEqual(['extra']);
    expect(citizen.parse(input, earlier).problems).toEqual([]);
  });

  it('checks nothing without the form (a validator built from a step alone)', () => {
    const alone = new StepValidator(period, 'citizen');
    const result = alone.parse(
      { ...date('start', '2027-06-10'), ...date('end', '2027-06-09') },
      earlier,
    );
    expect(result.problems).toEqual([]);
  });
});
