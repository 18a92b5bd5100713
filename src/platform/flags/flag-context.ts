export const AUDIENCES = ['citizen', 'business'] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * What Unleash evaluates a flag against, built once per request from who the user
 * is acting as. `userId` is the organization's id when acting for a business, so
 * every employee of an SME sees the same thing and gradual rollouts stick per SME.
 */
export type FlagContext = {
  userId?: string;
  properties: {
    audience: Audience;
    organizationId?: string;
    accountId?: string;
    employeeCount?: string;
    staff: 'true' | 'false';
  };
};

/** The context fields Guichet defines in Unleash, so strategies can constrain on them. */
export const FLAG_CONTEXT_FIELDS = [
  {
    name: 'audience',
    description: 'citizen or business (who the user is acting as)',
    legalValues: ['citizen', 'business'],
  },
  { name: 'organizationId', description: "the SME's id when acting on behalf of a business" },
  { name: 'accountId', description: "the signed-in person's account id" },
  { name: 'employeeCount', description: "the SME's number of employees" },
  { name: 'staff', description: 'true for city staff', legalValues: ['true', 'false'] },
] as const;
