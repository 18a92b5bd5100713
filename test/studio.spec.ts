import { ForbiddenException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { StudioServicesService } from '../src/modules/studio/studio.service.js';
import { createPerson, signedInAgent } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Puts a variant at a stage, as the rollout console would have. */
async function setStage(db: DataSource, slug: string, variant: string, stage: string) {
  await db.query(
    `INSERT INTO rollout_plan (service_slug, variant, stage) VALUES ($1, $2, $3)
     ON CONFLICT (service_slug, variant) DO UPDATE SET stage = EXCLUDED.stage`,
    [slug, variant, stage],
  );
}

/** The service studio's front door (issue 14): `/staff/services`. */
describe('the service studio: the list of services', () => {
  let portal: TestApp;
  let db: DataSource;
  let studio: StudioServicesService;
  let designer: { id: string; email: string };

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    studio = portal.app.get(StudioServicesService);
    designer = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    await setStage(db, 'building-permit', 'business', 'sme-pilot');
    await setStage(db, 'building-permit', 'citizen', 'internal');
  });
  afterAll(() => portal?.close());

  it('lists the five services with their variants’ stages, for a designer and an admin', async () => {
    for (const role of ['service-designer', 'admin'] as const) {
      const services = await studio.list({ accountId: designer.id, roles: [role] });
      expect(services).toHaveLength(5);
      expect(services.map((s) => s.slug)).toEqual(
        portal.app
          .get(CatalogueService)
          .all()
          .map((d) => d.slug),
      );
      const permit = services.find((s) => s.slug === 'building-permit')!;
      expect(permit).toMatchObject({
        referencePrefix: 'PC',
        title: {
          fr: 'Permis de construction ou de rénovation',
          en: 'Building or renovation permit',
        },
        department: { fr: 'Service de l’urbanisme', en: 'Urban Planning Department' },
      });
      expect(permit.stages.business.stage).toBe('sme-pilot');
      expect(permit.stages.citizen.stage).toBe('internal');
      for (const s of services)
        for (const variant of ['citizen', 'business'] as const)
          expect(s.stages[variant].stage).toEqual(expect.any(String));
    }
  });

  it('refuses every other staff role in the service too', async () => {
    for (const role of ['rollout-manager', 'clerk', 'analyst'] as const)
      await expect(studio.list({ accountId: designer.id, roles: [role] })).rejects.toBeInstanceOf(
        ForbiddenException,
      );
  });

  for (const [locale, texts] of [
    [
      'fr',
      {
        title: 'Permis de construction ou de rénovation',
        other: 'Building or renovation permit',
        department: 'Service de l’urbanisme',
        business: 'Projet pilote – PME',
        citizen: 'Interne (personnel)',
        role: 'Concepteur de services',
      },
    ],
    [
      'en',
      {
        title: 'Building or renovation permit',
        other: 'Permis de construction ou de rénovation',
        department: 'Urban Planning Department',
        business: 'Pilot – SMEs',
        citizen: 'Internal (staff)',
        role: 'Service designer',
      },
    ],
  ] as const) {
    it(`shows each service's titles, prefix, department and stages (${locale})`, async () => {
      const agent = await signedInAgent(portal.url, designer.email);
      const page = await agent.get('/staff/services').set('Cookie', `guichet_lang=${locale}`);
      expect(page.status).toBe(200);
      expect(page.text.match(/<tr class="govuk-table__row" data-service=/g)).toHaveLength(5);
      const row = page.text.slice(
        page.text.indexOf('data-service="building-permit"'),
        page.text.indexOf('</tr>', page.text.indexOf('data-service="building-permit"')),
      );
      expect(row).toContain(texts.title);
      expect(row).toContain(`lang="${locale === 'fr' ? 'en' : 'fr'}">${texts.other}`);
      expect(row).toContain('<code>PC</code>');
      expect(row).toContain(texts.department);
      expect(row).toContain(`data-variant="business" data-stage="sme-pilot">${texts.business}`);
      expect(row).toContain(`data-variant="citizen" data-stage="internal">${texts.citizen}`);
      // The staff home names the role and links to the studio.
      const home = await agent.get('/staff').set('Cookie', `guichet_lang=${locale}`);
      expect(home.text).toContain(texts.role);
      expect(home.text).toContain('href="/staff/services"');
    });
  }
});
