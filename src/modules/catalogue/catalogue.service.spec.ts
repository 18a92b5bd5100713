import { buildingPermit } from './definitions/building-permit.js';
import { CatalogueService, indexCatalogue } from './catalogue.service.js';
import type { ServiceDefinition } from './service-definition.js';

describe('the service catalogue', () => {
  it('declares the building permit with both variants and one flag per variant', () => {
    const catalogue = new CatalogueService();
    expect(catalogue.find('building-permit')?.title.fr).toBe(
      'Permis de construction ou de rénovation',
    );
    expect(catalogue.flags().map((f) => f.name)).toEqual([
      'building-permit.citizen',
      'building-permit.business',
    ]);
  });

  it('keeps the business variant a superset of the citizen one', () => {
    const { citizen, business } = buildingPermit.variants;
    for (const item of citizen.beforeYouStart) expect(business.beforeYouStart).toContainEqual(item);
    for (const item of citizen.useThisServiceTo)
      expect(business.useThisServiceTo).toContainEqual(item);
    expect(business.beforeYouStart.length).toBeGreaterThan(citizen.beforeYouStart.length);
  });

  it('refuses a definition with a bad slug, a missing translation or a duplicate', () => {
    const broken: ServiceDefinition = {
      ...buildingPermit,
      slug: 'Bad Slug',
      title: { fr: 'Permis', en: ' ' },
    };
    expect(() => indexCatalogue([broken])).toThrow(/Bad Slug: slug must be lower-case/);
    expect(() => indexCatalogue([broken])).toThrow(/title has no English text/);
    expect(() => indexCatalogue([buildingPermit, buildingPermit])).toThrow(
      /building-permit: declared twice/,
    );
  });
});
