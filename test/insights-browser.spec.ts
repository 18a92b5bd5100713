import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium, screenshot, signedInPage, wcagViolations } from './support/browser.js';
import { manySmes } from './support/insights.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SLUG = 'bulky-waste-pickup';

/**
 * The insights' pages for staff (issue 16) in a real browser, in French and
 * English: the list of services, a variant's figures over the last 90 days
 * (figures drawn from fewer than 10 hidden), a period typed wrong (422, the
 * error summary, what was typed kept); each checked with axe.
 */
describe('the insights pages in a real browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let analystEmail = '';
  const pages: Page[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    browser = await launchChromium();
    const db = portal.app.get(DataSource);
    const analyst = await createPerson(db, { displayName: 'Amira Analyste' });
    analystEmail = analyst.email;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'analyst')`, [
      analyst.id,
    ]);
    // Twelve SMEs filed one application each in the last days, on the pages; one through the API.
    const smes = await manySmes(db, 13, { neqPrefix: '67', name: 'Indic' });
    for (const [i, sme] of smes.entries())
      await db.query(
        `INSERT INTO application (service_slug, variant, account_id, organization_id, answers, channel,
                                  service_revision, status, reference, created_at, submitted_at)
         VALUES ($1, 'business', $2, $3, '{}', $4, 1, 'submitted', $5,
                 now() - interval '3 days' - make_interval(mins => $6), now() - interval '3 days')`,
        [SLUG, sme.owner, sme.org, i < 12 ? 'web' : 'api', `ZZ-2026-${800000 + i}`, 10 + i],
      );
    // The business variant opened to SMEs 12 days ago: they filed in its second week (day 9).
    await db.query(
      `INSERT INTO rollout_decision (service_slug, variant, kind, from_stage, to_stage, reason, actor_type, created_at)
       VALUES ($1, 'business', 'promote', 'internal', 'sme-pilot', 'x', 'system', now() - interval '12 days')`,
      [SLUG],
    );
    await db.query(
      `INSERT INTO journey_event (occurred_at, kind, service_slug, variant, service_revision, channel, step, errors, field_errors)
       SELECT now() - interval '3 days', k.kind, $1, 'business', 1, 'web', k.step, k.errors, k.fields::jsonb
         FROM (VALUES ('step_shown', 'business', 0, NULL), ('step_completed', 'business', 0, NULL),
                      ('validation_failed', 'business', 2, '{"businessNeq": 2}')) AS k (kind, step, errors, fields),
              generate_series(1, 12)`,
      [SLUG],
    );
  });

  afterAll(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await portal?.close();
  });

  async function open(locale: 'fr' | 'en'): Promise<Page> {
    const page = await signedInPage(browser, portal.url, analystEmail, locale, {
      password: PASSWORD,
      languageCookie: true,
    });
    pages.push(page);
    return page;
  }

  for (const locale of ['fr', 'en'] as const) {
    it(`lists the services, then shows a variant's figures, in ${locale}, with no WCAG 2.1 A/AA violation`, async () => {
      const page = await open(locale);
      const list = await page.goto(`${portal.url}/staff/insights`);
      expect(list?.status()).toBe(200);
      expect(await page.getAttribute('html', 'lang')).toBe(locale);
      expect(await page.textContent('h1')).toBe(
        locale === 'fr' ? 'Indicateurs des services' : 'Service insights',
      );
      await screenshot(page, `insights-overview-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);

      await page.click(`a[href="/staff/insights/${SLUG}/business"]`);
      await page.waitForSelector('[data-table="summary"]');
      const rows = async (table: string) =>
        page.$$eval(`[data-table="${table}"] tbody tr`, (trs) =>
          trs.map((tr) =>
            [...tr.querySelectorAll('th, td')].map((c) =>
              c.textContent!.replace(/\s+/g, ' ').trim(),
            ),
          ),
        );
      const hidden = locale === 'fr' ? 'moins de 10' : 'fewer than 10';
      // 13 submitted, 12 online and 1 through the API: too few to show, and the
      // online count with it (the total, said elsewhere, would give it away).
      expect(await rows('channels')).toEqual([
        [
          locale === 'fr' ? 'Interface de programmation (API)' : 'Programming interface (API)',
          hidden,
        ],
        [locale === 'fr' ? 'En ligne (pages)' : 'Online (pages)', hidden],
      ]);
      expect((await rows('summary')).slice(0, 2)).toEqual([
        [
          locale === 'fr' ? 'Taux d’achèvement en ligne' : 'Completion rate online',
          locale === 'fr' ? '100 %' : '100%',
          locale === 'fr' ? '12 soumises sur 12 commencées' : '12 submitted of 12 started',
        ],
        [
          locale === 'fr'
            ? 'Temps médian pour remplir une demande en ligne'
            : 'Median time to complete an application online',
          '16 minutes',
          locale === 'fr' ? '12 demandes soumises' : '12 applications submitted',
        ],
      ]);
      // The week's bar, drawn on the server, its title saying what the table repeats.
      expect(await page.$$eval('[data-chart="adoption"] rect', (rects) => rects.length)).toBe(1);
      expect(await page.textContent('[data-chart="adoption"] title')).toContain(
        locale === 'fr' ? 'Diagramme à barres' : 'Bar chart',
      );
      const funnel = await rows('funnel');
      expect(funnel[0].slice(1)).toEqual(['12', '12', locale === 'fr' ? '0 %' : '0%']);
      expect(await rows('fields')).toEqual([
        locale === 'fr'
          ? ['Numéro d’entreprise du Québec (NEQ)', 'Votre entreprise', '24']
          : ['Québec enterprise number (NEQ)', 'Your business', '24'],
      ]);
      expect(await page.textContent('main')).toContain(hidden);
      await screenshot(page, `insights-service-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);

      // Each table downloads as CSV, as the page shows it.
      const href = await page.getAttribute('[data-csv="funnel"]', 'href');
      const csv = await page.context().request.get(`${portal.url}${href}`);
      expect(csv.status()).toBe(200);
      expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
      const lines = (await csv.text()).split('\r\n');
      expect(lines[0]).toBe(
        locale === 'fr'
          ? '\uFEFF"Étape","Affichée","Terminée","Abandon"'
          : '\uFEFF"Step","Shown","Completed","Drop-off"',
      );
      expect(lines[1].replace(/\s/g, ' ')).toBe(
        locale === 'fr' ? '"Votre entreprise","12","12","0 %"' : '"Your business","12","12","0%"',
      );
      expect(lines[2]).toContain(hidden);
      // The candidate against the current revision: the revision console, which analysts read.
      const revisions = await page
        .context()
        .request.get(`${portal.url}/staff/rollout/${SLUG}/revisions`);
      expect(revisions.status()).toBe(200);
      expect(await page.$(`a[href="/staff/rollout/${SLUG}/revisions"]`)).not.toBeNull();
      const wrong = await page
        .context()
        .request.get(`${portal.url}/staff/insights/${SLUG}/business/export.csv?table=people`);
      expect(wrong.status()).toBe(422);
    });

    it(`shows the SME-first comparison in ${locale}, with no WCAG 2.1 A/AA violation`, async () => {
      const page = await open(locale);
      await page.goto(`${portal.url}/staff/insights`);
      await page.click(`a[href="/staff/insights/${SLUG}/sme-first"]`);
      await page.waitForSelector('[data-table="comparison-0"]');
      const cells = await page.$$eval('[data-table="comparison-0"] tr', (trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll('th, td')].map((c) => c.textContent!.replace(/\s+/g, ' ').trim()),
        ),
      );
      const hidden = locale === 'fr' ? 'moins de 10' : 'fewer than 10';
      expect(cells[0]).toEqual(
        locale === 'fr' ? ['Indicateur', 'PME', 'Citoyens'] : ['Figure', 'SMEs', 'Residents'],
      );
      // 13 SMEs filed 13 applications; no resident did; nobody gave feedback.
      expect(cells[1]).toEqual([locale === 'fr' ? 'Déposants' : 'Filers', '13', hidden]);
      expect(cells[2].slice(1)).toEqual(['13', hidden]);
      expect(cells[3].slice(1)).toEqual([hidden, hidden]);
      expect(await page.textContent('[data-before-citizens]')).toContain(
        locale === 'fr'
          ? 'Les citoyens n’ont pas encore le service'
          : 'Residents do not have the service yet',
      );
      // The SMEs' adoption: none in the first week, all 13 by the end of the second.
      expect(
        await page.$$eval('[data-chart="adoption-business"] rect', (rects) => rects.length),
      ).toBe(2);
      expect(await page.textContent('#adoption-business-title')).toContain(
        locale === 'fr' ? 'PME : part de tous leurs déposants' : 'SMEs: share of all their filers',
      );
      const adoption = await page.$$eval('[data-table="adoption"] tr', (trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll('th, td')].map((c) => c.textContent!.replace(/\s+/g, ' ').trim()),
        ),
      );
      expect(adoption).toEqual(
        locale === 'fr'
          ? [
              ['Semaine après l’ouverture', 'PME'],
              ['Semaine 1', hidden],
              ['Semaine 2', '13 (100 %)'],
            ]
          : [
              ['Week after the opening', 'SMEs'],
              ['Week 1', hidden],
              ['Week 2', '13 (100%)'],
            ],
      );
      await screenshot(page, `insights-sme-first-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      const csv = await page
        .context()
        .request.get(`${portal.url}${await page.getAttribute('[data-csv]', 'href')}`);
      expect(csv.status()).toBe(200);
      const lines = (await csv.text()).split('\r\n');
      expect(lines[0]).toBe(
        locale === 'fr' ? '\uFEFF"Les PME et les citoyens"' : '\uFEFF"SMEs and residents"',
      );
      expect(lines[2]).toBe(
        locale === 'fr' ? `"Déposants","13","${hidden}"` : `"Filers","13","${hidden}"`,
      );
    });

    it(`refuses a period typed wrong with 422 and an error summary, keeping it, in ${locale}`, async () => {
      const page = await open(locale);
      const response = await page.goto(
        `${portal.url}/staff/insights/${SLUG}/business?from=2026-13-01&to=2026-11-30`,
      );
      expect(response?.status()).toBe(422);
      expect(await page.textContent('.govuk-error-summary')).toContain(
        locale === 'fr'
          ? 'Entrez le premier jour sous la forme année-mois-jour'
          : 'Enter the first day as year-month-day',
      );
      expect(await page.inputValue('#from')).toBe('2026-13-01');
      expect(await page.inputValue('#to')).toBe('2026-11-30');
      expect(await page.title()).toMatch(locale === 'fr' ? /^Erreur/ : /^Error/);
      expect(await page.$('[data-table="summary"]')).toBeNull();
      await screenshot(page, `insights-period-error-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
    });
  }
});
