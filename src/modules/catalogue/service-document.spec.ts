import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogueService } from './catalogue.service.js';
import { loadServiceDocuments, SERVICES_DIR } from './service-document-loader.js';
import { validateServiceDocument, type ServiceDocument } from './service-document.js';

/** A service document of the repo, parsed afresh (each test may break its own copy). */
function document(slug: string): ServiceDocument {
  return JSON.parse(readFileSync(join(SERVICES_DIR, `${slug}.json`), 'utf8')) as ServiceDocument;
}

function problemsOf(json: unknown) {
  const check = validateServiceDocument(json);
  if (check.ok) throw new Error('expected the document to be refused');
  return check.problems;
}

describe('service documents', () => {
  it('keeps every service of the repo as a valid document, listed in services/index.json', () => {
    const files = readdirSync(SERVICES_DIR).filter((f) => f !== 'index.json');
    expect(files.sort()).toEqual([
      'building-permit.json',
      'bulky-waste-pickup.json',
      'occupancy-certificate.json',
      'public-domain-occupation.json',
      'sign-permit.json',
    ]);
    for (const file of files) {
      const json = JSON.parse(readFileSync(join(SERVICES_DIR, file), 'utf8')) as ServiceDocument;
      const check = validateServiceDocument(json);
      expect({ file, problems: check.ok ? [] : check.problems }).toEqual({ file, problems: [] });
      expect(json).toMatchObject({ format: 'guichet-service', formatVersion: 1, revision: 1 });
      expect(`${json.service.slug}.json`).toBe(file);
    }
    expect(CatalogueService.of(loadServiceDocuments()).all()).toEqual(loadServiceDocuments());
  });

  it('gives the definition of a sound document', () => {
    const check = validateServiceDocument(document('sign-permit'));
    expect(check.ok && check.definition.title).toEqual({
      fr: 'Permis d’affichage',
      en: 'Sign permit',
    });
  });

  it('points at a missing or blank translation', () => {
    const json = document('building-permit');
    delete (json.service.title as Partial<typeof json.service.title>).en;
    json.service.form.steps[1].fields[0].label.fr = '  ';
    expect(problemsOf(json)).toEqual([
      { pointer: '/service/title/en', message: 'is missing' },
      { pointer: '/service/form/steps/1/fields/0/label/fr', message: 'must not be blank' },
    ]);
  });

  it('points at an unknown field type and at settings the format does not have', () => {
    const json = document('bulky-waste-pickup') as unknown as {
      service: { form: { steps: { fields: Record<string, unknown>[] }[] } };
    };
    json.service.form.steps[1].fields[0].type = 'slider';
    json.service.form.steps[1].fields[1].colour = 'red';
    const problems = problemsOf(json);
    expect(problems).toContainEqual({
      pointer: '/service/form/steps/1/fields/0/type',
      message: expect.stringContaining('must be one of: "text", "longText", "number"') as string,
    });
    expect(problems).toContainEqual({
      pointer: '/service/form/steps/1/fields/1/colour',
      message: '“colour” is not part of the format here',
    });
  });

  it('refuses files inside a repeatable group', () => {
    const json = document('building-permit');
    const otherSites = json.service.form.steps[1].fields[4] as { fields: unknown[] };
    otherSites.fields.push({ name: 'photo', type: 'file', label: { fr: 'Photo', en: 'Photo' } });
    expect(problemsOf(json)).toEqual([
      {
        pointer: '/service/form/steps/1/fields/4/fields/2/type',
        message: expect.stringMatching(/^must be one of: "text", (?!.*"file")/) as string,
      },
    ]);
  });

  it('points at settings of the wrong type and at a document of another format', () => {
    const json = document('sign-permit') as unknown as Record<string, unknown> & ServiceDocument;
    (json as { formatVersion: unknown }).formatVersion = 2;
    (json.service.form.steps[2].fields[1] as { min: unknown }).min = 'small';
    (json.service as { referencePrefix: string }).referencePrefix = 'pa';
    expect(problemsOf(json)).toEqual([
      { pointer: '/formatVersion', message: 'must be 1' },
      { pointer: '/service/referencePrefix', message: 'must match ^[A-Z]{2,4}$' },
      { pointer: '/service/form/steps/2/fields/1/min', message: 'must be number' },
    ]);
    expect(problemsOf('not a document')).toEqual([{ pointer: '', message: 'must be object' }]);
  });

  it('points at a condition naming a field the form does not have, and at repeated names', () => {
    const json = document('building-permit');
    const property = json.service.form.steps[1];
    property.fields[3].showIf = { field: 'isOwner', equals: 'no' };
    property.fields[1].name = 'propertyAddress';
    expect(problemsOf(json)).toEqual([
      {
        pointer: '/service/form/steps/1/fields/1/name',
        message: 'step property.propertyAddress: the name is used twice in the form',
      },
      {
        pointer: '/service/form/steps/1/fields/3/showIf/field',
        message: 'step property.ownerName: showIf points at isOwner, not an earlier field',
      },
    ]);
  });

  it('refuses a business variant that no longer keeps all of the citizen one', () => {
    const json = document('building-permit');
    const business = json.service.variants.business;
    business.beforeYouStart = business.beforeYouStart.slice(1);
    json.service.form.steps[0].only = 'citizen';
    expect(problemsOf(json)).toEqual([
      {
        pointer: '/service/variants/business/beforeYouStart',
        message: expect.stringMatching(
          /^business.beforeYouStart must keep every item of citizen.beforeYouStart, and lacks « le numéro de lot/,
        ) as string,
      },
      {
        pointer: '/service/form/steps/0/only',
        message: expect.stringContaining('step business: a step only for citizens') as string,
      },
    ]);
  });

  it('points at a malformed cross-field rule in the schema’s words', () => {
    const json = document('public-domain-occupation') as unknown as {
      service: { form: { rules: Record<string, unknown>[] } };
    };
    json.service.form.rules = [
      { field: 'endDate', must: 'later', other: 'startDate', message: { fr: 'Fin', en: ' ' } },
      { field: 'endDate', other: 'startDate', message: { fr: 'Fin', en: 'End' }, colour: 'red' },
    ];
    expect(problemsOf(json)).toEqual([
      {
        pointer: '/service/form/rules/0/must',
        message: 'must be one of: "after", "onOrAfter", "before", "onOrBefore"',
      },
      { pointer: '/service/form/rules/0/message/en', message: 'must not be blank' },
      { pointer: '/service/form/rules/1/must', message: 'is missing' },
      {
        pointer: '/service/form/rules/1/colour',
        message: '“colour” is not part of the format here',
      },
    ]);
  });

  it('points at cross-field rules naming fields they may not compare, and at cycles', () => {
    const json = document('public-domain-occupation');
    const message = { fr: 'Message', en: 'Message' };
    json.service.form.rules = [
      { field: 'endDate', must: 'onOrAfter', other: 'startDate', message },
      { field: 'finish', must: 'after', other: 'startDate', message },
      { field: 'endDate', must: 'after', other: 'begin', message },
      { field: 'contactName', must: 'after', other: 'startDate', message },
      { field: 'endDate', must: 'after', other: 'surfaceArea', message },
      { field: 'surfaceArea', must: 'after', other: 'surfaceArea', message },
      { field: 'surfaceArea', must: 'before', other: 'patioSeats', message },
      { field: 'parkingSpaces', must: 'after', other: 'surfaceArea', message },
      { field: 'startDate', must: 'onOrBefore', other: 'endDate', message },
    ];
    expect(problemsOf(json)).toEqual([
      {
        pointer: '/service/form/rules/1/field',
        message: 'rule finish / startDate: the form has no field finish',
      },
      {
        pointer: '/service/form/rules/2/other',
        message: 'rule endDate / begin: the form has no field begin',
      },
      {
        pointer: '/service/form/rules/3/field',
        message:
          'rule contactName / startDate: compares only dates, numbers or amounts, not a text field',
      },
      {
        pointer: '/service/form/rules/4/other',
        message: 'rule endDate / surfaceArea: compares a date field with a number field',
      },
      {
        pointer: '/service/form/rules/5/other',
        message: 'rule surfaceArea / surfaceArea: compares a field with itself',
      },
      {
        pointer: '/service/form/rules/6/other',
        message:
          'rule surfaceArea / patioSeats: patioSeats is a field the variant of surfaceArea may not have',
      },
      {
        pointer: '/service/form/rules/8',
        message: 'rules go round in a cycle: endDate → startDate → endDate',
      },
    ]);
    // A longer cycle, and a rule comparing with a later page.
    const steps = json.service.form.steps;
    steps[1].fields.push({ name: 'queueLength', type: 'number', label: message });
    steps[3].fields.push({ name: 'fee', type: 'money', label: message });
    steps[4].fields.push({ name: 'deposit', type: 'money', label: message });
    json.service.form.rules = [
      { field: 'parkingSpaces', must: 'after', other: 'surfaceArea', message },
      { field: 'surfaceArea', must: 'onOrAfter', other: 'queueLength', message },
      { field: 'queueLength', must: 'after', other: 'parkingSpaces', message },
      { field: 'fee', must: 'before', other: 'deposit', message },
    ];
    expect(problemsOf(json)).toEqual([
      {
        pointer: '/service/form/rules/3/other',
        message: 'rule fee / deposit: deposit must be on the same page as fee or an earlier one',
      },
      {
        pointer: '/service/form/rules/2',
        message:
          'rules go round in a cycle: parkingSpaces → surfaceArea → queueLength → parkingSpaces',
      },
    ]);
  });

  it('refuses files in a service filed in bulk from CSV', () => {
    const json = document('bulky-waste-pickup');
    json.service.form.steps[1].fields.push({
      name: 'photos',
      type: 'file',
      label: { fr: 'Photos', en: 'Photos' },
    });
    expect(problemsOf(json)).toEqual([
      {
        pointer: '/service/form/steps/1/fields/4/type',
        message: 'step pickup.photos: bulk filing allows no files or groups',
      },
    ]);
  });
});

describe('loading the services at boot', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'guichet-services-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(file: string, json: unknown) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), typeof json === 'string' ? json : JSON.stringify(json));
  }

  it('loads the listed documents in the order of the index', () => {
    write('index.json', { services: ['sign-permit', 'building-permit'] });
    write('sign-permit.json', document('sign-permit'));
    write('building-permit.json', document('building-permit'));
    expect(loadServiceDocuments(dir).map((d) => d.slug)).toEqual([
      'sign-permit',
      'building-permit',
    ]);
  });

  it('refuses to boot with a broken document, listing every problem with its file and pointer', () => {
    const broken = document('sign-permit');
    broken.service.fees = { fr: 'Gratuit', en: '' };
    write('index.json', { services: ['sign-permit', 'building-permit', 'pool-permit'] });
    write('sign-permit.json', broken);
    write('building-permit.json', '{ "format": ');
    write('stray.json', document('bulky-waste-pickup'));
    let message = '';
    try {
      loadServiceDocuments(dir);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^The service catalogue is invalid:/);
    expect(message).toContain('sign-permit.json /service/fees/en: must not be blank');
    expect(message).toMatch(/building-permit\.json: is not JSON/);
    expect(message).toContain('pool-permit.json: cannot be read');
    expect(message).toContain('stray.json: not listed in');
  });

  it('refuses a document whose slug is not its file name, and a reference prefix used twice', () => {
    const sign = document('sign-permit');
    sign.service.referencePrefix = 'PC';
    write('index.json', { services: ['building-permit', 'signs'] });
    write('building-permit.json', document('building-permit'));
    write('signs.json', sign);
    expect(() => loadServiceDocuments(dir)).toThrow(
      /signs\.json \/service\/slug: must be "signs", the file's name[\s\S]*\/service\/referencePrefix: PC is already another service's/,
    );
  });
});
