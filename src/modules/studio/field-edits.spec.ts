import type {
  FieldDefinition,
  FormDefinition,
  GroupField,
  StepDefinition,
} from '../catalogue/form-schema.js';
import {
  addField,
  addRule,
  conditionCandidates,
  editorAction,
  FIELD_TYPES,
  fieldValues,
  locate,
  newField,
  newFieldName,
  parseField,
  parseRule,
  readFieldForm,
  removeRule,
  replaceField,
  rulesOf,
  valueFrom,
  type FieldPath,
} from './field-edits.js';

const label = (fr: string) => ({ fr, en: `${fr} (en)` });

function form(): FormDefinition {
  const steps: StepDefinition[] = [
    {
      slug: 'pool',
      title: label('Piscine'),
      fields: [
        { name: 'hasPool', type: 'yesNo', label: label('Piscine ?') },
        {
          name: 'kind',
          type: 'choice',
          label: label('Genre'),
          only: 'business',
          options: [
            { value: 'inground', label: label('Creusée') },
            { value: 'spa', label: label('Spa') },
          ],
        },
        { name: 'start', type: 'date', label: label('Début') },
      ],
    },
    {
      slug: 'work',
      title: label('Travaux'),
      fields: [
        { name: 'end', type: 'date', label: label('Fin') },
        {
          name: 'depth',
          type: 'number',
          label: label('Profondeur'),
          showIf: { field: 'hasPool', equals: 'yes' },
        },
        {
          name: 'sites',
          type: 'group',
          label: label('Sites'),
          itemLabel: label('site'),
          fields: [{ name: 'siteName', type: 'text', label: label('Nom') }],
        },
      ],
    },
  ];
  return { steps };
}

const at = (f: FormDefinition, path: FieldPath) => locate(f, path)!;

/** Every type's settings as the editor shows them, parsed back: the same question. */
const samples: FieldDefinition[] = [
  {
    name: 'code',
    type: 'text',
    label: label('Code'),
    hint: label('Aide'),
    optional: true,
    only: 'business',
    prefill: 'organization.neq',
    maxLength: 12,
    pattern: { regex: '^[0-9]+$', message: label('Chiffres') },
    width: '10',
    showIf: { field: 'hasPool', equals: 'yes' },
  },
  { name: 'story', type: 'longText', label: label('Récit'), maxLength: 800 },
  {
    name: 'height',
    type: 'number',
    label: label('Hauteur'),
    min: -2.5,
    max: 10,
    integer: true,
    suffix: label('m'),
  },
  { name: 'cost', type: 'money', label: label('Coût'), min: 0, max: 99.95 },
  { name: 'when', type: 'date', label: label('Quand'), notAfter: 'today' },
  { name: 'agree', type: 'yesNo', label: label('Accord') },
  {
    name: 'colour',
    type: 'multiChoice',
    label: label('Couleur'),
    options: [
      { value: 'blue', label: label('Bleu'), hint: label('Ciel') },
      { value: 'red', label: label('Rouge') },
    ],
    showIf: { field: 'kind', equals: ['inground', 'spa'] },
    only: 'business',
  },
  { name: 'where', type: 'address', label: label('Où'), prefill: 'organization.address' },
  { name: 'mail', type: 'email', label: label('Courriel'), prefill: 'account.email' },
  { name: 'tel', type: 'phone', label: label('Téléphone') },
  { name: 'plans', type: 'file', label: label('Plans'), maxFiles: 3 },
];

describe('field edits', () => {
  it('reads every type’s settings back into the same question', () => {
    for (const sample of samples) {
      const f = form();
      f.steps[1].fields.push(sample);
      const path = { step: 'work', field: sample.name };
      const parsed = parseField(fieldValues(sample), {
        form: f,
        located: at(f, path),
        isNew: false,
      });
      expect(parsed).toEqual({ ok: true, field: sample });
    }
  });

  it('reads a group’s settings, its questions kept, moved and removed', () => {
    const f = form();
    const group = f.steps[1].fields[2] as GroupField;
    group.fields.push({ name: 'siteValue', type: 'money', label: label('Valeur') });
    const path = { step: 'work', field: 'sites' };
    const values = { ...fieldValues(group), minItems: '1', maxItems: '4' };
    const same = parseField(values, { form: f, located: at(f, path), isNew: false });
    expect(same.ok && same.field).toEqual({ ...group, minItems: 1, maxItems: 4 });
    const moved = parseField(
      { ...values, action: 'sub-down-0' },
      { form: f, located: at(f, path), isNew: false },
    );
    expect(
      moved.ok && moved.field.type === 'group' && moved.field.fields.map((x) => x.name),
    ).toEqual(['siteValue', 'siteName']);
    const removed = parseField(
      { ...values, 'sub-0-remove': 'yes' },
      { form: f, located: at(f, path), isNew: false },
    );
    expect(
      removed.ok && removed.field.type === 'group' && removed.field.fields.map((x) => x.name),
    ).toEqual(['siteValue']);
    const none = parseField(
      { ...values, 'sub-0-remove': 'yes', 'sub-1-remove': 'yes' },
      { form: f, located: at(f, path), isNew: false },
    );
    expect(none.ok || none.problems.map((p) => p.message)).toEqual([
      'studioFields.errors.groupEmpty',
    ]);
  });

  it('adds, moves and removes options', () => {
    const f = form();
    const path = { step: 'pool', field: 'kind' };
    const values = {
      ...fieldValues(at(f, path).field),
      'option-2-value': 'natural',
      'option-2-labelFr': 'Naturelle',
    };
    const added = parseField(values, { form: f, located: at(f, path), isNew: false });
    const options = (r: typeof added) =>
      r.ok && r.field.type === 'choice' ? r.field.options.map((o) => o.value) : r;
    expect(options(added)).toEqual(['inground', 'spa', 'natural']);
    expect(
      options(
        parseField(
          { ...values, action: 'option-up-2' },
          { form: f, located: at(f, path), isNew: false },
        ),
      ),
    ).toEqual(['inground', 'natural', 'spa']);
    expect(
      options(
        parseField(
          { ...values, 'option-0-remove': 'yes' },
          { form: f, located: at(f, path), isNew: false },
        ),
      ),
    ).toEqual(['spa', 'natural']);
  });

  it('gives new questions fresh lower-camel-case keys, unique in the whole form', () => {
    const f = form();
    expect(newFieldName(f, 'text')).toBe('text1');
    const added = addField(f, 'work', 'text')!;
    expect(added.name).toBe('text1');
    expect(newFieldName(added.form, 'text')).toBe('text2');
    for (const type of FIELD_TYPES) {
      const field = newField(added.form, type);
      expect(field.name).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(field.type).toBe(type);
    }
    // A new group holds one question of its own, with a key of its own too.
    const group = newField(added.form, 'group') as GroupField;
    expect(group.fields).toHaveLength(1);
    expect(group.fields[0].name).not.toBe(group.name);
    // A group takes no files and no groups.
    expect(addField(f, 'work', 'file', 'sites')).toBeUndefined();
    expect(addField(f, 'work', 'date', 'sites')!.name).toBe('date1');
    expect(addField(f, 'nowhere', 'date')).toBeUndefined();
  });

  it('renames a new question, and the conditions and rules that name it', () => {
    const f = addRule(form(), {
      field: 'end',
      must: 'after',
      other: 'start',
      message: label('Après'),
    });
    const path = { step: 'pool', field: 'hasPool' };
    const parsed = parseField(
      { ...fieldValues(at(f, path).field), name: 'poolAtHome' },
      { form: f, located: at(f, path), isNew: true },
    );
    expect(parsed.ok).toBe(true);
    const renamed = replaceField(f, path, parsed.ok ? parsed.field : (undefined as never));
    expect(locate(renamed, { step: 'work', field: 'depth' })!.field.showIf).toEqual({
      field: 'poolAtHome',
      equals: 'yes',
    });
    const dates = replaceField(
      f,
      { step: 'pool', field: 'start' },
      { ...at(f, { step: 'pool', field: 'start' }).field, name: 'begin' },
    );
    expect(rulesOf(dates)[0]).toMatchObject({ field: 'end', other: 'begin' });
  });

  it('keeps the key and type of a question the draft started with', () => {
    const f = form();
    const path = { step: 'work', field: 'end' };
    const parsed = parseField(
      { ...fieldValues(at(f, path).field), name: 'finish', type: 'text' },
      { form: f, located: at(f, path), isNew: false },
    );
    expect(parsed.ok && parsed.field).toMatchObject({ name: 'end', type: 'date' });
  });

  it('changes the type of a new question, a group getting a first question', () => {
    const f = form();
    const path = { step: 'work', field: 'end' };
    const parsed = parseField(
      { ...fieldValues(at(f, path).field), type: 'group' },
      { form: f, located: at(f, path), isNew: true },
    );
    expect(parsed.ok && parsed.field.type === 'group' && parsed.field.fields).toHaveLength(1);
  });

  it('lists every problem at once, beside its input', () => {
    const f = form();
    const path = { step: 'work', field: 'depth' };
    const problems = (values: Record<string, string>, isNew = true) => {
      const parsed = parseField(
        { labelFr: 'x', ...values },
        { form: f, located: at(f, path), isNew },
      );
      return parsed.ok
        ? []
        : parsed.problems.map((p) => `${p.field} ${p.message.split('.').pop()}`);
    };
    expect(
      problems({ labelFr: '', name: 'Bad name', min: '5', max: '1', showIf: 'ghost:yes' }),
    ).toEqual([
      'name nameFormat',
      'labelFr labelMissing',
      'min minAboveMax',
      'showIf conditionUnknown',
    ]);
    expect(problems({ name: 'end' })).toEqual(['name nameTaken']);
    expect(problems({ name: 'new' })).toEqual(['name nameTaken']);
    expect(problems({ min: 'douze', max: '1e3' })).toEqual(['min number', 'max number']);
    expect(problems({ showIf: 'hasPool:maybe' })).toEqual(['showIf conditionAnswerUnknown']);
    expect(problems({ showIf: 'hasPool:yes\nkind:spa' })).toEqual(['showIf conditionOneQuestion']);
    // A condition on a business-only question needs this one business-only too.
    expect(problems({ showIf: 'kind:spa' })).toEqual(['showIf conditionBusinessOnly']);
    expect(problems({ showIf: 'kind:spa', only: 'business' })).toEqual([]);
    expect(problems({ prefill: 'organization.address' })).toEqual(['prefill prefillType']);
    const text = { step: 'work', field: 'sites', sub: 'siteName' };
    const textProblems = parseField(
      { labelFr: 'Nom', maxLength: '0', patternRegex: '(', patternMessageEn: 'x', width: '11' },
      { form: f, located: at(f, text), isNew: false },
    );
    expect(textProblems.ok || textProblems.problems.map((p) => p.field)).toEqual([
      'maxLength',
      'patternRegex',
      'patternMessageFr',
      'width',
    ]);
    const slow = parseField(
      {
        labelFr: 'Nom',
        patternRegex: '^([a-z]+ ?)+$',
        patternMessageFr: 'x',
        patternMessageEn: 'x',
      },
      { form: f, located: at(f, text), isNew: false },
    );
    expect(slow.ok || slow.problems.map((p) => `${p.field} ${p.message}`)).toEqual([
      'patternRegex studioFields.errors.patternSlow',
    ]);
  });

  it('offers conditions on earlier yes/no and choice questions only', () => {
    const names = conditionCandidates(form(), 'work', 'depth').map((c) => c.field.name);
    expect(names).toEqual(['hasPool', 'kind']);
    expect(conditionCandidates(form(), 'pool', 'hasPool').map((c) => c.field.name)).toEqual([
      'kind',
    ]);
  });

  it('reads only the editor’s own inputs from a body, the condition’s boxes joined', () => {
    expect(
      readFieldForm({
        labelFr: '  Nom ',
        showIf: ['a:yes', 'a:no'],
        'option-3-value': 'x',
        'option-99-value': 'y',
        evil: 'z',
        maxLength: ['1', '2'],
      }),
    ).toEqual({ labelFr: 'Nom', showIf: 'a:yes\na:no', 'option-3-value': 'x' });
    expect(editorAction({ action: 'option-down-4' })).toEqual({
      kind: 'move',
      list: 'option',
      direction: 'down',
      index: 4,
    });
    expect(editorAction({ action: 'anything' })).toEqual({ kind: 'save' });
    expect(editorAction({ action: 'add-sub' })).toEqual({ kind: 'addSub' });
  });

  it('adds and removes cross-field rules between questions of one kind', () => {
    const f = form();
    const message = { messageFr: 'Après', messageEn: 'After' };
    const good = parseRule({ field: 'end', must: 'after', other: 'start', ...message }, f);
    expect(good).toEqual({
      ok: true,
      rule: { field: 'end', must: 'after', other: 'start', message: { fr: 'Après', en: 'After' } },
    });
    const bad = parseRule({ field: 'end', must: 'later', other: 'depth', messageFr: 'x' }, f);
    expect(bad.ok || bad.problems.map((p) => `${p.field} ${p.message.split('.').pop()}`)).toEqual([
      'must ruleComparison',
      'other ruleKinds',
      'messageEn ruleMessageMissing',
    ]);
    const later = parseRule({ field: 'start', must: 'before', other: 'end', ...message }, f);
    expect(
      later.ok || later.problems.map((p) => `${p.field} ${p.message.split('.').pop()}`),
    ).toEqual(['other ruleOtherLater']);
    const same = parseRule({ field: 'end', must: 'after', other: 'end', ...message }, f);
    expect(same.ok || same.problems.map((p) => p.field)).toEqual(['other']);
    const withRule = addRule(f, good.ok ? good.rule : (undefined as never));
    const twice = parseRule({ field: 'end', must: 'after', other: 'start', ...message }, withRule);
    expect(twice.ok || twice.problems.map((p) => p.message)).toEqual([
      'studioFields.errors.ruleTwice',
    ]);
    expect(rulesOf(removeRule(withRule, 0)!)).toEqual([]);
    expect(removeRule(withRule, 1)).toBeUndefined();
  });

  it('makes a new option’s value from its French label, unique among the options', () => {
    expect(valueFrom('Hors terre', new Set())).toBe('horsTerre');
    expect(valueFrom('Élément  à   démolir!', new Set())).toBe('elementADemolir');
    expect(valueFrom('3 étages', new Set())).toBe('option3Etages');
    expect(valueFrom('Spa', new Set(['spa', 'spa2']))).toBe('spa3');
    const f = form();
    const path = { step: 'pool', field: 'kind' };
    const parsed = parseField(
      { ...fieldValues(at(f, path).field), 'option-2-labelFr': 'Hors terre' },
      { form: f, located: at(f, path), isNew: false },
    );
    expect(parsed.ok && parsed.field.type === 'choice' && parsed.field.options[2].value).toBe(
      'horsTerre',
    );
  });

  it('keeps what another question’s condition or a rule relies on', () => {
    const f = form();
    // depth is shown after hasPool = yes: hasPool stays a yes/no or a choice.
    const pool = { step: 'pool', field: 'hasPool' };
    const retyped = parseField(
      { ...fieldValues(at(f, pool).field), type: 'text' },
      { form: f, located: at(f, pool), isNew: true },
    );
    expect(retyped.ok || retyped.problems.map((p) => p.message)).toEqual([
      'studioFields.errors.typeInCondition',
    ]);
    // An answer a condition looks for stays an option.
    const g = form();
    g.steps[1].fields.push({
      name: 'spaDepth',
      type: 'number',
      label: label('Profondeur du spa'),
      only: 'business',
      showIf: { field: 'kind', equals: 'spa' },
    });
    const kind = { step: 'pool', field: 'kind' };
    const removed = parseField(
      { ...fieldValues(at(g, kind).field), 'option-1-remove': 'yes' },
      { form: g, located: at(g, kind), isNew: false },
    );
    expect(removed.ok || removed.problems).toEqual([
      {
        field: 'option-1-remove',
        message: 'studioFields.errors.optionInUse',
        params: { value: 'spa', question: 'spaDepth' },
      },
    ]);
    // A date a rule compares stays a date.
    const h = addRule(form(), {
      field: 'end',
      must: 'after',
      other: 'start',
      message: label('Après'),
    });
    const start = { step: 'pool', field: 'start' };
    const text = parseField(
      { ...fieldValues(at(h, start).field), type: 'number' },
      { form: h, located: at(h, start), isNew: true },
    );
    expect(text.ok || text.problems.map((p) => p.message)).toEqual([
      'studioFields.errors.typeInRule',
    ]);
  });
});
