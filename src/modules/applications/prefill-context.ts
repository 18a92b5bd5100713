import type { PrefillContext } from '../catalogue/form.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';

/** What a form is prefilled from: the person filing and, for a business, their SME's record. */
export async function prefillContext(
  organizations: OrganizationService,
  account: { id: string; displayName: string; email: string },
  organizationId: string | null | undefined,
): Promise<PrefillContext> {
  const context: PrefillContext = {
    account: { name: account.displayName, email: account.email },
  };
  if (!organizationId) return context;
  const o = (await organizations.view(account.id, organizationId))?.organization;
  if (o)
    context.organization = {
      legalName: o.legalName,
      neq: o.neq,
      address: { line1: o.streetAddress, line2: '', city: o.city, postalCode: o.postalCode },
      contactName: o.contactName,
      contactEmail: o.contactEmail,
      contactPhone: o.contactPhone,
    };
  return context;
}
