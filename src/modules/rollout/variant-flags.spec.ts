import { loadServiceDocuments } from '../catalogue/service-document-loader.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { variantFlags } from './variant-flags.js';

describe('the variants’ flags', () => {
  it('names one flag per service variant, `<slug>.<variant>`, described in English', () => {
    const flags = variantFlags(CatalogueService.of(loadServiceDocuments()).variants());
    expect(flags.map((f) => f.name)).toEqual([
      'building-permit.citizen',
      'building-permit.business',
      'sign-permit.citizen',
      'sign-permit.business',
      'public-domain-occupation.citizen',
      'public-domain-occupation.business',
      'occupancy-certificate.citizen',
      'occupancy-certificate.business',
      'bulky-waste-pickup.citizen',
      'bulky-waste-pickup.business',
    ]);
    expect(flags[1].description).toBe('Building or renovation permit (business variant)');
  });
});
