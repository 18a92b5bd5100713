import type { Browser } from 'playwright-core';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { launchChromium, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** The session cookie of a supertest agent, as "name=value". */
function cookieOf(agent: Agent, url: string): string {
  const jar = (
    agent as unknown as {
      jar: { getCookie(n: string, a: object): { toValueString(): string } | undefined };
    }
  ).jar;
  const cookie = jar.getCookie('guichet_session', {
    domain: new URL(url).hostname,
    path: '/',
    secure: false,
    script: false,
  });
  if (!cookie) throw new Error('no session cookie');
  return cookie.toValueString();
}

describe('the cohort and pilot pages in a real browser', () => {
  let portal: TestApp;
  let browser: Browser;
  const sessions: Record<'manager' | 'owner' | 'anonymous', string> = {
    manager: '',
    owner: '',
    anonymous: '',
  };
  let cohortId = '';
  let invitationPath = '';
  const cspViolations: string[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    const person = await createPerson(db, { displayName: 'Rosalie Déploiement' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      person.id,
    ]);
    const manager = await signedInAgent(portal.url, person.email);
    sessions.manager = cookieOf(manager, portal.url);
    const post = async (path: string, fields: Record<string, string>, from = path) =>
      manager
        .post(path)
        .type('form')
        .send({ _csrf: csrfFrom((await manager.get(from)).text), ...fields });

    const owner = await smeMember(portal.url, db, { legalName: 'Café du Parvis inc.' });
    sessions.owner = owner.cookie;
    const [ownerRow] = await db.query(
      `SELECT account.email, organization.neq FROM account, organization
        WHERE account.id = $1 AND organization.id = $2`,
      [owner.accountId, owner.organizationId],
    );
    const leaving = await smeMember(portal.url, db, { legalName: 'Imprimerie Nord' });
    const [leavingRow] = await db.query(`SELECT neq FROM organization WHERE id = $1`, [
      leaving.organizationId,
    ]);

    // A cohort with an active SME (invited by NEQ, accepted), an SME removed with a reason,
    // and an invitation by email still pending; attached to a plan.
    const created = await post('/staff/cohorts/new', {
      name: 'Pilote terrasses 2026',
      slug: '',
      description: 'Restaurants et cafés du centre-ville.\nPermis de terrasse saisonnier.',
      audience: 'business',
    });
    cohortId = /([0-9a-f-]{36})$/.exec(created.headers.location)![1];
    await db.query(
      `INSERT INTO rollout_plan (service_slug, variant) VALUES ('public-domain-occupation', 'business')
       ON CONFLICT DO NOTHING`,
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id)
       VALUES ('public-domain-occupation', 'business', $1)`,
      [cohortId],
    );
    const cohortPage = `/staff/cohorts/${cohortId}`;
    await post(`${cohortPage}/invitations/neq`, { neq: ownerRow.neq }, cohortPage);
    const link = async (cohort: string) => {
      let path = '';
      await eventually(async () => {
        const mail = (await mailFor(ownerRow.email))
          .filter((m) => m.subject.includes(cohort))
          .pop();
        const match = mail && /(\/pilot\/invitations\/[A-Za-z0-9_-]+)/.exec(mail.text);
        path = match?.[1] ?? '';
        return Boolean(match);
      }, 10_000);
      return path;
    };
    const first = await link('Pilote terrasses 2026');
    const page = await owner.agent.get(first);
    await owner.agent
      .post(`${first}/accept`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), terms: 'accepted' });
    await manager
      .post(`${cohortPage}/import`)
      .field('_csrf', csrfFrom((await manager.get(cohortPage)).text))
      .attach('membersFile', Buffer.from(`neq\n${leavingRow.neq}\n`), 'membres.csv');
    const [leavingMember] = await db.query(
      `SELECT id FROM cohort_member WHERE cohort_id = $1 AND organization_id = $2`,
      [cohortId, leaving.organizationId],
    );
    await post(`${cohortPage}/members/${leavingMember.id}/remove`, {
      reason: 'Fermé pour rénovations jusqu’en septembre',
    });
    await post(`${cohortPage}/invitations/email`, { email: 'gerante@bistro.exemple' }, cohortPage);

    // A second cohort whose invitation the owner has not answered yet.
    const second = await post('/staff/cohorts/new', {
      name: 'Pilote enseignes',
      slug: '',
      description: 'Permis d’enseigne pour les commerces.',
      audience: 'business',
    });
    const secondPage = `/staff/cohorts/${/([0-9a-f-]{36})$/.exec(second.headers.location)![1]}`;
    await post(`${secondPage}/invitations/neq`, { neq: ownerRow.neq }, secondPage);
    invitationPath = await link('Pilote enseignes');

    // A volunteer waiting for a decision.
    const volunteer = await smeMember(portal.url, db, { legalName: 'Atelier Boisé' });
    const pilot = await volunteer.agent.get('/pilot');
    await volunteer.agent
      .post('/pilot/volunteer')
      .type('form')
      .send({
        _csrf: csrfFrom(pilot.text),
        message: 'Intéressés par les permis de terrasse.',
        terms: 'accepted',
      });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  async function openPage(locale: 'fr' | 'en', who: keyof typeof sessions) {
    const context = await browser.newContext({
      locale: locale === 'fr' ? 'fr-CA' : 'en-CA',
      viewport: { width: 1100, height: 900 },
    });
    if (sessions[who]) {
      const [name, value] = sessions[who].split(/=(.*)/s);
      await context.addCookies([{ name, value, url: portal.url }]);
    }
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text()))
        cspViolations.push(message.text());
    });
    return page;
  }

  const pages = [
    {
      name: 'staff-cohorts',
      path: () => '/staff/cohorts',
      who: 'manager',
      heading: { fr: 'Cohortes', en: 'Cohorts' },
      shows: { fr: 'Pilote terrasses 2026', en: 'Pilote terrasses 2026' },
    },
    {
      name: 'staff-cohort',
      path: () => `/staff/cohorts/${cohortId}`,
      who: 'manager',
      heading: { fr: 'Pilote terrasses 2026', en: 'Pilote terrasses 2026' },
      shows: {
        fr: 'Fermé pour rénovations jusqu’en septembre',
        en: 'public-domain-occupation.business',
      },
    },
    {
      name: 'staff-cohort-new',
      path: () => '/staff/cohorts/new',
      who: 'manager',
      heading: { fr: 'Créer une cohorte', en: 'Create a cohort' },
      shows: { fr: 'Public de la cohorte', en: 'Cohort audience' },
    },
    {
      name: 'staff-volunteers',
      path: () => '/staff/cohorts/volunteers',
      who: 'manager',
      heading: { fr: 'PME volontaires', en: 'Volunteer SMEs' },
      shows: { fr: 'Atelier Boisé', en: 'Atelier Boisé' },
    },
    {
      name: 'pilot-invitation',
      path: () => invitationPath,
      who: 'owner',
      heading: { fr: 'Invitation au programme pilote', en: 'Invitation to the pilot programme' },
      shows: { fr: 'J’accepte les conditions du programme pilote', en: 'I accept the pilot terms' },
    },
    {
      name: 'pilot',
      path: () => '/pilot',
      who: 'owner',
      heading: { fr: 'Rejoindre le programme pilote', en: 'Join the pilot programme' },
      shows: { fr: 'Pilote terrasses 2026', en: 'Why SMEs first' },
    },
    {
      name: 'pilot-anonymous',
      path: () => '/pilot',
      who: 'anonymous',
      heading: { fr: 'Rejoindre le programme pilote', en: 'Join the pilot programme' },
      shows: { fr: 'Se connecter', en: 'Sign in' },
    },
    {
      name: 'pilot-withdraw',
      path: () => `/pilot/cohorts/${cohortId}/withdraw`,
      who: 'owner',
      heading: { fr: 'Se retirer du programme pilote', en: 'Withdraw from the pilot programme' },
      shows: { fr: 'Café du Parvis inc. quittera', en: 'Café du Parvis inc. will leave' },
    },
  ] as const;

  for (const spec of pages) {
    for (const locale of ['fr', 'en'] as const) {
      it(`renders ${spec.name} in ${locale} with no WCAG 2.1 A/AA violation`, async () => {
        const page = await openPage(locale, spec.who);
        const response = await page.goto(`${portal.url}${spec.path()}`);
        expect(response?.status()).toBe(200);
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await page.textContent('h1')).toContain(spec.heading[locale]);
        expect(await page.textContent('main')).toContain(spec.shows[locale]);
        await screenshot(page, `cohorts-${spec.name}-${locale}`);
        expect(await wcagViolations(page)).toEqual([]);
        await page.context().close();
      });
    }
  }

  for (const locale of ['fr', 'en'] as const) {
    it(`refuses the invitation without the terms (422) in ${locale}, accessibly`, async () => {
      const page = await openPage(locale, 'owner');
      await page.goto(`${portal.url}${invitationPath}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/accept') && r.request().method() === 'POST'),
        page.click('form[action$="/accept"] button[type="submit"]'),
      ]);
      expect(response.status()).toBe(422);
      await page.waitForSelector('.govuk-error-summary');
      expect(await page.textContent('.govuk-error-summary')).toContain(
        locale === 'fr'
          ? 'Cochez la case pour accepter les conditions du programme pilote'
          : 'Select the box to accept the pilot terms',
      );
      await screenshot(page, `cohorts-pilot-invitation-error-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('loads every script and stylesheet under the strict Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
