import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import {
  EMBEDDED_GROUP_OF_ROLE,
  type DirectoryPerson,
} from '../../platform/embedded/embedded-directory.js';
import { hashPassword, verifyPassword } from '../../platform/security/passwords.js';
import { AuditService } from '../audit/audit.service.js';
import type { StaffRole } from '../staff/staff-role.js';

/**
 * v2 added the shops of the sign permit's pilot (issue 16). A database seeded
 * with v1 gets, at its next boot with SEED_DEMO, only what it lacks.
 */
export const DEMO_PEOPLE_SEED = 'demo-people-v2';
/** Every demo account's password: not in the common-password list (test/demo-seed.spec.ts checks). */
export const DEMO_PASSWORD = 'Demo-Guichet-2026';
export const DEMO_EMAIL_DOMAIN = 'demo.guichet.example';
const DEMO_CITY = 'Val-des-Cèdres';

interface DemoPerson {
  email: string;
  name: string;
  locale: Locale;
}

interface DemoSme {
  legalName: string;
  /** 10 digits starting with 11, made up. */
  neq: string;
  streetAddress: string;
  postalCode: string;
  employeeCount: number;
  naicsCode: string;
  /** 555-0100 to 555-0199: numbers reserved for fiction. */
  phone: string;
  owner: DemoPerson;
  /** Emails of members, from SME_MEMBERS or another SME's owner. */
  members: string[];
}

const at = (local: string) => `${local}@${DEMO_EMAIL_DOMAIN}`;
const person = (local: string, name: string, locale: Locale = 'fr'): DemoPerson => ({
  email: at(local),
  name,
  locale,
});

const STAFF: (DemoPerson & { role: StaffRole })[] = [
  { ...person('admin', 'Geneviève Lapointe'), role: 'admin' },
  { ...person('rollout', 'Martin Gagnon'), role: 'rollout-manager' },
  { ...person('clerk1', 'Sophie Bélanger'), role: 'clerk' },
  { ...person('clerk2', "Daniel O'Connor", 'en'), role: 'clerk' },
  { ...person('analyst', 'Amira Haddad'), role: 'analyst' },
  { ...person('designer', 'Élise Tremblay'), role: 'service-designer' },
];

/** People who belong to an SME without owning one; some belong to two. */
const SME_MEMBERS: DemoPerson[] = [
  person('nathalie.girard', 'Nathalie Girard'),
  person('julie.fortin', 'Julie Fortin'),
  person('marc-andre.roy', 'Marc-André Roy'),
  person('kevin.morin', 'Kevin Morin'),
  person('isabelle.riverin', 'Isabelle Riverin'),
  person('patrick.levesque', 'Patrick Lévesque'),
  person('chantal.ouellet', 'Chantal Ouellet'),
  person('karine.dube', 'Karine Dubé'),
  person('sarah.whitfield', 'Sarah Whitfield', 'en'),
  person('olivier.pelletier', 'Olivier Pelletier'),
  person('audrey.tessier', 'Audrey Tessier'),
  person('maxime.bouchard', 'Maxime Bouchard'),
  person('emilie.lachance', 'Émilie Lachance'),
  person('valerie.cote', 'Valérie Côté'),
  person('mathieu.gingras', 'Mathieu Gingras'),
];

const SMES: DemoSme[] = [
  {
    legalName: 'Boulangerie du Vieux-Moulin inc.',
    neq: '1164829371',
    streetAddress: '212, rue du Moulin',
    postalCode: 'J9C 2R4',
    employeeCount: 14,
    naicsCode: '44-45',
    phone: '819 555-0112',
    owner: person('owner.boulangerie', 'Élise Vaillancourt'),
    members: [at('julie.fortin'), at('marc-andre.roy')],
  },
  {
    legalName: 'Toitures Laurentides ltée',
    neq: '1148305726',
    streetAddress: '1480, boulevard des Laurentides',
    postalCode: 'J9C 4K7',
    employeeCount: 38,
    naicsCode: '23',
    phone: '819 555-0123',
    owner: person('owner.toitures', 'Luc Paquette'),
    members: [at('nathalie.girard'), at('kevin.morin')],
  },
  {
    legalName: 'Atelier de soudure Beaudoin',
    neq: '1172094418',
    streetAddress: '37, rang Saint-Isidore',
    postalCode: 'J9E 1B2',
    employeeCount: 1,
    naicsCode: '81',
    phone: '819 555-0131',
    owner: person('owner.soudure', 'Réjean Beaudoin'),
    // His bookkeeper, who also keeps the books of Toitures Laurentides.
    members: [at('nathalie.girard')],
  },
  {
    legalName: 'Ferme maraîchère Beauchemin',
    neq: '1159360284',
    streetAddress: '905, chemin du Lac-Clair',
    postalCode: 'J9E 3A9',
    employeeCount: 7,
    naicsCode: '11',
    phone: '819 555-0147',
    owner: person('owner.ferme', 'Annie Beauchemin'),
    members: [],
  },
  {
    legalName: 'Transport Riverin et Fils inc.',
    neq: '1145817093',
    streetAddress: '2250, rue Industrielle',
    postalCode: 'J9B 5T1',
    employeeCount: 62,
    naicsCode: '48-49',
    phone: '819 555-0156',
    owner: person('owner.transport', 'Stéphane Riverin'),
    members: [at('isabelle.riverin'), at('patrick.levesque'), at('chantal.ouellet')],
  },
  {
    legalName: 'Meubles Bois-Franc ltée',
    neq: '1133702659',
    streetAddress: '3100, boulevard Industriel',
    postalCode: 'J9B 6M8',
    employeeCount: 248,
    naicsCode: '31-33',
    phone: '819 555-0163',
    owner: person('owner.meubles', 'David Morrison', 'en'),
    members: [at('karine.dube'), at('sarah.whitfield'), at('olivier.pelletier')],
  },
  {
    legalName: 'Clinique dentaire du Ruisseau',
    neq: '1168241735',
    streetAddress: '58, rue Notre-Dame',
    postalCode: 'J9C 1H3',
    employeeCount: 17,
    naicsCode: '62',
    phone: '819 555-0170',
    owner: person('owner.clinique', 'Mélanie Caron'),
    // The owner of Services informatiques Nordik manages the clinic's online accounts.
    members: [at('audrey.tessier'), at('owner.nordik')],
  },
  {
    legalName: 'Café-bistro Le Cèdre rouge',
    neq: '1176509142',
    streetAddress: '140, rue Principale',
    postalCode: 'J9C 1G6',
    employeeCount: 23,
    naicsCode: '72',
    phone: '819 555-0178',
    owner: person('owner.bistro', 'Hugo Lemieux'),
    members: [at('maxime.bouchard'), at('emilie.lachance')],
  },
  {
    legalName: 'Services informatiques Nordik inc.',
    neq: '1151973860',
    streetAddress: '301, avenue des Érables, bureau 204',
    postalCode: 'J9C 3W5',
    employeeCount: 6,
    naicsCode: '54',
    phone: '819 555-0184',
    owner: person('owner.nordik', 'Jonathan Nguyen'),
    members: [],
  },
  {
    legalName: 'Distribution alimentaire Côté inc.',
    neq: '1140658297',
    streetAddress: '1875, rue Industrielle',
    postalCode: 'J9B 5T3',
    employeeCount: 120,
    naicsCode: '41',
    phone: '819 555-0189',
    owner: person('owner.distribution', 'François Côté'),
    // Chantal Ouellet plans the deliveries of Transport Riverin too.
    members: [at('valerie.cote'), at('chantal.ouellet')],
  },
  {
    legalName: 'Entretien ménager Éclat inc.',
    neq: '1162487015',
    streetAddress: '66, rue Saint-Joseph',
    postalCode: 'J9C 2L8',
    employeeCount: 45,
    naicsCode: '56',
    phone: '819 555-0192',
    owner: person('owner.entretien', 'Rosa Martínez'),
    members: [at('mathieu.gingras')],
  },
  {
    legalName: 'Productions Lac-Clair',
    neq: '1179314526',
    streetAddress: "19, rue de l'Église",
    postalCode: 'J9C 1E5',
    employeeCount: 2,
    naicsCode: '51',
    phone: '819 555-0197',
    owner: person('owner.productions', 'Emily Clarke', 'en'),
    members: [],
  },
  // The downtown shops that pilot the sign permit with the bakery, the bistro and the wholesaler.
  {
    legalName: 'Fleuriste Les Jardins d’Iris',
    neq: '1157204836',
    streetAddress: '88, rue Principale',
    postalCode: 'J9C 1G2',
    employeeCount: 4,
    naicsCode: '44-45',
    phone: '819 555-0114',
    owner: person('owner.fleuriste', 'Josée Lapierre'),
    members: [],
  },
  {
    legalName: 'Librairie Au fil des pages',
    neq: '1169843012',
    streetAddress: '104, rue Principale',
    postalCode: 'J9C 1G3',
    employeeCount: 5,
    naicsCode: '44-45',
    phone: '819 555-0126',
    owner: person('owner.librairie', 'Benoît Rochette'),
    members: [],
  },
  {
    legalName: 'Salon de coiffure Mèches et Cie',
    neq: '1143528690',
    streetAddress: '131, rue Principale',
    postalCode: 'J9C 1G5',
    employeeCount: 6,
    naicsCode: '81',
    phone: '819 555-0135',
    owner: person('owner.coiffure', 'Nadia Bouzid'),
    members: [],
  },
  {
    legalName: 'Quincaillerie Principale inc.',
    neq: '1170615943',
    streetAddress: '175, rue Principale',
    postalCode: 'J9C 1G8',
    employeeCount: 11,
    naicsCode: '44-45',
    phone: '819 555-0141',
    owner: person('owner.quincaillerie', 'Gilles Desrosiers'),
    members: [],
  },
  {
    legalName: 'Boucherie du Marché',
    neq: '1136947281',
    streetAddress: '22, place du Marché',
    postalCode: 'J9C 1J2',
    employeeCount: 8,
    naicsCode: '44-45',
    phone: '819 555-0149',
    owner: person('owner.boucherie', 'Sébastien Girouard'),
    members: [],
  },
  {
    legalName: 'Pizzeria Bella Riva',
    neq: '1165390174',
    streetAddress: '196, rue Principale',
    postalCode: 'J9C 1H2',
    employeeCount: 12,
    naicsCode: '72',
    phone: '819 555-0152',
    owner: person('owner.pizzeria', 'Marco Santini'),
    members: [],
  },
  {
    legalName: 'Boutique L’Étoffe',
    neq: '1152746308',
    streetAddress: '117, rue Principale',
    postalCode: 'J9C 1G4',
    employeeCount: 3,
    naicsCode: '44-45',
    phone: '819 555-0158',
    owner: person('owner.boutique', 'Claudia Bergeron'),
    members: [],
  },
  {
    legalName: 'Microbrasserie Le Vieux-Quai',
    neq: '1174081529',
    streetAddress: '8, rue du Quai',
    postalCode: 'J9C 1A3',
    employeeCount: 9,
    naicsCode: '31-33',
    phone: '819 555-0174',
    owner: person('owner.microbrasserie', 'Vincent Carrier'),
    members: [],
  },
  {
    legalName: 'Studio Lumière yoga',
    neq: '1147639205',
    streetAddress: '64, rue Notre-Dame',
    postalCode: 'J9C 1H4',
    employeeCount: 2,
    naicsCode: '71',
    phone: '819 555-0165',
    owner: person('owner.yoga', 'Rachel Goldberg', 'en'),
    members: [],
  },
];

const CITIZENS: DemoPerson[] = [
  ['Marie Tremblay', 'fr'],
  ['Jean-François Gauthier', 'fr'],
  ['Catherine Lavoie', 'fr'],
  ['Alexandre Fournier', 'fr'],
  ['Michael Brennan', 'en'],
  ['Louise Boucher', 'fr'],
  ['Nicolas Simard', 'fr'],
  ['Fatima Benali', 'fr'],
  ['Pierre-Luc Dufour', 'fr'],
  ['Jennifer MacLeod', 'en'],
  ['Sylvie Leblanc', 'fr'],
  ['Samuel Ouimet', 'fr'],
  ['Lan Tran', 'fr'],
  ['Gabriel Thibault', 'fr'],
  ['Chloé Poirier', 'fr'],
  ['Robert Wilson', 'en'],
  ['Mireille Racine', 'fr'],
  ['William Chabot', 'fr'],
  ['Priya Sharma', 'en'],
  ['Denis Lalonde', 'fr'],
].map(([name, locale], i) =>
  person(`citizen${String(i + 1).padStart(2, '0')}`, name, locale as Locale),
);

/** Every demo account, once each. */
export const DEMO_PEOPLE: readonly DemoPerson[] = [
  ...STAFF,
  ...SMES.map((sme) => sme.owner),
  ...SME_MEMBERS,
  ...CITIZENS,
];

/** What the launcher prints and the README lists: one sign-in per kind of person. */
export const DEMO_SIGN_INS: readonly { label: string; email: string; note?: string }[] = [
  { label: 'admin', email: at('admin') },
  { label: 'rollout manager', email: at('rollout') },
  { label: 'clerk', email: at('clerk1') },
  { label: 'analyst', email: at('analyst') },
  { label: 'service designer', email: at('designer') },
  { label: 'SME owner', email: at('owner.boulangerie'), note: 'Boulangerie du Vieux-Moulin inc.' },
  { label: 'SME member', email: at('nathalie.girard'), note: 'member of two SMEs' },
  { label: 'citizen', email: at('citizen01') },
];

/**
 * Demo people on first boot (SEED_DEMO): the city's staff (one admin, one
 * rollout manager, two clerks, one analyst, one service designer), twenty-one
 * SMEs of Val-des-Cèdres with their owners and members, and twenty citizens.
 * Every account is confirmed and takes DEMO_PASSWORD.
 *
 * This is seed data, not a user's action: the rows are written with SQL through
 * the DataSource, in one transaction with the seed_run record and the audit
 * events (one per staff role granted, one summing up the rest), rather than
 * through AccountService / OrganizationService, which would send confirmation
 * emails and hash the password once per account. Runs once: the seed_run insert
 * comes first, so two instances booting together cannot both seed. It adds
 * only the accounts and SMEs it does not find, with the roles and memberships
 * of those it adds: a database seeded by an earlier version keeps what its
 * users changed.
 */
export class DemoPeopleSeed {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly logger: JsonLogger,
  ) {}

  static for(app: INestApplicationContext, logger: JsonLogger): DemoPeopleSeed {
    return new DemoPeopleSeed(app.get(DataSource), app.get(AuditService), logger);
  }

  /** Seeds the demo people; false when they had already been seeded. */
  async run(): Promise<boolean> {
    const done = await this.dataSource.query('SELECT 1 FROM seed_run WHERE name = $1', [
      DEMO_PEOPLE_SEED,
    ]);
    if (done.length > 0) return false;
    // One argon2id hash for every demo account: hashing ~50 times would slow the first boot.
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const seeded = await this.dataSource.transaction(async (manager) => {
      const claimed = await manager.query(
        'INSERT INTO seed_run (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name',
        [DEMO_PEOPLE_SEED],
      );
      if (claimed.length === 0) return null;
      const added: { id: string; email: string }[] = await manager.query(
        `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
         SELECT p.email, p.name, $4, p.locale, now()
         FROM unnest($1::text[], $2::text[], $3::text[]) AS p(email, name, locale)
         ON CONFLICT ((lower(email))) DO NOTHING
         RETURNING id, lower(email) AS email`,
        [
          DEMO_PEOPLE.map((p) => p.email),
          DEMO_PEOPLE.map((p) => p.name),
          DEMO_PEOPLE.map((p) => p.locale),
          passwordHash,
        ],
      );
      const accounts: { id: string; email: string }[] = await manager.query(
        `SELECT id, lower(email) AS email FROM account WHERE lower(email) = ANY($1::text[])`,
        [DEMO_PEOPLE.map((p) => p.email)],
      );
      const idOf = new Map(accounts.map((a) => [a.email, a.id]));
      const accountId = (email: string) => {
        const id = idOf.get(email);
        if (!id) throw new Error(`demo seed: no account for ${email}`);
        return id;
      };
      const isAdded = new Set(added.map((a) => a.email));

      const staff = STAFF.filter((s) => isAdded.has(s.email));
      await manager.query(
        `INSERT INTO staff_member (account_id, role)
         SELECT * FROM unnest($1::uuid[], $2::text[])`,
        [staff.map((s) => accountId(s.email)), staff.map((s) => s.role)],
      );
      for (const member of staff) {
        await this.audit.record(manager, {
          actor: { type: 'system', id: 'demo-seed' },
          action: 'staff.member_added',
          entity: { type: 'staff_member', id: accountId(member.email) },
          after: { roles: [member.role], email: member.email },
        });
      }

      const organizations: { id: string; neq: string }[] = await manager.query(
        // Verified (ADR 0014), so that the demo's pilot invitations by NEQ reach their owners.
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
           naics_code, contact_name, contact_email, contact_phone, verified_at)
         SELECT o.legal_name, o.neq, o.street_address, $10, o.postal_code, o.employee_count,
           o.naics_code, o.contact_name, o.contact_email, o.contact_phone, now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
           $7::text[], $8::text[], $9::text[])
           AS o(legal_name, neq, street_address, postal_code, employee_count, naics_code,
             contact_name, contact_email, contact_phone)
         ON CONFLICT (neq) DO NOTHING
         RETURNING id, neq`,
        [
          SMES.map((s) => s.legalName),
          SMES.map((s) => s.neq),
          SMES.map((s) => s.streetAddress),
          SMES.map((s) => s.postalCode),
          SMES.map((s) => s.employeeCount),
          SMES.map((s) => s.naicsCode),
          SMES.map((s) => s.owner.name),
          SMES.map((s) => s.owner.email),
          SMES.map((s) => s.phone),
          DEMO_CITY,
        ],
      );
      const organizationOf = new Map(organizations.map((o) => [o.neq, o.id]));
      const smes = SMES.filter((sme) => organizationOf.has(sme.neq));
      const memberships = smes.flatMap((sme) => [
        { organizationId: organizationOf.get(sme.neq), email: sme.owner.email, role: 'owner' },
        ...sme.members.map((email) => ({
          organizationId: organizationOf.get(sme.neq),
          email,
          role: 'member',
        })),
      ]);
      await manager.query(
        `INSERT INTO organization_membership (organization_id, account_id, role)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
        [
          memberships.map((m) => m.organizationId),
          memberships.map((m) => accountId(m.email)),
          memberships.map((m) => m.role),
        ],
      );

      await this.audit.record(manager, {
        actor: { type: 'system', id: 'demo-seed' },
        action: 'seed.demo_people',
        entity: { type: 'seed_run', id: DEMO_PEOPLE_SEED },
        after: {
          accounts: added.length,
          staff: staff.length,
          organizations: smes.map((s) => ({ neq: s.neq, legalName: s.legalName, verified: true })),
          memberships: memberships.length,
          citizens: CITIZENS.filter((c) => isAdded.has(c.email)).length,
        },
      });
      return { accounts: added.length, organizations: smes.length };
    });
    if (seeded) this.logger.event('info', 'seed.demo_people', seeded);
    return seeded !== null;
  }
}

export interface DemoSignIn {
  label: string;
  email: string;
  note?: string;
}

/**
 * The demo sign-ins that still work: the accounts of DEMO_SIGN_INS that are open
 * and still have the demo password. Empty when the demo people were never seeded.
 */
export async function demoSignIns(dataSource: DataSource): Promise<DemoSignIn[]> {
  const rows: { email: string; password_hash: string }[] = await dataSource.query(
    `SELECT lower(email) AS email, password_hash FROM account
     WHERE lower(email) = ANY($1::text[]) AND closed_at IS NULL`,
    [DEMO_SIGN_INS.map((s) => s.email)],
  );
  // The seed gave them all the same hash: one check per distinct hash (normally one).
  const works = new Map<string, boolean>();
  for (const hash of new Set(rows.map((r) => r.password_hash))) {
    works.set(hash, await verifyPassword(hash, DEMO_PASSWORD));
  }
  const usable = new Set(rows.filter((r) => works.get(r.password_hash)).map((r) => r.email));
  return DEMO_SIGN_INS.filter((s) => usable.has(s.email));
}

/** The launcher's lines about the demo sign-ins; none when there are none (or on error). */
/**
 * The people the embedded directory knows (`npm start`, ADR 0045): the demo
 * staff, each in their role's group, and Lucie Caron, a clerk Guichet does not
 * know yet (her first sign-in makes her account), all with the demo password.
 */
export function demoDirectory(): DirectoryPerson[] {
  return [
    ...STAFF.map((member) => ({
      email: member.email,
      name: member.name,
      password: DEMO_PASSWORD,
      groups: [EMBEDDED_GROUP_OF_ROLE[member.role]],
    })),
    {
      email: at('lucie.caron'),
      name: 'Lucie Caron',
      password: DEMO_PASSWORD,
      groups: [EMBEDDED_GROUP_OF_ROLE.clerk],
    },
  ];
}

export async function demoSignInLines(app: INestApplicationContext): Promise<string[]> {
  try {
    const signIns = await demoSignIns(app.get(DataSource));
    if (signIns.length === 0) return [];
    return [
      `  Demo sign-ins (password ${DEMO_PASSWORD}):`,
      ...signIns.map((s) => `    ${s.label.padEnd(16)} ${s.email}${s.note ? `  (${s.note})` : ''}`),
    ];
  } catch {
    return [];
  }
}
