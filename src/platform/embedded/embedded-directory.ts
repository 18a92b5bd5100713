/**
 * Who the embedded directory (`embedded-oidc.ts`) knows, and its groups. Apart
 * from the provider itself, which is a development dependency: the demo seed
 * reads these in the production image too.
 */

/** Someone the embedded directory knows: who they are and their groups. */
export interface DirectoryPerson {
  email: string;
  name: string;
  password: string;
  groups: string[];
}

/** The embedded directory's group for each role. */
export const EMBEDDED_GROUP_OF_ROLE: Readonly<Record<string, string>> = {
  admin: 'guichet-admins',
  'rollout-manager': 'guichet-rollout',
  clerk: 'guichet-clerks',
  analyst: 'guichet-analysts',
  'service-designer': 'guichet-designers',
};

/** `OIDC_ROLE_GROUPS` for the embedded directory. */
export const EMBEDDED_ROLE_GROUPS = Object.entries(EMBEDDED_GROUP_OF_ROLE)
  .map(([role, group]) => `${group}=${role}`)
  .join(',');
