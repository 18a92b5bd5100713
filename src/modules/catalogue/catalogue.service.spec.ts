import { CatalogueService, indexCatalogue } from './catalogue.service.js';
import { fieldsFor, stepsFor } from './form-engine.js';
import type { ServiceDefinition } from './service-definition.js';
import { loadServiceDocuments } from './service-document-loader.js';

// The services are the documents of services/ (ADR 0029).
const SERVICE_DEFINITIONS = loadServiceDocuments();
const buildingPermit = SERVICE_DEFINITIONS.find((d) => d.slug === 'building-permit')!;

describe('the service catalogue', () => {
  it('declares every service with both variants', () => {
    const catalogue = CatalogueService.of(loadServiceDocuments());
    expect(catalogue.find('building-permit')?.title.fr).toBe(
      'Permis de construction ou de rénovation',
    );
    expect(catalogue.variants().map((v) => `${v.slug} ${v.variant}`)).toEqual([
      'building-permit citizen',
      'building-permit business',
      'sign-permit citizen',
      'sign-permit business',
      'public-domain-occupation citizen',
      'public-domain-occupation business',
      'occupancy-certificate citizen',
      'occupancy-certificate business',
      'bulky-waste-pickup citizen',
      'bulky-waste-pickup business',
    ]);
  });

  it('declares sound definitions whose business variants augment the citizen ones', () => {
    expect(() => indexCatalogue(SERVICE_DEFINITIONS)).not.toThrow();
    expect(SERVICE_DEFINITIONS).toHaveLength(5);
    const prefixes = SERVICE_DEFINITIONS.map((d) => d.referencePrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    // A citizen-only field the business variant replaces with a stricter one of its own.
    const replacedForBusiness: Record<string, Record<string, string>> = {
      'public-domain-occupation': { hasLiabilityInsurance: 'insuranceCertificate' },
    };
    for (const definition of SERVICE_DEFINITIONS) {
      const { citizen, business } = definition.variants;
      for (const item of citizen.useThisServiceTo)
        expect(business.useThisServiceTo).toContainEqual(item);
      for (const item of citizen.beforeYouStart)
        expect(business.beforeYouStart).toContainEqual(item);
      const businessSteps = stepsFor(definition.form, 'business');
      const businessFields = new Set(
        businessSteps.flatMap((s) => fieldsFor(s.fields, 'business')).map((f) => f.name),
      );
      const replaced = replacedForBusiness[definition.slug] ?? {};
      for (const step of stepsFor(definition.form, 'citizen')) {
        expect(businessSteps.map((s) => `${definition.slug}/${s.slug}`)).toContain(
          `${definition.slug}/${step.slug}`,
        );
        for (const field of fieldsFor(step.fields, 'citizen'))
          expect(businessFields).toContain(replaced[field.name] ?? field.name);
      }
    }
    expect(SERVICE_DEFINITIONS.find((d) => d.slug === 'bulky-waste-pickup')?.bulkFiling).toBe(true);
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
