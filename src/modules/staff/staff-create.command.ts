import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { isEmailAddress } from '../../platform/forms/email-address.js';
import { isLocale, type Locale } from '../../platform/i18n/i18n.service.js';
import { AuditService } from '../audit/audit.service.js';
import { grantStaffRole } from './staff-membership.js';
import { isStaffRole, STAFF_ROLES, type StaffRole } from './staff-role.js';

export const STAFF_CREATE_USAGE = `Usage: npm run staff:create -- --email <address> --name "<full name>" --role <${STAFF_ROLES.join('|')}> [--locale fr|en]

Makes the holder of <address> a staff member with the role, creating the account
(with a generated password, printed once) when there is none. Connects with
DATABASE_URL, or else the embedded PostgreSQL that \`npm start\` runs, and applies
pending migrations first.`;

export interface StaffCreateArgs {
  email: string;
  name: string;
  role: StaffRole;
  locale: Locale;
}

export type ParsedArgs =
  { ok: true; args: StaffCreateArgs } | { ok: false; help: boolean; message: string };

/** Reads the command line; every problem is reported at once, with the usage. */
export function parseStaffCreateArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        locale: { type: 'string', default: 'fr' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, help: false, message: (error as Error).message };
  }
  if (values.help) return { ok: false, help: true, message: '' };
  const email = typeof values.email === 'string' ? values.email.trim() : '';
  const name = typeof values.name === 'string' ? values.name.trim() : '';
  const role = typeof values.role === 'string' ? values.role.trim() : '';
  const locale = typeof values.locale === 'string' ? values.locale.trim() : '';
  const problems: string[] = [];
  if (!email) problems.push('--email is required');
  else if (!isEmailAddress(email)) problems.push(`--email "${email}" is not an email address`);
  if (!name) problems.push('--name is required');
  else if (name.length > 120) problems.push('--name must be 120 characters or fewer');
  if (!role) problems.push(`--role is required (one of: ${STAFF_ROLES.join(', ')})`);
  else if (!isStaffRole(role))
    problems.push(`--role "${role}" is not a role (one of: ${STAFF_ROLES.join(', ')})`);
  if (!isLocale(locale)) problems.push(`--locale "${locale}" must be fr or en`);
  if (problems.length > 0) return { ok: false, help: false, message: problems.join('\n') };
  return {
    ok: true,
    args: { email, name, role: role as StaffRole, locale: locale as Locale },
  };
}

export interface StaffCreateOutcome {
  accountId: string;
  accountCreated: boolean;
  /** The roles they held before (none for someone who was not staff). */
  previousRoles: StaffRole[];
  /** Only for a new account: shown once, stored nowhere but as its argon2id hash. */
  password?: string;
}

/**
 * The command's work, on a migrated database: one transaction that creates or
 * promotes the account and audits it as the system actor `staff:create`.
 */
export async function createStaffMember(
  dataSource: DataSource,
  args: StaffCreateArgs,
): Promise<StaffCreateOutcome> {
  const password = randomBytes(18).toString('base64url');
  const result = await dataSource.transaction((manager) =>
    grantStaffRole(
      manager,
      new AuditService(),
      {
        email: args.email,
        displayName: args.name,
        role: args.role,
        preferredLocale: args.locale,
        password,
        allowRoleChange: true,
        confirmEmail: true,
      },
      { type: 'system', id: 'staff:create' },
    ),
  );
  if (!result.ok) throw new Error(`unexpected: ${result.problem}`);
  return {
    accountId: result.accountId,
    accountCreated: result.accountCreated,
    previousRoles: result.previousRoles,
    password: result.accountCreated ? password : undefined,
  };
}

/** What the command prints once it has succeeded. */
export function describeOutcome(args: StaffCreateArgs, outcome: StaffCreateOutcome): string {
  if (outcome.accountCreated) {
    return [
      `Created the account ${args.email} (${outcome.accountId}) with the role ${args.role}.`,
      `Its password, shown only this once: ${outcome.password}`,
      'Give it to the person by a safe channel; they can choose their own with "Forgot your password?" on the sign-in page.',
    ].join('\n');
  }
  if (outcome.previousRoles.includes(args.role)) {
    return `${args.email} (${outcome.accountId}) already has the role ${args.role}: nothing changed.`;
  }
  if (outcome.previousRoles.length > 0) {
    return `${args.email} (${outcome.accountId}) now also has the role ${args.role} (had ${outcome.previousRoles.join(', ')}). They sign in as before.`;
  }
  return `${args.email} (${outcome.accountId}) is now staff with the role ${args.role}. They sign in with their own password.`;
}
