import type request from 'supertest';
import { DataSource } from 'typeorm';
import type { FieldDefinition } from '../src/modules/catalogue/form-schema.js';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { FIELD_TYPES } from '../src/modules/studio/field-edits.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;
const ORIGIN = { ip: '127.0.0.1', requestId: 'test' };

const versionIn = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '';

/**
 * The question editor and the rules page of a draft (issue 14), over HTTP
 * against the real app: every type added and edited, every 422 beside its
 * input with what was typed kept, the 409 of a stale draft then the second
 * save succeeding, rules added and removed, the audit, and other roles refused.
 */
describe('the service studio: questions and rules', () => {
  let portal: TestApp;
  let db: DataSource;
  let designer: Agent;
  let clerk: Agent;
  let base = '';
  let number = 0;

  const definition = async (): Promise<ServiceDefinition> => {
    const [row] = await db.query(
      `SELECT document FROM service_revision WHERE service_slug = 'building-permit' AND number = $1`,
      [number],
    );
    return row.document as ServiceDefinition;
  };
  const field = async (step: string, name: string): Promise<FieldDefinition | undefined> =>
    (await definition()).form.steps
      .find((s) => s.slug === step)
      ?.fields.find((f) => f.name === name);

  /** Posts a form shown at `page` (its CSRF token and version) to `action`. */
  async function submit(
    page: string,
    fields: Record<string, string | string[]>,
    action = page,
    lang = 'fr',
  ) {
    const shown = await designer.get(page).set('Cookie', `guichet_lang=${lang}`);
    expect(shown.status).toBe(200);
    return designer
      .post(action)
      .set('Cookie', `guichet_lang=${lang}`)
      .type('form')
      .send({ _csrf: csrfFrom(shown.text), version: versionIn(shown.text), ...fields });
  }

  async function addField(step: string, type: string): Promise<string> {
    const res = await submit(`${base}/steps/${step}/fields/new`, { type });
    expect(res.status).toBe(303);
    return decodeURIComponent(res.headers.location.split('/').pop()!);
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const person = await createPerson(db, { displayName: 'Élise Conception' });
    const clerkPerson = await createPerson(db, { displayName: 'Claude Commis' });
    await db.query(
      `INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer'), ($2, 'clerk')`,
      [person.id, clerkPerson.id],
    );
    const draft = await portal.app
      .get(ServiceRevisionsService)
      .startDraft({ accountId: person.id, roles: ['service-designer'] }, 'building-permit', ORIGIN);
    number = draft.number;
    base = `/staff/services/building-permit/revisions/${number}`;
    designer = await signedInAgent(portal.url, person.email);
    clerk = await signedInAgent(portal.url, clerkPerson.email);
  });
  afterAll(() => portal?.close());

  for (const [lang, texts] of [
    ['fr', { title: 'Quel genre de question ajouter ?', group: 'Groupe répétable' }],
    ['en', { title: 'What kind of question do you want to add?', group: 'Repeatable group' }],
  ] as const)
    it(`offers every type of question, each with a hint (${lang})`, async () => {
      const page = await designer
        .get(`${base}/steps/work/fields/new`)
        .set('Cookie', `guichet_lang=${lang}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(texts.title);
      expect(page.text).toContain(texts.group);
      expect(page.text.match(/name="type" type="radio"/g)).toHaveLength(FIELD_TYPES.length);
      expect(page.text.match(/govuk-radios__hint/g)).toHaveLength(FIELD_TYPES.length);
    });

  it('adds a question of each type at the end of the step, with a fresh key, and opens its editor', async () => {
    for (const type of FIELD_TYPES) {
      const name = await addField('work', type);
      expect(name).toMatch(new RegExp(`^${type}\\d+$`));
      const saved = await field('work', name);
      expect(saved).toMatchObject({
        name,
        type,
        label: { fr: 'Nouvelle question', en: 'New question' },
      });
      const editor = await designer.get(`${base}/steps/work/fields/${name}`);
      expect(editor.status).toBe(200);
      // A new question's key and type may still change.
      expect(editor.text).toContain(`id="name" name="name" type="text" value="${name}"`);
      expect(editor.text).toContain('id="type" name="type"');
    }
    const group = (await definition()).form.steps
      .find((s) => s.slug === 'work')!
      .fields.find((f) => f.type === 'group');
    expect(group?.type === 'group' && group.fields).toHaveLength(1);
    const names = (await definition()).form.steps.flatMap((s) => s.fields.map((f) => f.name));
    expect(new Set(names).size).toBe(names.length);
  });

  it('refuses a new question without a type (422), and an unknown step (404)', async () => {
    const res = await submit(`${base}/steps/work/fields/new`, {}, undefined, 'en');
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose the kind of question');
    expect((await designer.get(`${base}/steps/nowhere/fields/new`)).status).toBe(404);
    expect((await designer.get(`${base}/steps/work/fields/nothing`)).status).toBe(404);
  });

  it('saves a text question: its key, both languages, pattern, width, business-only and prefill', async () => {
    const name = await addField('work', 'text');
    const page = `${base}/steps/work/fields/${name}`;
    const res = await submit(page, {
      type: 'text',
      name: 'permitNumber',
      labelFr: 'Numéro du permis précédent',
      labelEn: 'Previous permit number',
      hintFr: 'Sur le permis',
      hintEn: 'On the permit',
      required: 'no',
      only: 'business',
      maxLength: '12',
      patternRegex: '^[0-9]+-[0-9]+$',
      patternMessageFr: 'Format 1234-5678',
      patternMessageEn: 'Format 1234-5678',
      width: '10',
      prefill: 'organization.neq',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${base}/steps/work/fields/permitNumber`);
    expect(await field('work', 'permitNumber')).toEqual({
      name: 'permitNumber',
      type: 'text',
      label: { fr: 'Numéro du permis précédent', en: 'Previous permit number' },
      hint: { fr: 'Sur le permis', en: 'On the permit' },
      optional: true,
      only: 'business',
      prefill: 'organization.neq',
      maxLength: 12,
      pattern: {
        regex: '^[0-9]+-[0-9]+$',
        message: { fr: 'Format 1234-5678', en: 'Format 1234-5678' },
      },
      width: '10',
    });
    const again = await designer.get(res.headers.location);
    expect(again.text).toContain('La question est enregistrée.');
    // French and English side by side, each labelled in the page's language.
    expect(again.text).toContain('<label class="govuk-label" for="labelFr">Français</label>');
    expect(again.text).toContain('<label class="govuk-label" for="labelEn">Anglais</label>');
    expect(again.text).toContain('lang="en"');
    expect(again.text).toContain('value="Previous permit number" lang="en"');
    expect(again.text).toContain('value="^[0-9]+-[0-9]+$"');
  });

  it('refuses bad settings with 422, each message beside its input, everything typed kept', async () => {
    const name = await addField('work', 'number');
    const page = `${base}/steps/work/fields/${name}`;
    const res = await submit(
      page,
      {
        type: 'number',
        labelFr: 'Hauteur',
        labelEn: 'Height',
        min: '10',
        max: '2',
        suffixFr: 'mètres',
        showIf: 'nowhere:yes',
      },
      page,
      'en',
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain('There is a problem');
    expect(res.text).toContain(
      '<a href="#min">The minimum must be less than or equal to the maximum</a>',
    );
    expect(res.text).toContain(
      'The question “nowhere” does not exist or does not come before this one',
    );
    expect(res.text).toContain('value="Height" lang="en"');
    expect(res.text).toContain('value="mètres" lang="fr"');
    expect(res.text).toContain('id="max" name="max" type="text" value="2"');
    expect((await field('work', name))?.label.fr).toBe('Nouvelle question');

    const text = await addField('work', 'text');
    const bad = await submit(`${base}/steps/work/fields/${text}`, {
      labelFr: 'Code',
      maxLength: '-3',
      patternRegex: '([a-z',
      width: '7',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Entrez un nombre entier de 1 à 200');
    expect(bad.text).toContain('Ce format n’est pas une expression régulière valide');
    expect(bad.text).toContain('Entrez le message en français');
    expect(bad.text).toContain('Choisissez une largeur de la liste');
    expect(bad.text).toContain('value="([a-z"');

    const noLabel = await submit(`${base}/steps/work/fields/${text}`, {
      labelFr: '',
      name: 'startDate',
    });
    expect(noLabel.status).toBe(422);
    expect(noLabel.text).toContain('Entrez le libellé en français');
    expect(noLabel.text).toContain('Une autre question du formulaire a déjà cette clé');
  });

  it('keeps the key and type of a question the draft started with, and says why', async () => {
    const page = `${base}/steps/work/fields/startDate`;
    const shown = await designer.get(page).set('Cookie', 'guichet_lang=en');
    expect(shown.text).toContain(
      'if the meaning of the question changes, add a new question instead',
    );
    expect(shown.text).not.toContain('id="name" name="name"');
    const before = (await field('work', 'startDate'))!;
    const res = await submit(page, {
      type: 'text',
      name: 'beginning',
      labelFr: 'Date prévue du début',
      labelEn: 'Planned start date',
      hintFr: before.hint?.fr ?? '',
      hintEn: before.hint?.en ?? '',
      dateLimit: 'notBefore',
    });
    expect(res.status).toBe(303);
    expect(await field('work', 'startDate')).toEqual({
      ...before,
      label: { fr: 'Date prévue du début', en: 'Planned start date' },
      notBefore: 'today',
      hint: before.hint,
    });
  });

  it('edits a choice: adds, moves and removes options; a condition on it', async () => {
    const name = await addField('work', 'choice');
    const page = `${base}/steps/work/fields/${name}`;
    const options = {
      labelFr: 'Type de piscine',
      labelEn: 'Kind of pool',
      'option-0-value': 'inground',
      'option-0-labelFr': 'Creusée',
      'option-0-labelEn': 'In-ground',
      'option-1-value': 'aboveGround',
      'option-1-labelFr': 'Hors terre',
      'option-1-labelEn': 'Above ground',
      'option-2-value': 'spa',
      'option-2-labelFr': 'Spa',
      'option-2-labelEn': 'Spa',
    };
    expect((await submit(page, options)).status).toBe(303);
    const values = async () => {
      const saved = await field('work', name);
      return saved?.type === 'choice' ? saved.options.map((o) => o.value) : [];
    };
    expect(await values()).toEqual(['inground', 'aboveGround', 'spa']);
    // The shown form has the three options and a blank row to add one.
    const shown = await designer.get(page);
    expect(shown.text).toContain('id="option-3-value"');
    const moved = await submit(page, { ...options, action: 'option-up-2' });
    expect(moved.status).toBe(303);
    expect(moved.headers.location).toBe(`${page}#options`);
    expect(await values()).toEqual(['inground', 'spa', 'aboveGround']);
    const removed = await submit(page, {
      ...options,
      'option-1-remove': 'yes',
      'option-3-value': 'natural',
      'option-3-labelFr': 'Naturelle',
    });
    expect(removed.status).toBe(303);
    expect(await values()).toEqual(['inground', 'spa', 'natural']);
    const twice = await submit(page, { ...options, 'option-2-value': 'inground' });
    expect(twice.status).toBe(422);
    expect(twice.text).toContain('Deux options ont cette valeur');

    // A later question is shown only for some of its answers.
    const later = await addField('work', 'longText');
    const conditional = await submit(`${base}/steps/work/fields/${later}`, {
      labelFr: 'Décrivez le spa',
      showIf: [`${name}:spa`, `${name}:natural`],
    });
    expect(conditional.status).toBe(303);
    expect((await field('work', later))?.showIf).toEqual({
      field: name,
      equals: ['spa', 'natural'],
    });
    const two = await submit(`${base}/steps/work/fields/${later}`, {
      labelFr: 'Décrivez le spa',
      showIf: [`${name}:spa`, 'treesCut:yes'],
    });
    expect(two.status).toBe(422);
    expect(two.text).toContain('Cochez des réponses d’une seule question');
  });

  it('edits a repeatable group and its own questions (no files or groups inside)', async () => {
    const group = await addField('work', 'group');
    const page = `${base}/steps/work/fields/${group}`;
    // "Save and add a question to the group": saved, then the type chooser.
    const saveAndAdd = await submit(page, {
      labelFr: 'Autres sites',
      itemLabelFr: 'site',
      action: 'add-sub',
    });
    expect(saveAndAdd.status).toBe(303);
    expect(saveAndAdd.headers.location).toBe(`${page}/fields/new`);
    expect((await field('work', group))?.label.fr).toBe('Autres sites');
    const chooser = await designer.get(`${page}/fields/new`);
    expect(chooser.status).toBe(200);
    expect(chooser.text.match(/name="type" type="radio"/g)).toHaveLength(FIELD_TYPES.length - 2);
    const refused = await submit(`${page}/fields/new`, { type: 'file' });
    expect(refused.status).toBe(422);
    const added = await submit(`${page}/fields/new`, { type: 'money' });
    expect(added.status).toBe(303);
    const sub = added.headers.location.split('/').pop()!;
    expect(added.headers.location).toBe(`${page}/fields/${sub}`);
    const saved = await submit(`${page}/fields/${sub}`, {
      labelFr: 'Valeur du site',
      labelEn: 'Value of the site',
      min: '0',
      max: '1 000 000',
    });
    expect(saved.status).toBe(303);
    const edit = await submit(page, {
      labelFr: 'Autres sites',
      labelEn: 'Other sites',
      itemLabelFr: 'site',
      itemLabelEn: 'site',
      minItems: '0',
      maxItems: '5',
      'sub-0-name': (await groupFields(group))[0],
      'sub-1-name': sub,
      action: 'sub-up-1',
    });
    expect(edit.status).toBe(303);
    const stored = await field('work', group);
    expect(stored).toMatchObject({
      itemLabel: { fr: 'site', en: 'site' },
      minItems: 0,
      maxItems: 5,
    });
    expect(stored?.type === 'group' && stored.fields[0]).toMatchObject({
      name: sub,
      type: 'money',
      label: { fr: 'Valeur du site', en: 'Value of the site' },
      min: 0,
      max: 1_000_000,
    });
    const tooMany = await submit(page, {
      labelFr: 'Autres sites',
      itemLabelFr: 'site',
      minItems: '9',
      maxItems: '60',
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.text).toContain('Entrez un nombre entier de 1 à 50');
    const empty = await submit(page, {
      labelFr: 'Autres sites',
      itemLabelFr: 'site',
      'sub-0-name': sub,
      'sub-0-remove': 'yes',
      'sub-1-name': (await groupFields(group))[1],
      'sub-1-remove': 'yes',
    });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Un groupe garde au moins une question');
  });

  async function groupFields(name: string): Promise<string[]> {
    const group = await field('work', name);
    return group?.type === 'group' ? group.fields.map((f) => f.name) : [];
  }

  it('answers a save from a stale draft with 409, keeping what was typed; saving again succeeds', async () => {
    const name = await addField('contact', 'email');
    const page = `${base}/steps/contact/fields/${name}`;
    const shown = await designer.get(page).set('Cookie', 'guichet_lang=en');
    const post = (version: string, labelFr: string) =>
      designer
        .post(page)
        .set('Cookie', 'guichet_lang=en')
        .type('form')
        .send({ _csrf: csrfFrom(shown.text), version, labelFr, labelEn: 'Other email' });
    const version = versionIn(shown.text);
    expect((await post(version, 'Premier')).status).toBe(303);
    const stale = await post(version, 'Second');
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('data-studio-conflict');
    expect(stale.text).toContain('value="Second" lang="fr"');
    expect(stale.text).toContain('value="Other email" lang="en"');
    expect(versionIn(stale.text)).toBe(String(Number(version) + 1));
    expect((await field('contact', name))?.label.fr).toBe('Premier');
    expect((await post(versionIn(stale.text), 'Second')).status).toBe(303);
    expect((await field('contact', name))?.label.fr).toBe('Second');
  });

  it('answers a stale new question or rule with 409, what was chosen kept, the next try succeeding', async () => {
    const chooser = await designer
      .get(`${base}/steps/contact/fields/new`)
      .set('Cookie', 'guichet_lang=en');
    const stale = await designer
      .post(`${base}/steps/contact/fields/new`)
      .set('Cookie', 'guichet_lang=en')
      .type('form')
      .send({ _csrf: csrfFrom(chooser.text), version: '1', type: 'phone' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('data-studio-conflict');
    expect(stale.text).toContain('value="phone" aria-describedby="type-phone-hint" checked');
    const again = await designer
      .post(`${base}/steps/contact/fields/new`)
      .type('form')
      .send({ _csrf: csrfFrom(chooser.text), version: versionIn(stale.text), type: 'phone' });
    expect(again.status).toBe(303);

    const rules = await designer.get(`${base}/rules`);
    const rule = {
      field: 'startDate',
      must: 'before',
      other: 'estimatedCost',
      messageFr: 'Avant',
      messageEn: 'Before',
    };
    const staleRule = await designer
      .post(`${base}/rules`)
      .type('form')
      .send({ _csrf: csrfFrom(rules.text), version: '1', ...rule, other: 'durationWeeks' });
    expect(staleRule.status).toBe(409);
    expect(staleRule.text).toContain('value="Avant" lang="fr"');
    expect(staleRule.text).toContain('<option value="durationWeeks" selected>');
    // Saved again after review: the kinds differ (a date and a number), 422 this time.
    const kinds = await designer
      .post(`${base}/rules`)
      .type('form')
      .send({ _csrf: csrfFrom(rules.text), version: versionIn(staleRule.text), ...rule });
    expect(kinds.status).toBe(422);
  });

  it('keeps the kind of a question another question’s condition looks at (422)', async () => {
    const page = `${base}/steps/contact/fields/contactPhone`;
    const yesNo = await addField('contact', 'yesNo');
    const later = await addField('contact', 'text');
    expect(
      (
        await submit(`${base}/steps/contact/fields/${later}`, {
          labelFr: 'Pourquoi',
          showIf: `${yesNo}:no`,
        })
      ).status,
    ).toBe(303);
    const retyped = await submit(
      `${base}/steps/contact/fields/${yesNo}`,
      { type: 'date', labelFr: 'Oui ?' },
      undefined,
      'en',
    );
    expect(retyped.status).toBe(422);
    expect(retyped.text).toContain(
      `The question “${later}” is asked only after an answer to this one`,
    );
    expect((await designer.get(page)).status).toBe(200);
  });

  it('adds and removes cross-field rules between date, number and money questions', async () => {
    const end = await addField('work', 'date');
    await submit(`${base}/steps/work/fields/${end}`, {
      labelFr: 'Date de fin',
      labelEn: 'End date',
    });
    const page = `${base}/rules`;
    const empty = await designer.get(page).set('Cookie', 'guichet_lang=en');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('No rules yet.');
    const wrong = await submit(
      page,
      { field: end, must: 'after', other: end, messageFr: 'x' },
      page,
      'en',
    );
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Choose another question than the first');
    expect(wrong.text).toContain('Enter the message in both languages');
    const kinds = await submit(page, {
      field: end,
      must: 'after',
      other: 'floorArea',
      messageFr: 'a',
      messageEn: 'b',
    });
    expect(kinds.status).toBe(422);
    expect(kinds.text).toContain('Comparez deux questions du même genre');
    const message = { messageFr: 'La fin suit le début', messageEn: 'The end follows the start' };
    const added = await submit(page, {
      field: end,
      must: 'onOrAfter',
      other: 'startDate',
      ...message,
    });
    expect(added.status).toBe(303);
    const rules = (form: ServiceDefinition['form']) => (form as { rules?: unknown[] }).rules;
    expect(rules((await definition()).form)).toEqual([
      {
        field: end,
        must: 'onOrAfter',
        other: 'startDate',
        message: { fr: message.messageFr, en: message.messageEn },
      },
    ]);
    const listed = await designer.get(page).set('Cookie', 'guichet_lang=en');
    expect(listed.text).toContain(
      '“End date” must be the same day as or after “Planned start date”',
    );
    // Removing asks to confirm first.
    const confirm = await designer.get(`${page}/0/remove`).set('Cookie', 'guichet_lang=en');
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Remove this rule?');
    expect(confirm.text).toContain(
      '“End date” must be the same day as or after “Planned start date”',
    );
    expect(versionIn(confirm.text)).toBe(versionIn(listed.text));
    expect((await designer.get(`${page}/7/remove`)).status).toBe(404);
    const stale = await designer
      .post(`${page}/0/remove`)
      .type('form')
      .send({ _csrf: csrfFrom(listed.text), version: '1' });
    expect(stale.status).toBe(409);
    const removed = await designer
      .post(`${page}/0/remove`)
      .type('form')
      .send({ _csrf: csrfFrom(listed.text), version: versionIn(listed.text) });
    expect(removed.status).toBe(303);
    expect(rules((await definition()).form)).toEqual([]);
    expect(
      (
        await designer
          .post(`${page}/0/remove`)
          .type('form')
          .send({ _csrf: csrfFrom(listed.text), version: '1' })
      ).status,
    ).toBe(404);
  });

  it('audits every change with what changed', async () => {
    const rows = await db.query(
      `SELECT after->>'what' AS what FROM audit_event
        WHERE action = 'service.draft_changed' AND entity_id = $1 ORDER BY id`,
      [`building-permit@${number}`],
    );
    const what = rows.map((r: { what: string }) => r.what);
    expect(what).toContain('new field text in step work');
    expect(what).toContain('field work.startDate');
    expect(what.some((w: string) => /^rule date\d+ onOrAfter startDate$/.test(w))).toBe(true);
    expect(what.some((w: string) => /^rule date\d+ onOrAfter startDate removed$/.test(w))).toBe(
      true,
    );
  });

  it('refuses a clerk (403), and a revision that is not a draft (409)', async () => {
    expect((await clerk.get(`${base}/steps/work/fields/startDate`)).status).toBe(403);
    expect((await clerk.get(`${base}/rules`)).status).toBe(403);
    const released = await designer.get(
      `/staff/services/building-permit/revisions/1/steps/work/fields/startDate`,
    );
    expect(released.status).toBe(409);
  });
});
