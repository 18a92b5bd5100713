import type { Browser } from 'playwright-core';
import { launchChromium, wcagViolations, screenshot } from './support/browser.js';
import { allBusinessesStrategy } from '../src/modules/rollout/demo-rollout.seed.js';
import { DataSource } from 'typeorm';
import { newToken, tokenHash } from '../src/platform/security/tokens.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import {
  csrfFrom,
  eventually,
  planAllows,
  startTestApp,
  type TestApp,
  unleashAdmin,
} from './support/test-app.js';

describe('in a real browser', () => {
  let portal: TestApp;
  let browser: Browser;
  const cspViolations: string[] = [];
  /** Session cookies of SME members: one acting for the SME, one acting for themselves. */
  let smeSession = '';
  let smeOrganizationId = '';
  let adminSession = '';
  let memberAsHimself: { cookie: string; organizationId: string };
  /** An invitation to the SME, sent to an address the signed-in owner does not hold. */
  const invitationToken = newToken();

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    const owner = await smeMember(portal.url, db);
    smeSession = owner.cookie;
    smeOrganizationId = owner.organizationId;
    const admin = await createPerson(db, { displayName: 'Sylvie Admin' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [admin.id]);
    const adminAgent = await signedInAgent(portal.url, admin.email);
    adminSession = cookieOf(adminAgent, portal.url);
    const other = await smeMember(portal.url, db, { legalName: 'Toitures Laurentides ltée' });
    const page = await other.agent.get('/acting-as');
    await other.agent
      .post('/acting-as')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), actingAs: 'myself' });
    memberAsHimself = other;
    const flag = 'building-permit.business';
    await planAllows(portal, ['building-permit']);
    await unleashAdmin().replaceStrategies(flag, true, [allBusinessesStrategy(flag)]);
    await unleashAdmin().replaceStrategies('building-permit.citizen', false, []);
    const flags = portal.app.get(
      (await import('../src/platform/flags/flags.service.js')).FlagsService,
    );
    const sme = {
      userId: 'x',
      properties: { audience: 'business' as const, staff: 'false' as const },
    };
    await eventually(async () => flags.isEnabled(flag, sme));
    await db.query(
      `INSERT INTO organization_invitation (token_hash, organization_id, email, role, expires_at)
       VALUES ($1, $2, 'quelquun.dautre@exemple.ca', 'owner', now() + interval '7 days')`,
      [tokenHash(invitationToken), smeOrganizationId],
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  function cookieOf(agent: Awaited<ReturnType<typeof signedInAgent>>, url: string): string {
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

  function sessionCookie(header: string) {
    const [name, value] = header.split(/=(.*)/s);
    return { name, value, url: portal.url };
  }

  async function openPage(locale: 'fr' | 'en', audience: 'citizen' | 'business' | 'admin') {
    const context = await browser.newContext({
      locale: locale === 'fr' ? 'fr-CA' : 'en-CA',
      viewport: { width: 1100, height: 900 },
    });
    if (audience === 'business') await context.addCookies([sessionCookie(smeSession)]);
    if (audience === 'admin') await context.addCookies([sessionCookie(adminSession)]);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text()))
        cspViolations.push(message.text());
    });
    return page;
  }

  const pages = [
    {
      name: 'home',
      path: '/',
      audience: 'citizen',
      status: 200,
      heading: {
        fr: 'Services en ligne de la Ville de Val-des-Cèdres',
        en: 'City of Val-des-Cèdres online services',
      },
    },
    {
      name: 'start-business',
      path: '/services/building-permit/business',
      audience: 'business',
      status: 200,
      heading: {
        fr: 'Permis de construction ou de rénovation',
        en: 'Building or renovation permit',
      },
    },
    {
      name: 'unavailable-citizen',
      path: '/services/building-permit/citizen',
      audience: 'citizen',
      status: 403,
      heading: {
        fr: 'Ce service n’est pas encore offert pour vous',
        en: 'This service is not available to you yet',
      },
    },
    {
      name: 'acting-as',
      path: '/acting-as',
      audience: 'business',
      status: 200,
      heading: { fr: 'Pour qui agissez-vous?', en: 'Who are you acting for?' },
    },
    {
      name: 'register',
      path: '/register',
      audience: 'citizen',
      status: 200,
      heading: { fr: 'Créer un compte', en: 'Create an account' },
    },
    {
      name: 'sign-in',
      path: '/sign-in',
      audience: 'citizen',
      status: 200,
      heading: { fr: 'Se connecter', en: 'Sign in' },
    },
    {
      name: 'my-businesses',
      path: '/organizations',
      audience: 'business',
      status: 200,
      heading: { fr: 'Mes entreprises', en: 'My businesses' },
    },
    {
      name: 'register-business',
      path: '/organizations/new',
      audience: 'business',
      status: 200,
      heading: { fr: 'Inscrire une entreprise', en: 'Register a business' },
    },
    {
      name: 'business',
      path: '/organizations/:org',
      audience: 'business',
      status: 200,
      heading: { fr: 'Boulangerie du Vieux-Moulin inc.', en: 'Boulangerie du Vieux-Moulin inc.' },
    },
    {
      name: 'account',
      path: '/account',
      audience: 'business',
      status: 200,
      heading: { fr: 'Votre compte', en: 'Your account' },
    },
    {
      name: 'staff-home',
      path: '/staff',
      audience: 'admin',
      status: 200,
      heading: { fr: 'Espace du personnel', en: 'Staff area' },
    },
    {
      name: 'staff-audit',
      path: '/staff/audit',
      audience: 'admin',
      status: 200,
      heading: { fr: 'Journal d’audit', en: 'Audit log' },
    },
    {
      name: 'check-email',
      path: '/register/check-email',
      audience: 'citizen',
      status: 200,
      heading: { fr: 'Vérifiez vos courriels', en: 'Check your email' },
    },
    {
      name: 'password-reset',
      path: '/password-reset',
      audience: 'citizen',
      status: 200,
      heading: { fr: 'Réinitialiser votre mot de passe', en: 'Reset your password' },
    },
    {
      name: 'password-reset-sent',
      path: '/password-reset/check-email',
      audience: 'citizen',
      status: 200,
      heading: { fr: 'Vérifiez vos courriels', en: 'Check your email' },
    },
    {
      name: 'password-choose',
      path: '/password-reset/choose?token=from-an-email',
      audience: 'citizen',
      status: 200,
      heading: { fr: 'Choisir un nouveau mot de passe', en: 'Choose a new password' },
    },
    {
      name: 'profile',
      path: '/account/profile',
      audience: 'business',
      status: 200,
      heading: { fr: 'Modifier vos renseignements', en: 'Change your details' },
    },
    {
      name: 'change-password',
      path: '/account/password',
      audience: 'business',
      status: 200,
      heading: { fr: 'Changer votre mot de passe', en: 'Change your password' },
    },
    {
      name: 'close-account',
      path: '/account/close',
      audience: 'business',
      status: 200,
      heading: { fr: 'Fermer votre compte', en: 'Close your account' },
    },
    {
      // Each key's expiry is shown (API keys expire: issue 11).
      name: 'api-keys',
      path: '/organizations/:org/api-keys',
      audience: 'business',
      status: 200,
      heading: { fr: 'Clés d’API', en: 'API keys' },
    },
    {
      // A paging link someone edited: the page itself, with its message (400).
      name: 'staff-audit-tampered-link',
      path: '/staff/audit?after=2026-02-31T00%3A00%3A00.000Z_99999999999999999999',
      audience: 'admin',
      status: 400,
      heading: { fr: 'Journal d’audit', en: 'Audit log' },
    },
    {
      name: 'staff-people',
      path: '/staff/people',
      audience: 'admin',
      status: 200,
      heading: { fr: 'Personnel', en: 'Staff' },
    },
  ] as const;

  for (const spec of pages) {
    for (const locale of ['fr', 'en'] as const) {
      it(`renders ${spec.name} in ${locale} with no WCAG 2.1 A/AA violation`, async () => {
        const page = await openPage(locale, spec.audience);
        const path = spec.path.replace(':org', smeOrganizationId);
        const response = await page.goto(`${portal.url}${path}`);
        expect(response?.status()).toBe(spec.status);
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await page.textContent('h1')).toContain(spec.heading[locale]);
        // The stylesheet applied: the header carries the city's brand colour.
        const headerBackground = await page.$eval(
          '.govuk-generic-header',
          (el) => getComputedStyle(el).backgroundColor,
        );
        expect(headerBackground).toBe('rgb(0, 89, 79)');
        await screenshot(page, `${spec.name}-${locale}`);
        expect(await wcagViolations(page)).toEqual([]);
        await page.context().close();
      });
    }
  }

  for (const locale of ['fr', 'en'] as const) {
    it(`refuses an invitation to someone else's address on an accessible page (403) in ${locale}`, async () => {
      const page = await openPage(locale, 'business');
      // The link itself answers: the invitation is refused as soon as it is opened.
      const response = await page.goto(`${portal.url}/invitations/accept?token=${invitationToken}`);
      expect(response?.status()).toBe(403);
      expect(await page.textContent('h1')).toContain(
        locale === 'fr'
          ? 'Cette invitation ne vous est pas adressée'
          : 'This invitation is not addressed to you',
      );
      await screenshot(page, `invitation-not-addressee-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('switches language with the header link and chooses who you act for with the form', async () => {
    const page = await openPage('fr', 'citizen');
    await page.context().addCookies([sessionCookie(memberAsHimself.cookie)]);
    await page.goto(`${portal.url}/services/building-permit/business`);
    await page.click('header >> text=English');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(page.url()).toBe(`${portal.url}/services/building-permit/business`);
    await page.click('text=Change who you are acting for');
    await page.check(`#actingAs-${memberAsHimself.organizationId}`);
    await page.click('button:has-text("Continue")');
    expect(page.url()).toBe(`${portal.url}/services/building-permit/business`);
    expect(await page.textContent('h1')).toContain('Building or renovation permit');
    expect(await page.textContent('.govuk-service-navigation')).toContain(
      'On behalf of Toitures Laurentides ltée',
    );
    await page.context().close();
  });

  for (const locale of ['fr', 'en'] as const) {
    it(`re-renders the registration form with its errors (422) in ${locale}, accessibly, keeping what was typed`, async () => {
      const page = await openPage(locale, 'citizen');
      await page.goto(`${portal.url}/register`);
      await page.fill('#email', 'marie@exemple');
      await page.fill('#password', 'court');
      const [response] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith('/register') && r.request().method() === 'POST',
        ),
        page.click('form[action="/register"] button[type="submit"]'),
      ]);
      expect(response.status()).toBe(422);
      await page.waitForSelector('.govuk-error-summary');
      expect(await page.inputValue('#email')).toBe('marie@exemple');
      expect(await page.inputValue('#password')).toBe('');
      const summary = await page.textContent('.govuk-error-summary');
      expect(summary).toContain(locale === 'fr' ? 'Il y a un problème' : 'There is a problem');
      expect(summary).toContain(
        locale === 'fr' ? 'Entrez votre nom complet' : 'Enter your full name',
      );
      expect(summary).toContain(
        locale === 'fr'
          ? 'Le mot de passe doit compter au moins 10 caractères'
          : 'Password must be at least 10 characters',
      );
      await screenshot(page, `register-error-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('loads every script and stylesheet under the strict Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
