import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { releaseService } from './support/applications.js';
import { htmlProblems } from './support/html-check.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/**
 * What a screen reader announces with each control of a filing step besides its
 * label: the ids its aria-describedby names, by the control's id (null: the
 * control has no aria-describedby).
 */
function describedBy(html: string): Map<string, string | null> {
  const controls = new Map<string, string | null>();
  for (const [, attributes] of html.matchAll(/<(?:input|textarea|select)\b([^>]*)>/g)) {
    const id = /\bid="([^"]*)"/.exec(attributes)?.[1];
    if (id) controls.set(id, /\baria-describedby="([^"]*)"/.exec(attributes)?.[1] ?? null);
  }
  return controls;
}

/** The aria-describedby of the fieldset whose legend reads `legend`. */
function fieldsetDescribedBy(html: string, legend: string): string | null {
  const match = new RegExp(
    `<fieldset\\b([^>]*)>\\s*<legend[^>]*>\\s*${legend.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  ).exec(html);
  if (!match) throw new Error(`no fieldset with the legend “${legend}”`);
  return /\baria-describedby="([^"]*)"/.exec(match[1])?.[1] ?? null;
}

/** Every id named by an aria-describedby of the page, and whether the page has it. */
function references(html: string): { value: string; missing: string[] }[] {
  return [...html.matchAll(/\baria-describedby="([^"]*)"/g)].map(([, value]) => ({
    value,
    missing: value.split(/\s+/).filter((id) => id === '' || !html.includes(` id="${id}"`)),
  }));
}

describe('filing steps tell screen readers about hints and errors', () => {
  let portal: TestApp;
  let db: DataSource;
  let citizen: Agent;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    citizen = await signedInAgent(portal.url, (await createPerson(db)).email);
  });
  afterAll(() => portal.close());

  async function draft(agent: Agent, variant: 'citizen' | 'business'): Promise<string> {
    const page = await agent.get(`/services/building-permit/${variant}`);
    const res = await agent
      .post(`/services/building-permit/${variant}/start`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    return res.headers.location as string;
  }

  it('describes a field by its hint, by its hint and error once wrong, and not at all without either', async () => {
    const path = `${await draft(citizen, 'citizen')}/steps/property`;
    const blank = await citizen.get(path);
    expect(blank.status).toBe(200);
    const before = describedBy(blank.text);
    expect(before.get('lotNumber')).toBe('lotNumber-hint');
    expect(blank.text).toContain('id="lotNumber-hint"');
    expect(before.get('propertyAddress-line1')).toBeNull();
    expect(fieldsetDescribedBy(blank.text, 'Êtes-vous propriétaire')).toBeNull();

    const wrong = await citizen
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(blank.text), action: 'continue', lotNumber: '12' });
    expect(wrong.status).toBe(422);
    const after = describedBy(wrong.text);
    expect(after.get('lotNumber')).toBe('lotNumber-hint lotNumber-error');
    expect(wrong.text).toContain('id="lotNumber-error"');
    expect(fieldsetDescribedBy(wrong.text, 'Êtes-vous propriétaire')).toBe(
      'applicantIsOwner-error',
    );
    expect(fieldsetDescribedBy(wrong.text, 'Adresse des travaux')).toBe('propertyAddress-error');

    for (const html of [blank.text, wrong.text]) {
      expect(references(html).filter((r) => r.missing.length > 0)).toEqual([]);
      expect(await htmlProblems(html)).toEqual([]);
    }
  });

  it('describes a date by its hint and error, on the fieldset that groups its three boxes', async () => {
    const path = `${await draft(citizen, 'citizen')}/steps/work`;
    const blank = await citizen.get(path);
    expect(fieldsetDescribedBy(blank.text, 'Date prévue de début')).toBe('startDate-hint');
    const wrong = await citizen
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(blank.text),
        action: 'continue',
        'startDate-day': '31',
        'startDate-month': '2',
        'startDate-year': '2027',
      });
    expect(wrong.status).toBe(422);
    expect(fieldsetDescribedBy(wrong.text, 'Date prévue de début')).toBe(
      'startDate-hint startDate-error',
    );
    for (const html of [blank.text, wrong.text]) {
      expect(references(html).filter((r) => r.missing.length > 0)).toEqual([]);
      expect(await htmlProblems(html)).toEqual([]);
    }
  });

  it('does the same on the business variant’s own step', async () => {
    const { agent } = await smeMember(portal.url, db);
    const path = `${await draft(agent, 'business')}/steps/business`;
    const blank = await agent.get(path);
    expect(blank.status).toBe(200);
    const before = describedBy(blank.text);
    expect(before.get('businessRbq')).toBe('businessRbq-hint');
    expect(before.get('businessNeq')).toBeNull();

    const wrong = await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(blank.text),
        action: 'continue',
        businessNeq: '12',
        businessRbq: 'pas une licence',
      });
    expect(wrong.status).toBe(422);
    const after = describedBy(wrong.text);
    expect(after.get('businessNeq')).toBe('businessNeq-error');
    expect(after.get('businessRbq')).toBe('businessRbq-hint businessRbq-error');
    for (const html of [blank.text, wrong.text]) {
      expect(references(html).filter((r) => r.missing.length > 0)).toEqual([]);
      expect(await htmlProblems(html)).toEqual([]);
    }
  });
});
