import { DataSource } from 'typeorm';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = Awaited<ReturnType<typeof signedInAgent>>;
const ORIGIN = { ip: '127.0.0.1', requestId: 'studio-robustness' };

/**
 * The studio's pages against what a draft really holds while a designer writes
 * it (blank texts, a choice without options, a group without questions, a
 * condition or rule naming a question since removed), and against odd input in
 * the URL and the forms (huge, negative or exponent numbers, repeated fields):
 * no answer is a 5xx.
 */
describe('the service studio: no input gives a 500', () => {
  let portal: TestApp;
  let db: DataSource;
  let revisions: ServiceRevisionsService;
  let actor: StaffActor;
  let agent: Agent;
  let k = 0;

  async function draftWith(document: unknown): Promise<string> {
    k += 1;
    const slug = `odd-${k}`;
    await revisions.create(
      actor,
      {
        slug,
        referencePrefix: `Z${String.fromCharCode(64 + k)}`,
        title: { fr: 'Odd', en: 'Odd' },
        department: { fr: 'D', en: 'D' },
      },
      ORIGIN,
    );
    await db.query(
      `UPDATE service_revision SET document = $1 WHERE service_slug = $2 AND number = 1`,
      [JSON.stringify({ ...(document as object), slug }), slug],
    );
    return slug;
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    revisions = portal.app.get(ServiceRevisionsService);
    const designer = await createPerson(db, { displayName: 'D' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [
      designer.id,
    ]);
    actor = { accountId: designer.id, roles: ['admin'] };
    agent = await signedInAgent(portal.url, designer.email);
  });
  afterAll(() => portal?.close());

  const PAGES = [
    '',
    '/details',
    '/steps',
    '/steps/s',
    '/steps/s/remove',
    '/steps/s/fields/new',
    '/steps/s/fields/f',
    '/steps/s/fields/f/remove',
    '/steps/s/fields/g/fields/new',
    '/rules',
    '/rules/0/remove',
    '/preview/citizen',
    '/preview/business',
    '/preview/citizen/s',
    '/preview/business/s',
    '/preview/citizen/check-your-answers',
    '/checks',
  ];
  const B = { fr: '', en: '' };
  const variant = { summary: B, useThisServiceTo: [], beforeYouStart: [] };
  const DRAFTS = {
    'half-written': {
      slug: 'x',
      referencePrefix: 'ZZ',
      title: B,
      summary: B,
      department: B,
      processingTime: B,
      fees: B,
      variants: { citizen: variant, business: variant },
      form: {
        steps: [
          {
            slug: 's',
            title: B,
            fields: [
              { type: 'text', name: 'f', label: B, pattern: { regex: '', message: B } },
              { type: 'choice', name: 'c', label: B, options: [] },
              { type: 'multiChoice', name: 'm', label: B, options: [{ value: '', label: B }] },
              { type: 'group', name: 'g', label: B, itemLabel: B, fields: [] },
              { type: 'date', name: 'd', label: B, showIf: { field: 'nope', equals: [] } },
              { type: 'number', name: 'nn', label: B, suffix: B },
            ],
          },
          { slug: 'e', title: B, fields: [], only: 'business' },
        ],
        rules: [{ field: 'd', must: 'after', other: 'gone', message: B }],
      },
    },
  };
  for (const [name, doc] of Object.entries(DRAFTS))
    it(`shows every page of a ${name} draft and takes its forms`, async () => {
      const slug = await draftWith(doc);
      const bad: string[] = [];
      for (const p of PAGES) {
        const res = await agent.get(`/staff/services/${slug}/revisions/1${p}`);
        if (res.status !== 200) bad.push(`${p} ${res.status}`);
      }
      for (const p of [
        `/staff/services/${slug}`,
        `/staff/services`,
        `/staff/services/${slug}/compare?from=1&to=1`,
        `/staff/services/${slug}/export.json`,
      ]) {
        const res = await agent.get(p);
        if (res.status !== 200) bad.push(`${p} ${res.status}`);
      }
      const page = await agent.get('/staff/services');
      const csrf = csrfFrom(page.text);
      for (const p of [
        '/details',
        '/steps',
        '/steps/s',
        '/steps/s/fields/f',
        '/rules',
        '/preview/citizen/s',
        '/steps/s/fields/new',
        '/ready',
      ]) {
        const res = await agent
          .post(`/staff/services/${slug}/revisions/1${p}`)
          .type('form')
          .send(
            `_csrf=${encodeURIComponent(csrf)}&version=1&type=text&name=zz&titleFr=a&titleEn=b&slug=t`,
          );
        if (res.status >= 500) bad.push(`POST ${p} ${res.status}`);
      }
      expect(bad).toEqual([]);
    });

  /** Documents no studio page writes (a hand-edited row, an older portal): still no 500, never released. */
  const CORRUPT: Record<string, unknown> = {
    empty: {},
    'without variants or form': { form: null, variants: null },
    'with steps not a list': { form: { steps: { a: 1 } }, variants: { citizen: {} } },
    'with a step without fields': { form: { steps: [{ slug: 's', fields: null }, null] } },
    'with texts of the wrong type': {
      title: { fr: 'T' },
      form: {
        steps: [
          {
            slug: 's',
            title: 'x',
            fields: [
              { type: 'text', name: 'f', label: { fr: '' } },
              { type: 'choice', name: 'c', label: { fr: 'c', en: 'c' } },
              { type: 'group', name: 'g', label: { fr: 'g', en: 'g' } },
              { type: 'bogus', name: 'b' },
              7,
            ],
          },
        ],
        rules: [{ field: 'd', must: 'after', other: 'gone' }],
      },
    },
  };
  for (const [name, doc] of Object.entries(CORRUPT))
    it(`shows every page of a draft ${name}, and never marks it ready`, async () => {
      const slug = await draftWith(doc);
      const base = `/staff/services/${slug}/revisions/1`;
      const bad: string[] = [];
      for (const p of [
        ...PAGES.map((page) => `${base}${page}`),
        `/staff/services/${slug}`,
        `/staff/services`,
        `/staff/services/${slug}/compare?from=1&to=1`,
        `/staff/services/${slug}/export.json`,
      ]) {
        const res = await agent.get(p);
        if (res.status >= 500) bad.push(`${p} ${res.status}`);
      }
      const csrf = csrfFrom((await agent.get('/staff/services')).text);
      for (const p of [
        '/details',
        '/steps',
        '/steps/s',
        '/steps/s/fields/f',
        '/rules',
        '/steps/s/fields/new',
        '/preview/citizen/s',
      ]) {
        const res = await agent
          .post(`${base}${p}`)
          .type('form')
          .send({ _csrf: csrf, version: '1', type: 'text', titleFr: 'a', titleEn: 'b', slug: 't' });
        if (res.status >= 500) bad.push(`POST ${p} ${res.status}`);
      }
      expect(bad).toEqual([]);
      const [{ version }] = await db.query<{ version: number }[]>(
        `SELECT version FROM service_revision WHERE service_slug = $1 AND number = 1`,
        [slug],
      );
      const ready = await agent
        .post(`${base}/ready`)
        .type('form')
        .send({ _csrf: csrf, version: String(version) });
      expect(ready.status).toBe(409);
      const [row] = await db.query<{ state: string }[]>(
        `SELECT state FROM service_revision WHERE service_slug = $1 AND number = 1`,
        [slug],
      );
      expect(row.state).toBe('draft');
    });

  it('marks the definition check’s English words lang="en" on the French checks page', async () => {
    const slug = await draftWith(DRAFTS['half-written']);
    const page = await agent
      .get(`/staff/services/${slug}/revisions/1/checks`)
      .set('Cookie', 'guichet_lang=fr');
    expect(page.status).toBe(200);
    // The repeatable group without questions: "Problème :" in French, what is wrong in English.
    expect(page.text).toMatch(/>Problème :\s<span lang="en">[^<]*g[^<]*<\/span><\/a>/);
  });

  it('names a revision by its plain digits only, on every studio page alike (1e0, 0x1 and +1 are none: 404)', async () => {
    const slug = await draftWith(DRAFTS['half-written']);
    for (const n of ['1e0', '0x1', '+1', '1.0'])
      for (const page of [
        '',
        '/details',
        '/steps',
        '/steps/s',
        '/steps/s/fields/new',
        '/steps/s/fields/f',
        '/rules',
        '/checks',
        '/preview/citizen',
      ])
        expect([
          n + page,
          (await agent.get(`/staff/services/${slug}/revisions/${n}${page}`)).status,
        ]).toEqual([n + page, 404]);
    const page = await agent.get('/staff/services');
    const ready = await agent
      .post(`/staff/services/${slug}/revisions/0x1/ready`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: '1' });
    expect(ready.status).toBe(404);
  });

  it('answers odd revision numbers, versions and repeated fields with a 4xx, never a 500', async () => {
    const good = 'good-one';
    await revisions.create(
      actor,
      {
        slug: good,
        referencePrefix: 'GQ',
        title: { fr: 'Bon', en: 'Good' },
        department: { fr: 'D', en: 'D' },
      },
      ORIGIN,
    );
    const bad: string[] = [];
    for (const n of [
      '99999999999999999999',
      '-1',
      '1e3',
      '0',
      '01',
      '1.5',
      '%20',
      '2147483648',
      'NaN',
    ]) {
      for (const p of [
        '',
        '/details',
        '/steps',
        '/steps/s',
        '/rules',
        '/checks',
        '/preview/citizen',
        '/steps/s/fields/new',
      ]) {
        const res = await agent.get(`/staff/services/${good}/revisions/${n}${p}`);
        if (res.status >= 500) bad.push(`${n}${p} ${res.status}`);
      }
      for (const q of [
        `export.json?revision=${n}`,
        `compare?from=${n}&to=1`,
        `compare?from[]=1&to=${n}`,
        `revisions/${n}/discard`,
        `revisions/${n}/withdraw`,
      ]) {
        const res = await agent.get(`/staff/services/${good}/${q}`);
        if (res.status >= 500) bad.push(`${q} ${res.status}`);
      }
    }
    const page = await agent.get('/staff/services');
    const csrf = encodeURIComponent(csrfFrom(page.text));
    const base = `/staff/services/${good}/revisions/1`;
    const bodies = [
      `version[]=1&version[]=2`,
      `version=1e3`,
      `version=99999999999999999999`,
      `version=-1`,
      `version=1&titleFr[]=a&titleEn[x]=b&slug[]=s`,
      `version=1&type[]=text&name[]=x`,
      `version=1&action[]=add`,
      `version=1&field[]=a&must[]=after&other=b`,
    ];
    for (const body of bodies)
      for (const p of [
        '/details',
        '/steps',
        '/steps/s',
        '/steps/s/fields/new',
        '/rules',
        '/ready',
        '/steps/s/move-up',
        '/steps/s/remove',
        '/rules/0/remove',
        '/rules/99999999999999/remove',
      ]) {
        const res = await agent.post(`${base}${p}`).type('form').send(`_csrf=${csrf}&${body}`);
        if (res.status >= 500) bad.push(`POST ${p} ${body} ${res.status}`);
      }
    for (const body of [`from[]=1`, `from=1e3`, `from=99999999999999999999`, `from=-1`])
      for (const p of [
        `/staff/services/${good}/drafts`,
        `${base}/discard`,
        `${base}/withdraw`,
        '/staff/services/new',
      ]) {
        const res = await agent
          .post(p)
          .type('form')
          .send(`_csrf=${csrf}&${body}&version[]=1&slug[]=a&titleFr[]=x`);
        if (res.status >= 500) bad.push(`POST ${p} ${body} ${res.status}`);
      }
    expect(bad).toEqual([]);
  });
});
