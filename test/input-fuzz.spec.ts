import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import { projectPath } from '../src/platform/project-path.js';
import {
  bulkyWastePickupAnswers,
  fileBuildingPermit,
  releaseService,
} from './support/applications.js';
import { createPerson, signedInAgent, smeMember, uniqueEmail } from './support/people.js';
import { fieldNamesIn, formsPostingTo, routesOf } from './support/routes.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;
const origin = { ip: '127.0.0.1', requestId: 'test' };
const NOBODY = '00000000-0000-4000-8000-000000000000';
/** C0 controls a browser never sends, NUL first (PostgreSQL refuses it in text). */
const CONTROLS = '\u0000\u0001\u0007\u001b\u007f';

/** The `name` of every form control in the views (a fallback when a route has no page of its own). */
function fieldNamesInViews(): string[] {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.hbs'))
        for (const match of readFileSync(path, 'utf8').matchAll(/\bname="([^"{}]+)"/g))
          if (match[1] !== '_csrf') names.add(match[1]);
    }
  };
  walk(projectPath('views'));
  return [...names];
}

const hostile = (name: string) =>
  /mail/i.test(name) ? `a@example.com${CONTROLS}` : `Valeur${CONTROLS}texte`;

/**
 * Hostile input to every route that takes a form or a JSON body, found in the
 * running portal's router (not a hand-made list), posted by people who may use
 * it, with their CSRF token, so that the handlers really read it: no answer is
 * a 5xx.
 */
describe('every form and API body, fuzzed with control characters', () => {
  let portal: TestApp;
  let db: DataSource;
  const agents: Record<string, Agent> = {};
  const ids: Record<string, string> = {};
  let apiToken = '';
  let viewNames: string[] = [];
  let citizenEmail = '';

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'bulky-waste-pickup');
    await releaseService(portal, 'building-permit');
    const citizen = await createPerson(db, { email: uniqueEmail('citizen') });
    citizenEmail = citizen.email;
    const sme = await smeMember(portal.url, db);
    const admin = await createPerson(db, { email: uniqueEmail('admin') });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [admin.id]);
    const applications = portal.app.get(ApplicationsService);
    ids.citizenDraft = (
      await applications.startDraft(
        { accountId: citizen.id, audience: 'citizen', channel: 'web' },
        'bulky-waste-pickup',
        {},
        origin,
      )
    ).application.id;
    ids.smeDraft = (
      await applications.startDraft(
        {
          accountId: sme.accountId,
          audience: 'business',
          organizationId: sme.organizationId,
          channel: 'web',
        },
        'bulky-waste-pickup',
        {},
        origin,
      )
    ).application.id;
    ids.citizenSubmitted = (
      await fileBuildingPermit(portal.app, db, { accountId: citizen.id, audience: 'citizen' })
    ).id;
    // A draft of a service for the studio's forms: they are fuzzed as a designer would post them.
    ids.studioDraft = String(
      (
        await portal.app
          .get(ServiceRevisionsService)
          .startDraft({ accountId: admin.id, roles: ['admin'] }, 'bulky-waste-pickup', origin)
      ).number,
    );
    ids.organization = sme.organizationId;
    ids.smeOwner = sme.accountId;
    [{ id: ids.feedback }] = await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id, language, kind, happened)
       VALUES ('building-permit', 'citizen', 1, 'general', 'citizen', $1, 'fr', 'praise', 'Merci') RETURNING id`,
      [citizen.id],
    );
    const created = await portal.app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Fuzz', scopes: ['applications:read', 'applications:write'] },
        origin,
      );
    if (!created.ok) throw new Error(created.problem);
    apiToken = created.token;
    agents.anonymous = request.agent(portal.url);
    agents.citizen = await signedInAgent(portal.url, citizen.email);
    agents['SME owner'] = sme.agent;
    agents.admin = await signedInAgent(portal.url, admin.email);
    viewNames = fieldNamesInViews();
  });
  afterAll(() => portal.close());

  /** An existing row's id for a staff list, or a well-formed id nobody has. */
  async function firstId(table: string): Promise<string> {
    const rows = await db.query<{ id: string }[]>(`SELECT id::text AS id FROM ${table} LIMIT 1`);
    return rows[0]?.id ?? NOBODY;
  }

  /** The concrete paths to post to for a route pattern, as `agent` would use it. */
  async function pathsFor(pattern: string, agent: string): Promise<string[]> {
    const params: Record<string, () => Promise<string[]> | string[]> = {
      slug: () => ['bulky-waste-pickup'],
      variant: () => [agent === 'SME owner' ? 'business' : 'citizen'],
      action: () => ['pause'],
      token: () => ['A'.repeat(43)],
      // The studio's pages of a step stand for all of them: its first (a question of it below).
      step: () =>
        portal.app
          .get(CatalogueService)
          .find('bulky-waste-pickup')!
          .form.steps.map((s) => s.slug)
          .slice(0, pattern.startsWith('/staff/services/') ? 1 : undefined),
      n: () => [ids.studioDraft],
      field: () => ['businessName'],
      sub: () => ['businessName'],
      index: () => ['0'],
      accountId: () => [ids.smeOwner],
      keyId: () => [NOBODY],
      cohortId: async () => [await firstId('cohort')],
      memberId: async () => [await firstId('cohort_member')],
      volunteerId: async () => [NOBODY],
      feedbackId: () => [ids.feedback],
      id: async () => {
        if (pattern.startsWith('/applications/:id/steps'))
          return [agent === 'SME owner' ? ids.smeDraft : ids.citizenDraft];
        if (pattern.startsWith('/applications/') || pattern.startsWith('/staff/applications/'))
          return [ids.citizenSubmitted];
        if (pattern.startsWith('/api/')) return [ids.smeDraft];
        if (pattern.startsWith('/organizations/')) return [ids.organization];
        if (pattern.startsWith('/staff/feedback/')) return [ids.feedback];
        if (pattern.startsWith('/staff/cohorts/')) return [await firstId('cohort')];
        if (pattern.startsWith('/staff/faq/')) return [await firstId('faq_entry')];
        if (pattern.startsWith('/staff/acceptance/'))
          return [await firstId('acceptance_criterion')];
        return [NOBODY];
      },
    };
    let paths = [pattern];
    for (const [, name] of pattern.matchAll(/:(\w+)/g)) {
      const values = params[name] ? await params[name]() : [NOBODY];
      paths = paths.flatMap((p) => values.map((v) => p.replace(`:${name}`, v)));
    }
    return paths;
  }

  /**
   * The form's field names and a CSRF token: the forms posting to `path` on the
   * page at that address or its parent's (`/staff/feedback/:id` for `…/notes`),
   * else every control of the page at the address, else every view's.
   */
  async function formOf(agent: Agent, path: string, signedIn: boolean) {
    const read = async (at: string) => {
      const page = await agent.get(at);
      return page.status === 200 && page.type === 'text/html' ? page.text : '';
    };
    let html = await read(path);
    let forms = formsPostingTo(html, path);
    for (let parent = path; forms.length === 0 && parent.lastIndexOf('/') > 0;) {
      parent = parent.slice(0, parent.lastIndexOf('/'));
      const page = await read(parent);
      forms = formsPostingTo(page, path);
      if (forms.length > 0) html = page;
      if (path.split('/').length - parent.split('/').length >= 2) break;
    }
    const names =
      forms.length > 0 ? fieldNamesIn(forms.map((f) => f.html).join('')) : fieldNamesIn(html);
    let tokenPage = html;
    if (!tokenPage.includes('name="_csrf"') && signedIn)
      tokenPage = (await agent.get('/account/profile')).text;
    // Signed out by an earlier post (sign-out, closing the account): the sign-in form's token.
    if (!tokenPage.includes('name="_csrf"')) tokenPage = (await agent.get('/sign-in')).text;
    return {
      names: names.length > 0 ? names : viewNames,
      multipart:
        forms.length > 0 ? forms.some((f) => f.multipart) : html.includes('multipart/form-data'),
      csrf: csrfFrom(tokenPage),
    };
  }

  /** Routes that end the session come last, so that the others are posted signed in. */
  const lastly = (path: string) =>
    path === '/sign-out' ? 2 : /sign-in|account\/close|acting-as|register/.test(path) ? 1 : 0;

  it('keeps a password reset and a filing step working when a NUL is typed', async () => {
    const anonymous = request.agent(portal.url);
    const csrf = csrfFrom((await anonymous.get('/password-reset')).text);
    const reset = await anonymous
      .post('/password-reset')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&email=a%40example.com%00`);
    expect(reset.status).toBeLessThan(500);
    expect(reset.status).not.toBe(422);

    const citizen = await signedInAgent(portal.url, citizenEmail);
    const step = `/applications/${ids.citizenDraft}/steps/pickup`;
    const page = await citizen.get(step);
    expect(page.status).toBe(200);
    const res = await citizen
      .post(step)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), 'pickupAddress-line1': '12, rue des Érables\u0000' });
    // The rest of the step is missing: it shows again, with what was typed, cleaned.
    expect(res.status).toBe(422);
    expect(res.text).toContain('value="12, rue des Érables"');
  });

  /** Who posts to a route when only one does: the person it is for. */
  const ownerOf = (path: string): string =>
    path.startsWith('/staff/')
      ? 'admin'
      : /^\/(organizations|pilot)|\/business\//.test(path)
        ? 'SME owner'
        : /^\/(sign-in|register|password-reset|invitations)/.test(path)
          ? 'anonymous'
          : 'citizen';

  it('refuses 100 kB in any text field of any form by its length: 413 or the field’s message, never a 5xx', async () => {
    const big = 'a'.repeat(100 * 1024);
    const routes = routesOf(portal.app)
      .filter((r) => r.methods.includes('POST') && !r.path.startsWith('/api/'))
      .map((r) => r.path)
      .filter((path) => path !== '/sign-out');
    const wrong: string[] = [];
    let refused = 0;
    for (const route of routes) {
      const who = ownerOf(route);
      const agent = agents[who];
      for (const path of await pathsFor(route, who)) {
        const form = await formOf(agent, path, who !== 'anonymous');
        // A urlencoded body is refused whole by the parser, whichever field
        // carries the text: one post a form. A multipart form's fields are read
        // one by one, each against its own limit: one post a field.
        for (const name of form.multipart ? form.names : form.names.slice(0, 1)) {
          const post = form.multipart
            ? agent.post(path).field('_csrf', form.csrf).field(name, big)
            : agent
                .post(path)
                .type('form')
                .send({ _csrf: form.csrf, [name]: big });
          const res = await post;
          refused++;
          // 413: the body is over the parser's limit (100 kB). 422: a field over
          // its own limit, named on the page (a multipart field over 64 kB is unreadable).
          const byLength =
            res.status === 413 ||
            (res.status === 422 && /caractères|pas pu être lu|ne peut pas être lu/.test(res.text));
          if (!byLength) wrong.push(`${who} POST ${path} ${name}: ${res.status}`);
        }
      }
    }
    expect(refused).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  }, 600_000);

  it('refuses 100 kB in any text of an API body by its length: 413 in JSON, never a 5xx', async () => {
    const big = 'a'.repeat(100 * 1024);
    const answers = bulkyWastePickupAnswers();
    const paths: string[] = [];
    for (const route of routesOf(portal.app).filter(
      (r) => r.methods.includes('POST') && r.path.startsWith('/api/'),
    ))
      paths.push(...(await pathsFor(route.path, 'SME owner')));
    const texts = Object.entries(answers).flatMap(([name, value]) =>
      typeof value === 'string'
        ? [{ ...answers, [name]: big }]
        : typeof value === 'object' && value !== null && !Array.isArray(value)
          ? Object.keys(value).map((part) => ({ ...answers, [name]: { ...value, [part]: big } }))
          : [],
    );
    const bodies = [
      { service: big, answers },
      ...texts.map((a) => ({ service: 'bulky-waste-pickup', answers: a })),
    ];
    const wrong: string[] = [];
    for (const path of paths)
      for (const body of bodies) {
        const res = await request(portal.url)
          .post(path)
          .set('Authorization', `Bearer ${apiToken}`)
          .send(body);
        if (res.status !== 413 || res.body.code !== 'payload_too_large')
          wrong.push(`POST ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 80)}`);
      }
    expect(wrong).toEqual([]);
  });

  it('answers every HTML form post with control characters without a 5xx, its handler reached', async () => {
    const routes = routesOf(portal.app)
      .filter((r) => r.methods.includes('POST') && !r.path.startsWith('/api/'))
      .map((r) => r.path)
      .sort((a, b) => lastly(a) - lastly(b) || a.length - b.length);
    expect(routes.length).toBeGreaterThan(50);
    const failures: string[] = [];
    const unreached: string[] = [];
    for (const route of routes) {
      let reached = false;
      for (const [who, agent] of Object.entries(agents)) {
        for (const path of await pathsFor(route, who)) {
          const form = await formOf(agent, path, who !== 'anonymous');
          const fields = Object.fromEntries(form.names.map((n) => [n, hostile(n)]));
          const posts = [
            () =>
              agent
                .post(path)
                .type('form')
                .send({ _csrf: form.csrf, ...fields }),
          ];
          if (form.multipart)
            posts.push(() => {
              const post = agent.post(path).field('_csrf', form.csrf);
              for (const [name, value] of Object.entries(fields)) post.field(name, value);
              return post;
            });
          for (const post of posts) {
            const res = await post();
            if (res.status >= 500) failures.push(`${who} POST ${path}: ${res.status}`);
            if (process.env.FUZZ_DEBUG) process.stderr.write(`${who} ${path} ${res.status}\n`);
            if (!(res.status === 403 && res.text.includes('Cette page a expiré'))) reached = true;
          }
        }
      }
      if (!reached) unreached.push(route);
    }
    expect(failures).toEqual([]);
    expect(unreached).toEqual([]);
  }, 600_000);

  it('answers every JSON API body with control characters without a 5xx', async () => {
    const routes = routesOf(portal.app)
      .filter((r) => r.methods.includes('POST') && r.path.startsWith('/api/'))
      .map((r) => r.path);
    expect(routes.length).toBeGreaterThan(0);
    const withControls = (value: unknown): unknown =>
      typeof value === 'string'
        ? `${value}${CONTROLS}`
        : Array.isArray(value)
          ? value.map(withControls)
          : typeof value === 'object' && value !== null
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withControls(v)]))
            : value;
    const bodies = [
      { service: 'bulky-waste-pickup', answers: withControls(bulkyWastePickupAnswers()) },
      { service: `bulky-waste-pickup${CONTROLS}`, answers: bulkyWastePickupAnswers() },
      { service: 'bulky-waste-pickup', answers: { [`contactName${CONTROLS}`]: 'x' } },
    ];
    const failures: string[] = [];
    for (const route of routes) {
      for (const path of await pathsFor(route, 'SME owner')) {
        for (const body of bodies) {
          const res = await request(portal.url)
            .post(path)
            .set('Authorization', `Bearer ${apiToken}`)
            .set('Idempotency-Key', `fuzz-${Math.random()}`)
            .send(body);
          if (res.status >= 500) failures.push(`POST ${path}: ${res.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
