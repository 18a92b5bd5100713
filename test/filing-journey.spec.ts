import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { bulkyWastePickupAnswers, inAMonth, PDF, releaseService } from './support/applications.js';
import { launchChromium, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

const [year, month, day] = inAMonth()
  .split('-')
  .map((part) => String(Number(part)));

/**
 * Issue 4's "Done when", in a real browser: an SME files a building permit with
 * an attachment, a citizen files the shorter variant; a clerk requests
 * information, the SME answers, the clerk approves; the SME receives each
 * email; the SME's owner makes an API key and files through the API with it.
 */
describe('filing and processing an application, in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  let smeId = '';
  const owner = { email: uniqueEmail('journey-sme'), id: '' };
  const resident = { email: uniqueEmail('journey-resident'), id: '' };
  const clerk = { email: uniqueEmail('journey-clerk'), id: '' };
  let smeReference = '';

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    await releaseService(portal, 'bulky-waste-pickup');
    owner.id = (await createPerson(db, { email: owner.email, displayName: 'Marc Bélanger' })).id;
    resident.id = (await createPerson(db, { email: resident.email, displayName: 'Léa Roy' })).id;
    clerk.id = (await createPerson(db, { email: clerk.email, displayName: 'Sophie Côté' })).id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone)
       VALUES ('Rénovations Bélanger inc.', $1, '200, rue Notre-Dame', 'Val-des-Cèdres', 'J8X 3C3', 9, '23',
         'Marc Bélanger', $2, '819 555-0142') RETURNING id`,
      [`11${String(Date.now()).slice(-8)}`, owner.email],
    );
    smeId = org.id as string;
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [smeId, owner.id],
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  async function signedIn(email: string): Promise<Page> {
    const context = await browser.newContext({
      locale: 'fr-CA',
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${portal.url}/sign-in`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('main button:has-text("Se connecter")');
    await page.waitForLoadState();
    return page;
  }

  /** A screenshot to look at, and axe-core's WCAG 2.1 A/AA rules, on each page shown. */
  async function shot(page: Page, name: string) {
    await screenshot(page, `filing-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  async function continueTo(page: Page) {
    await page.click('button:has-text("Enregistrer et continuer")');
    await page.waitForLoadState();
    expect(await page.locator('.govuk-error-summary').count()).toBe(0);
  }

  async function taskFor(page: Page, title: string) {
    await page.click(`.govuk-task-list a:has-text("${title}")`);
    await page.waitForLoadState();
  }

  async function fillCommonSteps(page: Page) {
    await taskFor(page, 'La propriété');
    await page.click('button:has-text("Enregistrer et continuer")');
    await page.waitForLoadState();
    expect(await page.locator('.govuk-error-summary').count()).toBe(1);
    await shot(page, 'step-errors');
    await page.fill('#propertyAddress-line1', '12, rue des Érables');
    await page.fill('#propertyAddress-city', 'Val-des-Cèdres');
    await page.fill('#propertyAddress-postalCode', 'J8X 1A1');
    await page.fill('#lotNumber', '1 234 567');
    await page.check('#applicantIsOwner');
    await continueTo(page);

    await taskFor(page, 'Les travaux');
    await page.check('input[name="workType"][value="renovation"]');
    await page.fill('#workDescription', 'Remplacement des fenêtres de la façade.');
    await page.fill('#estimatedCost', '18 500');
    await page.fill('#startDate-day', day);
    await page.fill('#startDate-month', month);
    await page.fill('#startDate-year', year);
    await page.fill('#durationWeeks', '6');
    await page.check('input[name="treesCut"][value="no"]');
    await continueTo(page);

    await taskFor(page, 'Qui fera les travaux');
    await page.check('input[name="doneBy"][value="self"]');
    // The contractor's questions only show for a contractor.
    expect(await page.isVisible('#contractorName')).toBe(false);
    await continueTo(page);

    await taskFor(page, 'Les documents');
    await page.setInputFiles('#sitePlan', {
      name: 'plan-implantation.pdf',
      mimeType: 'application/pdf',
      buffer: PDF,
    });
    await page.click('button[value="upload:sitePlan"]');
    await page.waitForLoadState();
    await shot(page, 'upload');
    expect(await page.textContent('main')).toContain('plan-implantation.pdf');
    await continueTo(page);

    await taskFor(page, 'Vos coordonnées');
    await page.fill('#contactPhone', '819 555-0101');
    await continueTo(page);
  }

  async function submit(page: Page, name: string): Promise<string> {
    await page.click('a:has-text("Vérifier et envoyer")');
    await page.waitForLoadState();
    await shot(page, `${name}-check`);
    await page.check('#declaration');
    await page.click('button:has-text("Accepter et envoyer la demande")');
    await page.waitForURL('**/confirmation');
    await shot(page, `${name}-confirmation`);
    return (await page.textContent('#reference'))!.trim();
  }

  it('files a building permit as an SME, with an attachment', async () => {
    const page = await signedIn(owner.email);
    await page.goto(`${portal.url}/acting-as`);
    await page.check(`#actingAs-${smeId}`);
    await page.click('main button[type="submit"]');
    await page.goto(`${portal.url}/services/building-permit/business`);
    await page.click('button:has-text("Commencer")');
    await page.waitForLoadState();
    await shot(page, 'sme-task-list');
    await taskFor(page, 'Votre entreprise');
    expect(await page.inputValue('#businessName')).toBe('Rénovations Bélanger inc.');
    await continueTo(page);
    await fillCommonSteps(page);
    smeReference = await submit(page, 'sme');
    expect(smeReference).toMatch(/^PC-\d{4}-\d{6}$/);
    await page.click('a:has-text("Voir et imprimer l’accusé de réception")');
    await page.waitForLoadState();
    expect(await page.textContent('main')).toContain(smeReference);
    await shot(page, 'sme-receipt');
    await page.goto(`${portal.url}/applications`);
    expect(await page.textContent('main')).toContain(smeReference);
    await shot(page, 'sme-my-applications');
  });

  it('files the shorter citizen variant as a resident', async () => {
    const page = await signedIn(resident.email);
    await page.goto(`${portal.url}/services/building-permit/citizen`);
    await page.click('button:has-text("Commencer")');
    await page.waitForLoadState();
    expect(await page.textContent('main')).not.toContain('Votre entreprise');
    await fillCommonSteps(page);
    expect(await submit(page, 'citizen')).toMatch(/^PC-\d{4}-\d{6}$/);
    // The resident may withdraw before a decision.
    await page.click('a:has-text("Suivre votre demande")');
    await page.click('a:has-text("Retirer la demande")');
    await page.waitForLoadState();
    await shot(page, 'citizen-withdraw');
    await page.click('button:has-text("Retirer la demande")');
    await page.waitForLoadState();
    expect(await page.textContent('#status')).toContain('Retirée');
  });

  it('lets a clerk request information, the SME answer, and the clerk approve; the SME gets each email', async () => {
    const staff = await signedIn(clerk.email);
    await staff.goto(`${portal.url}/staff/applications`);
    await shot(staff, 'staff-queue');
    await staff.click(`a:has-text("${smeReference}")`);
    await staff.waitForLoadState();
    await staff.click('button:has-text("M’attribuer la demande")');
    await staff.waitForLoadState();
    await staff.fill('#informationReason', 'Joignez une photo de la façade actuelle.');
    await staff.click('button:has-text("Demander des renseignements")');
    await staff.waitForLoadState();
    await shot(staff, 'staff-information-requested');

    const sme = await signedIn(owner.email);
    await sme.goto(`${portal.url}/acting-as`);
    await sme.check(`#actingAs-${smeId}`);
    await sme.click('main button[type="submit"]');
    await sme.goto(`${portal.url}/applications`);
    await sme.click(`a:has-text("${smeReference}")`);
    await sme.waitForLoadState();
    expect(await sme.textContent('main')).toContain('Joignez une photo de la façade actuelle.');
    await sme.fill('#answer', 'La photo est jointe aux plans. Merci !');
    await sme.click('button:has-text("Envoyer ma réponse")');
    await sme.waitForLoadState();
    expect(await sme.textContent('#status')).toContain('Renseignements fournis');
    await shot(sme, 'sme-answered');

    await staff.reload();
    expect(await staff.textContent('main')).toContain('La photo est jointe aux plans.');
    await staff.fill('#conditions', 'Travaux à terminer avant le 1er décembre.');
    await staff.click('button:has-text("Approuver la demande")');
    await staff.waitForLoadState();

    await sme.reload();
    expect(await sme.textContent('#status')).toContain('Approuvée');
    expect(await sme.textContent('main')).toContain('Travaux à terminer avant le 1er décembre.');

    const subjects = async () => (await mailFor(owner.email)).map((m) => m.subject);
    await eventually(async () => (await subjects()).some((s) => s.includes('approuvée')), 10_000);
    const received = await subjects();
    for (const expected of [
      'reçue',
      'à l’étude',
      'renseignements demandés',
      'réponse transmise',
      'approuvée',
    ])
      expect(received.some((s) => s.includes(smeReference) && s.includes(expected))).toBe(true);
  });

  it('lets the SME owner make an API key and file through the API with it', async () => {
    const page = await signedIn(owner.email);
    await page.goto(`${portal.url}/organizations/${smeId}/api-keys`);
    await page.fill('#name', 'Logiciel de gestion');
    for (const box of await page.locator('input[name="scopes"]').all()) await box.check();
    await page.click('main button[type="submit"]:has-text("Créer")');
    await page.waitForLoadState();
    await shot(page, 'api-key-created');
    const token = /gk_[A-Za-z0-9]+_[A-Za-z0-9_-]+/.exec(
      (await page.textContent('main')) ?? '',
    )?.[0];
    expect(token).toBeDefined();

    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${portal.url}/api/v1${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      });
    const services = (await (await api('/services')).json()) as
      { slug: string }[] | { data: { slug: string }[] };
    const slugs = (Array.isArray(services) ? services : services.data).map((s) => s.slug);
    expect(slugs).toContain('bulky-waste-pickup');

    const created = await api('/applications', {
      method: 'POST',
      body: JSON.stringify({
        service: 'bulky-waste-pickup',
        submit: true,
        answers: bulkyWastePickupAnswers(),
      }),
    });
    const body = (await created.json()) as { id: string; reference: string; status: string };
    expect(created.status).toBe(201);
    expect(body.reference).toMatch(/^CV-\d{4}-\d{6}$/);
    const read = (await (await api(`/applications/${body.id}`)).json()) as { status: string };
    expect(read.status).toBe('submitted');
    await page.reload();
    expect(await page.textContent('main')).not.toContain('Jamais utilisée');

    // Acting for himself, the owner is offered to act for the SME to see its application.
    const [smeApplication] = await db.query(`SELECT id FROM application WHERE reference = $1`, [
      smeReference,
    ]);
    await page.goto(`${portal.url}/applications/${smeApplication.id}`);
    expect(await page.textContent('main')).toContain('Agir au nom de Rénovations Bélanger inc.');
    await shot(page, 'switch-acting-as');
  });
});
