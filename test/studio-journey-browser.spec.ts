import { randomBytes } from 'node:crypto';
import type { Browser, Page, Response } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { FlagsService } from '../src/platform/flags/flags.service.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { buildingPermitAnswers, pdfOfSize, releaseService } from './support/applications.js';
import { createPerson, PASSWORD, smeMember } from './support/people.js';
import { deleteFlag, eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Issue 14's "Done when", walked in Chromium as people would, once in French
 * and once in English, with no axe-core WCAG 2.1 A/AA violation on any studio
 * page: a service designer creates "Permis de piscine / Pool permit" from
 * scratch (a business-only step, a cross-field date rule), previews both
 * variants, fixes what the checks report and marks revision 1 ready; a
 * rollout manager opens the citizen variant to staff, and a staff member files
 * it; the designer changes a label, adds a question and removes one
 * (revision 2); the clerk and the applicant still see the first application
 * as it was filed, a new one gets revision 2; export then import reproduces
 * revision 2 exactly; the business variant, opened to staff too, is filed by a
 * staff member acting for their SME, its business name prefilled.
 *
 * The issue's last point, the API filing a building permit with its site
 * plan, is walked here in short (the last test); test/api-files.spec.ts has
 * every refusal.
 */
describe('the service studio, walked end to end in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  const people = { designer: '', manager: '', filer: '', clerk: '' };
  const flags: string[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    for (const [who, role, name] of [
      ['designer', 'service-designer', 'Élise Conception'],
      ['manager', 'rollout-manager', 'Martin Gagnon'],
      ['filer', 'clerk', 'Nadia Guichet'],
      ['clerk', 'clerk', 'Paul Commis'],
    ] as const) {
      const person = await createPerson(db, { displayName: name });
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        person.id,
        role,
      ]);
      people[who] = person.email;
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const flag of flags) await deleteFlag(flag).catch(() => undefined);
    await portal?.close();
  });

  const signedIn = async (email: string, locale: 'fr' | 'en') => {
    const page = await signedInPage(browser, portal.url, email, locale, {
      password: PASSWORD,
      languageCookie: true,
    });
    page.setDefaultTimeout(20_000);
    return page;
  };

  const definition = async (slug: string, n: number): Promise<ServiceDefinition> => {
    const [row] = await db.query(
      `SELECT document FROM service_revision WHERE service_slug = $1 AND number = $2`,
      [slug, n],
    );
    return row.document as ServiceDefinition;
  };

  /** Clicks what leads to another page, and returns that page's response. */
  async function follow(page: Page, selector: string): Promise<Response | null> {
    const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
    return response;
  }

  for (const [locale, prefix, t] of [
    [
      'fr',
      'PSF',
      {
        title: 'Permis de piscine',
        create: 'Créer un service',
        saveQuestion: 'main button[value="save"]:not([hidden])',
        start: 'Commencer',
        continue: 'Enregistrer et continuer',
        check: 'Vérifier et envoyer',
        submit: 'Accepter et envoyer la demande',
        pool: 'Piscine',
        business: 'Entreprise',
        address: 'Adresse de la piscine',
        newAddress: 'Adresse complète de la piscine',
        fence: 'Hauteur de la clôture (m)',
        kind: ['Type de piscine', 'Hors terre'],
        rule: 'La date de fin doit suivre la date de début',
        markReady: 'Marquer la révision prête',
        saveStep: 'Enregistrer l’étape',
        promote: 'Passer à « Interne (personnel) »',
        reason: 'Essai interne du permis de piscine',
        form: 'Formulaire',
        languages: ['Français', 'Anglais'],
      },
    ],
    [
      'en',
      'PSE',
      {
        title: 'Pool permit',
        create: 'Create a service',
        saveQuestion: 'main button[value="save"]:not([hidden])',
        start: 'Start now',
        continue: 'Save and continue',
        check: 'Check and send',
        submit: 'Accept and send the application',
        pool: 'Pool',
        business: 'Business',
        address: 'Pool address',
        newAddress: 'Full address of the pool',
        fence: 'Fence height (m)',
        kind: ['Type of pool', 'Above-ground'],
        rule: 'The end date must follow the start date',
        markReady: 'Mark the revision ready',
        saveStep: 'Save the step',
        promote: 'Move to “Internal (staff)”',
        reason: 'Internal trial of the pool permit',
        form: 'Form',
        languages: ['French', 'English'],
      },
    ],
  ] as const) {
    it(`creates, checks, releases, files, revises, exports and imports a pool permit (${locale})`, async () => {
      const slug = `pool-permit-${locale}-${randomBytes(3).toString('hex')}`;
      flags.push(`${slug}.citizen`, `${slug}.business`);
      const base = `/staff/services/${slug}/revisions`;
      const shot = async (page: Page, name: string) => {
        await screenshot(page, `studio-journey-${name}-${locale}`);
        expect(await wcagViolations(page)).toEqual([]);
      };
      const designer = await signedIn(people.designer, locale);

      // 1. Create the service from the list.
      await designer.goto(`${portal.url}/staff/services`);
      await shot(designer, 'services');
      await follow(designer, 'main a[href="/staff/services/new"]');
      expect(await designer.locator('h1').textContent()).toBe(t.create);
      await designer.fill('#slug', slug);
      await designer.fill('#referencePrefix', prefix);
      await designer.fill('#titleFr', 'Permis de piscine');
      await designer.fill('#titleEn', 'Pool permit');
      await designer.fill('#departmentFr', 'Service de l’urbanisme');
      await designer.fill('#departmentEn', 'Urban Planning Department');
      await shot(designer, 'new');
      await follow(designer, 'form[data-new-service] button[type="submit"]');
      expect(designer.url()).toBe(`${portal.url}${base}/1`);
      await shot(designer, 'revision-1');

      // The details, every text in French and English, and the start page's lists.
      await follow(designer, `a[href="${base}/1/details"]`);
      const texts: [string, string, string][] = [
        [
          'summary',
          'Déclarer une piscine avant de l’installer.',
          'Declare a pool before you install it.',
        ],
        ['processingTime', '10 jours ouvrables', '10 working days'],
        ['fees', 'Aucuns frais', 'No fee'],
        ['citizenSummary', 'Pour votre piscine à la maison.', 'For your pool at home.'],
        ['businessSummary', 'Pour la piscine de votre entreprise.', 'For your business’s pool.'],
      ];
      for (const [key, fr, en] of texts) {
        await designer.fill(`#${key}Fr`, fr);
        await designer.fill(`#${key}En`, en);
      }
      for (const [list, fr, en] of [
        [
          'useThisServiceTo',
          'déclarer une piscine creusée ou hors terre',
          'declare an in-ground or above-ground pool',
        ],
        ['beforeYouStart', 'l’adresse de la piscine', 'the pool’s address'],
      ]) {
        await follow(designer, `#${list}-shared-add`);
        await designer.fill(`#${list}-shared-0-fr`, fr);
        await designer.fill(`#${list}-shared-0-en`, en);
      }
      // Each text's two inputs are labelled in the page's language, as on every studio page.
      const labels = async (id: string) =>
        Promise.all(
          ['Fr', 'En'].map(async (lang) =>
            (await designer.locator(`label[for="${id}${lang}"]`).textContent())!.trim(),
          ),
        );
      expect(await labels('summary')).toEqual(t.languages);
      await shot(designer, 'details');
      await follow(designer, 'main form button.govuk-button[value="save"]:not([hidden])');
      expect(await designer.locator('.govuk-error-summary').count()).toBe(0);
      const details = await definition(slug, 1);
      expect(details.summary).toEqual({ fr: texts[0][1], en: texts[0][2] });
      expect(details.variants.citizen.useThisServiceTo).toHaveLength(1);
      expect(details.variants.business.beforeYouStart).toHaveLength(1);

      // 3 (early). The checks report what a new draft lacks; a problem's link leads to its fix.
      await designer.goto(`${portal.url}${base}/1/checks`);
      expect(await designer.locator('[data-check][data-passed="false"]').count()).toBeGreaterThan(
        0,
      );
      expect(await designer.locator('[data-blocked]').count()).toBe(1);
      await shot(designer, 'checks-failing');
      await follow(designer, '[data-pointer="/form/steps"] a');
      expect(designer.url()).toContain(`${base}/1/steps`);

      // The steps: "Piscine / Pool" for everyone, "Entreprise / Business" for businesses only.
      const addStep = async (step: string, fr: string, en: string) => {
        await designer.goto(`${portal.url}${base}/1/steps`);
        await designer.fill('#slug', step);
        await designer.fill('#titleFr', fr);
        await designer.fill('#titleEn', en);
        await follow(designer, `form[action="${base}/1/steps"] button[type="submit"]`);
        expect(designer.url()).toBe(`${portal.url}${base}/1/steps/${step}`);
        expect(await labels('title')).toEqual(t.languages);
      };
      const addQuestion = async (
        step: string,
        type: string,
        fr: string,
        en: string,
        extra?: () => Promise<void>,
      ): Promise<string> => {
        await designer.goto(`${portal.url}${base}/1/steps/${step}`);
        await follow(designer, '#add-field');
        await designer.check(type === 'text' ? '#type' : `#type-${type}`);
        await follow(designer, 'main button[type="submit"]');
        const name = designer.url().split('/').pop()!;
        expect(await labels('label')).toEqual(t.languages);
        await designer.fill('#labelFr', fr);
        await designer.fill('#labelEn', en);
        await extra?.();
        await follow(designer, t.saveQuestion);
        expect(await designer.locator('.govuk-error-summary').count()).toBe(0);
        return name;
      };
      await addStep('piscine', 'Piscine', 'Pool');
      await shot(designer, 'step');
      const address = await addQuestion(
        'piscine',
        'address',
        'Adresse de la piscine',
        'Pool address',
      );
      const kind = await addQuestion(
        'piscine',
        'choice',
        'Type de piscine',
        'Type of pool',
        async () => {
          for (const [value, fr, en] of [
            ['inground', 'Creusée', 'In-ground'],
            ['above', 'Hors terre', 'Above-ground'],
          ]) {
            const row = await designer
              .locator('[data-option="new"] input[id$="-value"]')
              .getAttribute('id');
            const i = row!.split('-')[1];
            await designer.fill(`#option-${i}-value`, value);
            await designer.fill(`#option-${i}-labelFr`, fr);
            await designer.fill(`#option-${i}-labelEn`, en);
            await designer.focus(`#option-${i}-labelEn`);
            await Promise.all([designer.waitForNavigation(), designer.keyboard.press('Enter')]);
            await designer.fill('#labelFr', 'Type de piscine');
            await designer.fill('#labelEn', 'Type of pool');
          }
          await shot(designer, 'question-choice');
        },
      );
      const start = await addQuestion(
        'piscine',
        'date',
        'Date de début des travaux',
        'Start date of the work',
      );
      const end = await addQuestion(
        'piscine',
        'date',
        'Date de fin des travaux',
        'End date of the work',
      );
      await addStep('entreprise', 'Entreprise', 'Business');
      await designer.check('#businessOnly');
      await follow(designer, `button:has-text("${t.saveStep}")`);
      const businessName = await addQuestion(
        'entreprise',
        'text',
        'Nom de l’entreprise',
        'Business name',
        async () => {
          await designer.selectOption('#prefill', 'organization.legalName');
          await shot(designer, 'question-prefill');
        },
      );
      await designer.goto(`${portal.url}${base}/1/steps`);
      expect(await designer.locator('tr[data-step="entreprise"] .govuk-tag').count()).toBe(1);
      await shot(designer, 'steps');

      // The cross-field rule: the end date on or after the start date.
      await designer.goto(`${portal.url}${base}/1`);
      await follow(designer, `a[href="${base}/1/rules"]`);
      await designer.selectOption('#field', end);
      await designer.selectOption('#other', start);
      await designer.check('#must-onOrAfter');
      await designer.fill('#messageFr', 'La date de fin doit suivre la date de début');
      await designer.fill('#messageEn', 'The end date must follow the start date');
      await follow(designer, 'main form button[type="submit"]');
      await shot(designer, 'rules');
      const drafted = await definition(slug, 1);
      expect(drafted.form.rules).toEqual([
        { field: end, must: 'onOrAfter', other: start, message: expect.anything() },
      ]);
      expect(drafted.form.steps.find((s) => s.slug === 'entreprise')!.only).toBe('business');
      expect(drafted.form.steps[1].fields[0]).toMatchObject({
        name: businessName,
        prefill: 'organization.legalName',
      });

      // 2. Preview both variants: the business step only for a business; the rule's 422.
      await designer.goto(`${portal.url}${base}/1`);
      await follow(designer, `a[href="${base}/1/preview/citizen"]`);
      await shot(designer, 'preview-citizen');
      await follow(designer, `main .govuk-button:has-text("${t.start}")`);
      expect(designer.url()).toBe(`${portal.url}${base}/1/preview/citizen/piscine`);
      await designer.fill(`#${address}-line1`, '12, rue des Érables');
      await designer.fill(`#${address}-city`, 'Val-des-Cèdres');
      await designer.fill(`#${address}-postalCode`, 'J8X 1A1');
      await designer.check(`input[name="${kind}"][value="inground"]`);
      for (const [field, day] of [
        [start, '20'],
        [end, '10'],
      ]) {
        await designer.fill(`#${field}-day`, day);
        await designer.fill(`#${field}-month`, '6');
        await designer.fill(`#${field}-year`, '2027');
      }
      const refused = await follow(designer, 'button[value="continue"]');
      expect(refused?.status()).toBe(422);
      expect(await designer.locator('.govuk-error-summary').textContent()).toContain(t.rule);
      await shot(designer, 'preview-rule-422');
      await designer.fill(`#${end}-day`, '30');
      await follow(designer, 'button[value="continue"]');
      expect(await designer.locator('.govuk-error-summary').count()).toBe(0);
      expect(designer.url()).not.toContain('/entreprise');
      await shot(designer, 'preview-citizen-next');
      await designer.goto(`${portal.url}${base}/1/preview/business`);
      await shot(designer, 'preview-business');
      await designer.goto(`${portal.url}${base}/1/preview/business/entreprise`);
      expect(await designer.locator(`#${businessName}`).count()).toBe(1);
      await shot(designer, 'preview-business-step');
      expect(
        (await designer.goto(`${portal.url}${base}/1/preview/citizen/entreprise`))?.status(),
      ).toBe(404);

      // The preview's link, shared with a colleague who is not a designer: the same page.
      const colleague = await signedIn(people.clerk, locale);
      const shared = await colleague.goto(`${portal.url}${base}/1/preview/business/entreprise`);
      expect(shared?.status()).toBe(200);
      expect(await colleague.locator('[data-preview-banner]').count()).toBe(1);
      expect(await colleague.locator(`#${businessName}`).count()).toBe(1);
      await shot(colleague, 'preview-shared');
      await colleague.context().close();

      // 3. The checks all pass now; mark revision 1 ready.
      await designer.goto(`${portal.url}${base}/1/checks`);
      expect(await designer.locator('[data-check][data-passed="false"]').count()).toBe(0);
      await shot(designer, 'checks-passing');
      await follow(designer, `#ready button:has-text("${t.markReady}")`);
      expect(await designer.locator('#ready-banner-title').count()).toBe(1);
      await shot(designer, 'checks-ready');

      // 4. The rollout manager opens the citizen variant to staff.
      const manager = await signedIn(people.manager, locale);
      await manager.goto(`${portal.url}/staff/rollout/${slug}/citizen`);
      await shot(manager, 'rollout-plan');
      await manager.fill('#promote-reason', t.reason);
      await follow(manager, `button:has-text("${t.promote}")`);
      expect(await manager.locator('.govuk-error-summary').count()).toBe(0);
      await shot(manager, 'rollout-internal');
      await manager.context().close();
      const flagsService = portal.app.get(FlagsService);
      await eventually(
        async () =>
          flagsService.isEnabled(`${slug}.citizen`, {
            userId: 'x',
            properties: { audience: 'citizen', staff: 'true' },
          }),
        15_000,
      );

      // A staff member files it through the ordinary applicant pages.
      const filer = await signedIn(people.filer, locale);
      const fileApplication = async (name: string) => {
        await filer.goto(`${portal.url}/services/${slug}/citizen`);
        await shot(filer, `${name}-start`);
        await follow(filer, `main .govuk-button:has-text("${t.start}")`);
        const id = /\/applications\/([0-9a-f-]{36})/.exec(filer.url())![1];
        // A one-step form starts on its step.
        expect(filer.url()).toMatch(/\/steps\/piscine$/);
        return id;
      };
      const first = await fileApplication('apply');
      expect(
        await filer.locator(`label[for="${address}-line1"], fieldset legend`).first().textContent(),
      ).toBeTruthy();
      expect(await filer.textContent('main')).toContain(t.address);
      await filer.fill(`#${address}-line1`, '12, rue des Érables');
      await filer.fill(`#${address}-city`, 'Val-des-Cèdres');
      await filer.fill(`#${address}-postalCode`, 'J8X 1A1');
      await filer.check(`input[name="${kind}"][value="above"]`);
      for (const [field, day] of [
        [start, '2'],
        [end, '1'],
      ]) {
        await filer.fill(`#${field}-day`, day);
        await filer.fill(`#${field}-month`, '7');
        await filer.fill(`#${field}-year`, '2027');
      }
      expect((await follow(filer, `button:has-text("${t.continue}")`))?.status()).toBe(422);
      expect(await filer.locator('.govuk-error-summary').textContent()).toContain(t.rule);
      await shot(filer, 'apply-rule-422');
      await filer.fill(`#${end}-day`, '20');
      await follow(filer, `button:has-text("${t.continue}")`);
      expect(await filer.locator('.govuk-error-summary').count()).toBe(0);
      // The last step leads to the answers to check (a task list first on a longer form).
      if ((await filer.locator('#declaration').count()) === 0) {
        await shot(filer, 'apply-tasks');
        await follow(filer, `a:has-text("${t.check}")`);
      }
      await shot(filer, 'apply-check');
      await filer.check('#declaration');
      await follow(filer, `button:has-text("${t.submit}")`);
      expect(filer.url()).toMatch(/\/confirmation$/);
      const reference = (await filer.textContent('#reference'))!.trim();
      expect(reference).toMatch(new RegExp(`^${prefix}-\\d{4}-\\d{6}$`));
      await shot(filer, 'apply-confirmation');

      // 5. The designer starts revision 2 from the service's page, changes a label, adds a question.
      await designer.goto(`${portal.url}/staff/services/${slug}`);
      await shot(designer, 'overview');
      await follow(designer, 'button[data-start-draft]');
      expect(designer.url()).toBe(`${portal.url}${base}/2`);
      await designer.goto(`${portal.url}${base}/2/steps/piscine`);
      await follow(designer, `a[href="${base}/2/steps/piscine/fields/${address}"]`);
      await designer.fill('#labelFr', 'Adresse complète de la piscine');
      await designer.fill('#labelEn', 'Full address of the pool');
      await follow(designer, t.saveQuestion);
      expect(await designer.locator('.govuk-error-summary').count()).toBe(0);
      await designer.goto(`${portal.url}${base}/2/steps/piscine`);
      await follow(designer, '#add-field');
      await designer.check('#type-number');
      await follow(designer, 'main button[type="submit"]');
      const fence = designer.url().split('/').pop()!;
      await designer.fill('#labelFr', 'Hauteur de la clôture (m)');
      await designer.fill('#labelEn', 'Fence height (m)');
      await follow(designer, t.saveQuestion);
      expect(await designer.locator('.govuk-error-summary').count()).toBe(0);
      // And removes the type of pool, confirmed on a page of its own.
      await designer.goto(`${portal.url}${base}/2/steps/piscine`);
      await follow(designer, `a[href="${base}/2/steps/piscine/fields/${kind}/remove"]`);
      await shot(designer, 'remove-question');
      await follow(designer, 'main form button[type="submit"]');
      expect((await definition(slug, 2)).form.steps[0].fields.map((f) => f.name)).toEqual([
        address,
        start,
        end,
        fence,
      ]);
      await designer.goto(`${portal.url}${base}/2/checks`);
      expect(await designer.locator('[data-check][data-passed="false"]').count()).toBe(0);
      await follow(designer, `#ready button:has-text("${t.markReady}")`);
      expect(await designer.locator('#ready-banner-title').count()).toBe(1);
      await shot(designer, 'checks-ready-2');

      // 6. The clerk sees the first application as it was filed: revision 1, its label.
      const clerk = await signedIn(people.clerk, locale);
      await clerk.goto(`${portal.url}/staff/applications/${first}`);
      expect(await clerk.locator('[data-service-revision="1"] dt').textContent()).toBe(t.form);
      const filed = (await clerk.textContent('main'))!;
      expect(filed).toContain(reference);
      expect(filed).toContain(t.address);
      expect(filed).not.toContain(t.newAddress);
      expect(filed).not.toContain(t.fence);
      // The question revision 2 removed is still there, with its answer.
      expect(filed).toContain(t.kind[0]);
      expect(filed).toContain(t.kind[1]);
      await shot(clerk, 'clerk-application');
      await clerk.context().close();
      // A new application gets revision 2: its new label and its new question.
      const second = await fileApplication('apply-2');
      const step = (await filer.textContent('main'))!;
      expect(step).toContain(t.newAddress);
      expect(await filer.locator(`#${fence}`).count()).toBe(1);
      expect(step).not.toContain(t.kind[0]);
      await shot(filer, 'apply-2-step');
      const [row] = await db.query(`SELECT service_revision FROM application WHERE id = $1`, [
        second,
      ]);
      expect(Number(row.service_revision)).toBe(2);
      // The applicant's receipt of the first one keeps its own labels too.
      await filer.goto(`${portal.url}/applications/${first}/receipt`);
      const receipt = (await filer.textContent('main'))!;
      expect(receipt).toContain(reference);
      expect(receipt).toContain(t.address);
      expect(receipt).not.toContain(t.newAddress);
      expect(receipt).not.toContain(t.fence);
      expect(receipt).toContain(t.kind[1]);
      await shot(filer, 'receipt-1');
      await filer.context().close();

      // 7. Export revision 2, import it: revision 3 is the same, the comparison says so.
      const exported = await designer.request.get(
        `${portal.url}/staff/services/${slug}/export.json?revision=2`,
      );
      expect(exported.status()).toBe(200);
      const document = await exported.body();
      await designer.goto(`${portal.url}/staff/services/import`);
      await designer.setInputFiles('#definition', {
        name: `${slug}.json`,
        mimeType: 'application/json',
        buffer: document,
      });
      await shot(designer, 'import');
      await follow(designer, 'main button[type="submit"]');
      expect(await designer.locator('.govuk-error-summary').count()).toBe(0);
      expect(await definition(slug, 3)).toEqual(await definition(slug, 2));
      await designer.goto(`${portal.url}/staff/services/${slug}/compare?from=2&to=3`);
      expect(await designer.locator('[data-comparison-empty]').count()).toBe(1);
      await shot(designer, 'compare');
      await designer.context().close();

      // The business variant, opened to staff too: a staff member acting for their SME
      // finds the business-only step, its business name prefilled from the SME's record.
      const opener = await signedIn(people.manager, locale);
      await opener.goto(`${portal.url}/staff/rollout/${slug}/business`);
      await opener.fill('#promote-reason', t.reason);
      await follow(opener, `button:has-text("${t.promote}")`);
      expect(await opener.locator('.govuk-error-summary').count()).toBe(0);
      await opener.context().close();
      await eventually(
        async () =>
          flagsService.isEnabled(`${slug}.business`, {
            userId: 'x',
            properties: { audience: 'business', staff: 'true' },
          }),
        15_000,
      );
      const legalName = `Piscines Tremblay ${locale} inc.`;
      const [org] = await db.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
           naics_code, contact_name, contact_email, contact_phone, verified_at)
         VALUES ($1, $2, '5 rue du Lac', 'Val-des-Cèdres', 'J8X 2B2', 4, '23', 'Nadia Guichet',
           $3, '819 555-0170', now()) RETURNING id`,
        [legalName, `11${String(Date.now()).slice(-8)}`, people.filer],
      );
      await db.query(
        `INSERT INTO organization_membership (organization_id, account_id, role)
         SELECT $1, id, 'owner' FROM account WHERE email = $2`,
        [org.id, people.filer],
      );
      const sme = await signedIn(people.filer, locale);
      await sme.goto(`${portal.url}/acting-as`);
      await sme.check(`#actingAs-${org.id}`);
      await follow(sme, 'main button[type="submit"]');
      await sme.goto(`${portal.url}/services/${slug}/business`);
      await shot(sme, 'business-start');
      await follow(sme, `main .govuk-button:has-text("${t.start}")`);
      await sme.fill(`#${address}-line1`, '5, rue du Lac');
      await sme.fill(`#${address}-city`, 'Val-des-Cèdres');
      await sme.fill(`#${address}-postalCode`, 'J8X 2B2');
      for (const [field, day] of [
        [start, '2'],
        [end, '9'],
      ]) {
        await sme.fill(`#${field}-day`, day);
        await sme.fill(`#${field}-month`, '8');
        await sme.fill(`#${field}-year`, '2027');
      }
      await sme.fill(`#${fence}`, '2');
      await follow(sme, `button:has-text("${t.continue}")`);
      expect(await sme.locator('.govuk-error-summary').count()).toBe(0);
      if ((await sme.locator(`#${businessName}`).count()) === 0)
        await follow(sme, `.govuk-task-list a:has-text("${t.business}")`);
      expect(await sme.inputValue(`#${businessName}`)).toBe(legalName);
      await shot(sme, 'business-step');
      await follow(sme, `button:has-text("${t.continue}")`);
      if ((await sme.locator('#declaration').count()) === 0)
        await follow(sme, `a:has-text("${t.check}")`);
      expect(await sme.textContent('main')).toContain(legalName);
      await sme.check('#declaration');
      await follow(sme, `button:has-text("${t.submit}")`);
      expect((await sme.textContent('#reference'))!.trim()).toMatch(
        new RegExp(`^${prefix}-\\d{4}-\\d{6}$`),
      );
      await sme.context().close();
    }, 300_000);
  }
  it('files a building permit with its site plan through the API', async () => {
    await releaseService(portal, 'building-permit');
    const sme = await smeMember(portal.url, db);
    const key = await portal.app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Logiciel de la PME', scopes: ['applications:read', 'applications:write'] },
        { ip: '127.0.0.1', requestId: 'studio-journey' },
      );
    if (!key.ok) throw new Error(`no API key: ${key.problem}`);
    const authorization = { Authorization: `Bearer ${key.token}` };
    const drafted = await fetch(`${portal.url}/api/v1/applications`, {
      method: 'POST',
      headers: { ...authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        service: 'building-permit',
        answers: buildingPermitAnswers('business'),
      }),
    });
    expect(drafted.status).toBe(201);
    const { id } = (await drafted.json()) as { id: string };
    const form = new FormData();
    form.set('question', 'sitePlan');
    form.set(
      'file',
      new Blob([new Uint8Array(pdfOfSize(1500))], { type: 'application/pdf' }),
      'plan.pdf',
    );
    const uploaded = await fetch(`${portal.url}/api/v1/applications/${id}/files`, {
      method: 'POST',
      headers: authorization,
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const submitted = await fetch(`${portal.url}/api/v1/applications/${id}/submit`, {
      method: 'POST',
      headers: authorization,
    });
    expect(submitted.status).toBe(200);
    const filed = (await submitted.json()) as { reference: string };
    expect(filed.reference).toMatch(/^PC-\d{4}-\d{6}$/);
  });
});
