import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import { newToken, tokenHash } from '../src/platform/security/tokens.js';
import { fileBuildingPermit, PDF } from './support/applications.js';
import { createPerson, signedInAgent, uniqueEmail } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;
const ACTORS = [
  'anonymous',
  'citizen',
  'member of SME A',
  'owner of SME B',
  'admin',
  'rollout-manager',
  'clerk',
  'analyst',
  'service-designer',
] as const;
type Actor = (typeof ACTORS)[number];
type Expected = Record<Actor, number>;

/** Every staff role answered `status`. */
const mapStaff = (status: number) =>
  Object.fromEntries(
    (['admin', 'rollout-manager', 'clerk', 'analyst', 'service-designer'] as const).map((r) => [
      r,
      status,
    ]),
  ) as Partial<Expected>;

/** The same status for everyone but the listed actors. */
const all = (status: number, except: Partial<Expected> = {}): Expected =>
  Object.fromEntries(ACTORS.map((a) => [a, except[a] ?? status])) as Expected;
const STAFF = {
  admin: 200,
  'rollout-manager': 200,
  clerk: 200,
  analyst: 200,
  'service-designer': 200,
} as const;
const ADMIN_ONLY = {
  admin: 200,
  'rollout-manager': 403,
  clerk: 403,
  analyst: 403,
  'service-designer': 403,
} as const;
/** Cohorts of the staged rollout: admins and rollout managers. */
const ROLLOUT = {
  admin: 200,
  'rollout-manager': 200,
  clerk: 403,
  analyst: 403,
  'service-designer': 403,
} as const;
/** Acceptance criteria: rollout managers and admins write them, analysts read them. */
const ACCEPTANCE = {
  admin: 200,
  'rollout-manager': 200,
  clerk: 403,
  analyst: 200,
  'service-designer': 403,
} as const;
/** The insights (figures, nobody's personal data): analysts, rollout managers and admins. */
const INSIGHTS = {
  admin: 200,
  'rollout-manager': 200,
  clerk: 403,
  analyst: 200,
  'service-designer': 403,
} as const;
/** The FAQ: admins, rollout managers and clerks (who answer applicants' questions). */
const FAQ = {
  admin: 200,
  'rollout-manager': 200,
  clerk: 200,
  analyst: 403,
  'service-designer': 403,
} as const;
/** Applications hold personal information: only those who process them see them. */
const PROCESSING = {
  admin: 200,
  'rollout-manager': 403,
  clerk: 200,
  analyst: 403,
  'service-designer': 403,
} as const;
/** The rollout console: admins and rollout managers decide, analysts look. */
const CONSOLE = {
  admin: 200,
  'rollout-manager': 200,
  clerk: 403,
  analyst: 200,
  'service-designer': 403,
} as const;
/** The service studio (issue 14): service designers and admins, nobody else. */
const STUDIO = {
  admin: 200,
  'rollout-manager': 403,
  clerk: 403,
  analyst: 403,
  'service-designer': 200,
} as const;
/** The studio's actions: refused to every other staff role. */
const STUDIO_REFUSED = { 'rollout-manager': 403, clerk: 403, analyst: 403 } as const;
/** Feedback holds personal data: only those who act on it (ADR 0012). */
const FEEDBACK = {
  admin: 200,
  'rollout-manager': 200,
  clerk: 200,
  analyst: 200,
  'service-designer': 403,
} as const;

/**
 * Every route × every kind of person → the status they get. Nobody reads or
 * changes another person's or another SME's data: a resource that is not yours
 * answers 404; an SME member attempting an owner's action, 403.
 */
describe('the authorization matrix', () => {
  let portal: TestApp;
  let db: DataSource;
  const agents = {} as Record<Actor, Agent>;
  let smeA = '';
  let smeB = '';
  /** A resident's submitted application, and one of SME A's. */
  let residentApplication = '';
  let smeApplication = '';
  /** API keys: SME A's owner's (read and write, and read only), SME B's owner's. */
  const apiKeys = { a: '', aReadOnly: '', b: '' };
  /** A resident's feedback item. */
  let residentFeedback = '';
  /** The clerk's own application, and one of SME E, which the admin belongs to (separation of duties). */
  let clerksOwnApplication = '';
  let adminsSmeApplication = '';
  /** An invitation to SME A, and one to a citizen pilot, sent to an address none of the actors holds. */
  const invitationToken = newToken();
  const pilotToken = newToken();
  /** Pending evidence of who owns SME C, and SME D (unverified, with an owner) to revoke. */
  let claimC = '';
  let smeD = '';
  /** An email whose retries are spent (only admins retry it). */
  let failedEmail = '';
  /** Staff members an admin's posts change: one's roles, the other removed. */
  let staffTarget = '';
  let removalTarget = '';

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const person = async (label: string) => createPerson(db, { email: uniqueEmail(label) });
    const sme = async (legalName: string, neq: string) => {
      const [org] = await db.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
           contact_name, contact_email, contact_phone)
         VALUES ($1, $2, '1 rue du Marché', 'Val-des-Cèdres', 'J0A 1B0', 8, '23', 'Contact', 'contact@exemple.ca',
           '418 555-0100') RETURNING id`,
        [legalName, neq],
      );
      return org.id as string;
    };
    smeA = await sme('Entreprise A inc.', '1100000001');
    smeB = await sme('Entreprise B inc.', '1100000002');
    const ownerOfA = await person('owner-a');
    const memberOfA = await person('member-a');
    const ownerOfB = await person('owner-b');
    const citizen = await person('citizen');
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role)
       VALUES ($1, $2, 'owner'), ($1, $3, 'member'), ($4, $5, 'owner')`,
      [smeA, ownerOfA.id, memberOfA.id, smeB, ownerOfB.id],
    );
    residentApplication = (
      await fileBuildingPermit(portal.app, db, { accountId: citizen.id, audience: 'citizen' })
    ).id;
    smeApplication = (
      await fileBuildingPermit(portal.app, db, {
        accountId: ownerOfA.id,
        audience: 'business',
        organizationId: smeA,
      })
    ).id;
    const keyOf = async (accountId: string, organizationId: string, write: boolean) => {
      const created = await portal.app.get(ApiKeysService).create(
        accountId,
        organizationId,
        {
          name: 'Matrice',
          scopes: write ? ['applications:read', 'applications:write'] : ['applications:read'],
        },
        { ip: '127.0.0.1', requestId: 'matrix' },
      );
      if (!created.ok) throw new Error(`no key: ${created.problem}`);
      return created.token;
    };
    apiKeys.a = await keyOf(ownerOfA.id, smeA, true);
    apiKeys.aReadOnly = await keyOf(ownerOfA.id, smeA, false);
    apiKeys.b = await keyOf(ownerOfB.id, smeB, true);
    [{ id: residentFeedback }] = await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id, language, kind, happened)
       VALUES ('building-permit', 'citizen', 1, 'general', 'citizen', $1, 'fr', 'praise', 'Merci') RETURNING id`,
      [citizen.id],
    );
    const smeC = await sme('Entreprise C inc.', '1100000003');
    smeD = await sme('Entreprise D inc.', '1100000004');
    const ownerOfC = await person('owner-c');
    const ownerOfD = await person('owner-d');
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role)
       VALUES ($1, $2, 'owner'), ($3, $4, 'owner')`,
      [smeC, ownerOfC.id, smeD, ownerOfD.id],
    );
    [{ id: claimC }] = await db.query(
      `INSERT INTO organization_claim (organization_id, account_id, kind, filename, content_type, size_bytes, sha256, content)
       VALUES ($1, $2, 'owner', 'registre.pdf', 'application/pdf', 5, $3, $4) RETURNING id`,
      [smeC, ownerOfC.id, 'a'.repeat(64), Buffer.from('%PDF-')],
    );
    agents.anonymous = request.agent(portal.url);
    agents.citizen = await signedInAgent(portal.url, citizen.email);
    agents['member of SME A'] = await signedInAgent(portal.url, memberOfA.email);
    agents['owner of SME B'] = await signedInAgent(portal.url, ownerOfB.email);
    for (const role of [
      'admin',
      'rollout-manager',
      'clerk',
      'analyst',
      'service-designer',
    ] as const) {
      const staff = await person(role);
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        staff.id,
        role,
      ]);
      agents[role] = await signedInAgent(portal.url, staff.email);
      if (role === 'clerk')
        clerksOwnApplication = (
          await fileBuildingPermit(portal.app, db, { accountId: staff.id, audience: 'citizen' })
        ).id;
      if (role === 'admin') {
        const smeE = await sme('Entreprise E inc.', '1100000005');
        const ownerOfE = await person('owner-e');
        await db.query(
          `INSERT INTO organization_membership (organization_id, account_id, role)
           VALUES ($1, $2, 'owner'), ($1, $3, 'member')`,
          [smeE, ownerOfE.id, staff.id],
        );
        adminsSmeApplication = (
          await fileBuildingPermit(portal.app, db, {
            accountId: ownerOfE.id,
            audience: 'business',
            organizationId: smeE,
          })
        ).id;
      }
    }
    await db.query(
      `INSERT INTO organization_invitation (token_hash, organization_id, email, role, expires_at)
       VALUES ($1, $2, $3, 'owner', now() + interval '7 days')`,
      [tokenHash(invitationToken), smeA, uniqueEmail('invited-elsewhere')],
    );
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, description, audience)
       VALUES ('matrice-testeurs', 'Testeurs', 'Pour la matrice.', 'citizen') RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, status, source, token_hash, token_expires_at, invited_email)
       VALUES ($1, 'invited', 'invitation', $2, now() + interval '14 days', $3)`,
      [cohort.id, tokenHash(pilotToken), uniqueEmail('tester-elsewhere')],
    );
  });
  beforeAll(async () => {
    const [message] = await db.query(
      `INSERT INTO outbox_message (kind, recipient, locale, payload, attempts, last_error, failed_at, job_id)
       VALUES ('account-exists', $1, 'fr', '{}', 9, 'relay refused', now(), gen_random_uuid())
       RETURNING id::text AS id`,
      [uniqueEmail('failed-email')],
    );
    failedEmail = message.id;
    for (const target of ['staff-target', 'removal-target']) {
      const staff = await createPerson(db, { email: uniqueEmail(target) });
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [
        staff.id,
      ]);
      if (target === 'staff-target') staffTarget = staff.id;
      else removalTarget = staff.id;
    }
  });
  /** A service whose draft the editor's routes open: one step, one question. */
  const EDITOR = '/staff/services/matrix-editor/revisions/1';
  beforeAll(async () => {
    const revisions = portal.app.get(ServiceRevisionsService);
    const [designer] = await db.query(
      `SELECT account_id FROM staff_member WHERE role = 'service-designer' LIMIT 1`,
    );
    const actor = {
      accountId: designer.account_id as string,
      roles: ['service-designer' as const],
    };
    const origin = { ip: '127.0.0.1', requestId: 'authorization-matrix' };
    const draft = await revisions.create(
      actor,
      {
        slug: 'matrix-editor',
        referencePrefix: 'ZED',
        title: { fr: 'Matrice', en: 'Matrix' },
        department: { fr: 'Greffe', en: 'Clerk' },
      },
      origin,
    );
    await revisions.changeDraft(
      actor,
      'matrix-editor',
      1,
      draft.version,
      (d) => ({
        ...d,
        form: {
          steps: [
            {
              slug: 'first',
              title: { fr: 'Première', en: 'First' },
              fields: [{ type: 'text', name: 'name', label: { fr: 'Nom', en: 'Name' } }],
            },
          ],
        },
      }),
      'authorization matrix',
      origin,
    );
  });
  afterAll(() => portal.close());

  const pages: [string, () => string, Expected][] = [
    ['home', () => '/', all(200)],
    ['acting as', () => '/acting-as', all(200)],
    ['your account', () => '/account', all(200, { anonymous: 303 })],
    ['your details', () => '/account/profile', all(200, { anonymous: 303 })],
    ['close your account', () => '/account/close', all(200, { anonymous: 303 })],
    ['change your password', () => '/account/password', all(200, { anonymous: 303 })],
    ['change your email address', () => '/account/email', all(200, { anonymous: 303 })],
    // The link emailed to a new address: a page with a button, for anyone holding the link.
    ['confirm a new email address', () => '/account/email/confirm?token=x', all(200)],
    ['download your data', () => '/account/data', all(200, { anonymous: 303 })],
    ['my businesses', () => '/organizations', all(200, { anonymous: 303 })],
    ['register a business', () => '/organizations/new', all(200, { anonymous: 303 })],
    ['SME A', () => `/organizations/${smeA}`, all(404, { anonymous: 303, 'member of SME A': 200 })],
    ['SME B', () => `/organizations/${smeB}`, all(404, { anonymous: 303, 'owner of SME B': 200 })],
    [
      "change SME A's details",
      () => `/organizations/${smeA}/edit`,
      all(404, { anonymous: 303, 'member of SME A': 403 }),
    ],
    [
      "change SME B's details",
      () => `/organizations/${smeB}/edit`,
      all(404, { anonymous: 303, 'owner of SME B': 200 }),
    ],
    [
      // Only an owner sends evidence of who owns the SME (ADR 0014).
      "SME A's proof of ownership",
      () => `/organizations/${smeA}/verification`,
      all(404, { anonymous: 303, 'member of SME A': 403 }),
    ],
    [
      'ask for a review of who owns an SME',
      () => '/organizations/claims/new',
      all(200, { anonymous: 303 }),
    ],
    ['staff area', () => '/staff', all(404, { anonymous: 303, ...STAFF })],
    [
      'verification queue',
      () => '/staff/verification',
      all(404, { anonymous: 303, ...ADMIN_ONLY }),
    ],
    [
      'an SME, for verification',
      () => `/staff/verification/${smeA}`,
      all(404, { anonymous: 303, ...ADMIN_ONLY }),
    ],
    [
      'evidence of who owns an SME',
      () => `/staff/verification/claims/${claimC}/evidence`,
      all(404, { anonymous: 303, ...ADMIN_ONLY }),
    ],
    ['staff people', () => '/staff/people', all(404, { anonymous: 303, ...ADMIN_ONLY })],
    [
      "a staff member's page",
      () => `/staff/people/${staffTarget}`,
      all(404, { anonymous: 303, ...ADMIN_ONLY }),
    ],
    [
      'confirming a removal from staff',
      () => `/staff/people/${staffTarget}/remove`,
      all(404, { anonymous: 303, ...ADMIN_ONLY }),
    ],
    ['audit log', () => '/staff/audit', all(404, { anonymous: 303, ...ADMIN_ONLY })],
    ['audit CSV', () => '/staff/audit.csv', all(404, { anonymous: 303, ...ADMIN_ONLY })],
    ['failed emails', () => '/staff/emails', all(404, { anonymous: 303, ...ADMIN_ONLY })],
    ['rollout console', () => '/staff/rollout', all(404, { anonymous: 303, ...CONSOLE })],
    [
      "a variant's rollout plan",
      () => '/staff/rollout/building-permit/business',
      all(404, { anonymous: 303, ...CONSOLE }),
    ],
    [
      // Counts and kinds, no personal data (ADR 0035): everyone who sees the gates.
      "a variant's gate evidence",
      () => '/staff/rollout/building-permit/business/evidence',
      all(404, { anonymous: 303, ...CONSOLE }),
    ],
    [
      "a service's revisions in rollout",
      () => '/staff/rollout/building-permit/revisions',
      all(404, { anonymous: 303, ...CONSOLE }),
    ],
    ['the service studio', () => '/staff/services', all(404, { anonymous: 303, ...STUDIO })],
    ['create a service', () => '/staff/services/new', all(404, { anonymous: 303, ...STUDIO })],
    ['import a service', () => '/staff/services/import', all(404, { anonymous: 303, ...STUDIO })],
    [
      "a service's page in the studio",
      () => '/staff/services/building-permit',
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      "a service's revision as a document",
      () => '/staff/services/building-permit/export.json?revision=1',
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      'withdraw a revision (confirm)',
      () => '/staff/services/building-permit/revisions/1/withdraw',
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      // A preview link designers share with colleagues: every staff role, read-only.
      "a revision's preview",
      () => '/staff/services/building-permit/revisions/1/preview/business/property',
      all(404, { anonymous: 303, ...STAFF }),
    ],
    [
      "a revision's checks",
      () => '/staff/services/building-permit/revisions/1/checks',
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      // Read-only, linked from the rollout console's revision page: every staff role.
      'comparing two revisions of a service',
      () => '/staff/services/building-permit/compare?from=1&to=1',
      all(404, { anonymous: 303, ...STAFF }),
    ],
    [
      'a released revision',
      () => '/staff/services/building-permit/revisions/1',
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    ['a draft revision', () => EDITOR, all(404, { anonymous: 303, ...STUDIO })],
    ["a draft's details", () => `${EDITOR}/details`, all(404, { anonymous: 303, ...STUDIO })],
    ["a draft's steps", () => `${EDITOR}/steps`, all(404, { anonymous: 303, ...STUDIO })],
    ["a draft's step", () => `${EDITOR}/steps/first`, all(404, { anonymous: 303, ...STUDIO })],
    [
      "removing a draft's step",
      () => `${EDITOR}/steps/first/remove`,
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      "removing a draft's question",
      () => `${EDITOR}/steps/first/fields/name/remove`,
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      "a draft's new question: its type",
      () => `${EDITOR}/steps/first/fields/new`,
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      "a draft's question",
      () => `${EDITOR}/steps/first/fields/name`,
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    [
      "a draft's new question in a group: its type",
      () => `${EDITOR}/steps/first/fields/name/fields/new`,
      // Not a group: the designer's 404; everyone else is refused before.
      all(404, { anonymous: 303, ...STUDIO, admin: 404, 'service-designer': 404 }),
    ],
    [
      // The draft has no rule: the designer's 404; everyone else is refused before.
      "remove a draft's cross-field rule: confirm",
      () => `${EDITOR}/rules/0/remove`,
      all(404, { anonymous: 303, ...STUDIO, admin: 404, 'service-designer': 404 }),
    ],
    [
      "a draft's cross-field rules",
      () => `${EDITOR}/rules`,
      all(404, { anonymous: 303, ...STUDIO }),
    ],
    ['cohorts', () => '/staff/cohorts', all(404, { anonymous: 303, ...ROLLOUT })],
    ['volunteer SMEs', () => '/staff/cohorts/volunteers', all(404, { anonymous: 303, ...ROLLOUT })],
    ['pilot programme', () => '/pilot', all(200)],
    [
      // Only the invited address answers it; anyone else signed in is refused.
      'a pilot invitation sent to someone else',
      () => `/pilot/invitations/${pilotToken}`,
      all(403, { anonymous: 200 }),
    ],
    ['acceptance criteria', () => '/staff/acceptance', all(404, { anonymous: 303, ...ACCEPTANCE })],
    ['the public performance page', () => '/performance', all(200)],
    ['the performance figures as JSON', () => '/performance.json', all(200)],
    ['the performance figures as CSV', () => '/performance.csv', all(200)],
    ['the accessibility statement', () => '/accessibility', all(200)],
    ['the privacy policy', () => '/privacy', all(200)],
    // Public; the directory's routes exist only with OIDC_ISSUER (test/staff-directory-browser.spec.ts).
    ['the staff sign-in page', () => '/staff/sign-in', all(200)],
    // Staff only (anyone else: not found); not enrolled yet: to the enrolment.
    [
      'the second sign-in step',
      () => '/staff/second-factor',
      all(404, { anonymous: 303, ...mapStaff(303) }),
    ],
    [
      "the second sign-in step's enrolment",
      () => '/staff/second-factor/enrol',
      all(404, { anonymous: 303, ...mapStaff(200) }),
    ],
    ['the directory sign-in, without a directory', () => '/staff/sign-in/directory', all(404)],
    ["the directory's callback, without a directory", () => '/staff/sign-in/callback', all(404)],
    ['the insights', () => '/staff/insights', all(404, { anonymous: 303, ...INSIGHTS })],
    [
      // Clerks (and admins) record them; the insights read them.
      'applications received outside the portal',
      () => '/staff/offline-applications',
      all(404, { anonymous: 303, ...PROCESSING }),
    ],
    [
      "a variant's insights",
      () => '/staff/insights/building-permit/business',
      all(404, { anonymous: 303, ...INSIGHTS }),
    ],
    [
      "a service's SME-first comparison",
      () => '/staff/insights/building-permit/sme-first',
      all(404, { anonymous: 303, ...INSIGHTS }),
    ],
    [
      "a variant's insights as CSV",
      () => '/staff/insights/building-permit/business/export.csv?table=funnel',
      all(404, { anonymous: 303, ...INSIGHTS }),
    ],
    [
      "a service's SME-first comparison as CSV",
      () => '/staff/insights/building-permit/sme-first.csv',
      all(404, { anonymous: 303, ...INSIGHTS }),
    ],
    [
      "a variant's acceptance criteria",
      () => '/staff/acceptance/building-permit/business',
      all(404, { anonymous: 303, ...ACCEPTANCE }),
    ],
    [
      // Nobody is a tester of a closed variant.
      'the pilot checklist',
      () => '/services/building-permit/business/acceptance',
      all(403, { anonymous: 303 }),
    ],
    ['the FAQ, for staff', () => '/staff/faq', all(404, { anonymous: 303, ...FAQ })],
    ['a new FAQ entry', () => '/staff/faq/new', all(404, { anonymous: 303, ...FAQ })],
    ['my applications', () => '/applications', all(200, { anonymous: 303 })],
    [
      "a resident's application",
      () => `/applications/${residentApplication}`,
      all(404, { anonymous: 303, citizen: 200 }),
    ],
    [
      "a resident's receipt",
      () => `/applications/${residentApplication}/receipt.pdf`,
      all(404, { anonymous: 303, citizen: 200 }),
    ],
    [
      // Its member, acting for themselves, is offered to act for the SME (409).
      "SME A's application",
      () => `/applications/${smeApplication}`,
      all(404, { anonymous: 303, 'member of SME A': 409 }),
    ],
    [
      'applications queue',
      () => '/staff/applications',
      all(404, { anonymous: 303, ...PROCESSING }),
    ],
    [
      'applications CSV',
      () => '/staff/applications/export.csv',
      all(404, { anonymous: 303, ...PROCESSING }),
    ],
    [
      'an application, for staff',
      () => `/staff/applications/${residentApplication}`,
      all(404, { anonymous: 303, ...PROCESSING }),
    ],
    ['my feedback', () => '/feedback', all(200, { anonymous: 303 })],
    [
      "a resident's feedback",
      () => `/feedback/${residentFeedback}`,
      all(404, { anonymous: 303, citizen: 200 }),
    ],
    ['feedback inbox', () => '/staff/feedback', all(404, { anonymous: 303, ...FEEDBACK })],
    ['feedback CSV', () => '/staff/feedback.csv', all(404, { anonymous: 303, ...FEEDBACK })],
    [
      'a feedback item, for staff',
      () => `/staff/feedback/${residentFeedback}`,
      all(404, { anonymous: 303, ...FEEDBACK }),
    ],
    [
      'record feedback received by phone',
      () => '/staff/feedback/new',
      all(404, { anonymous: 303, ...FEEDBACK }),
    ],
    [
      'feedback super-users',
      () => '/staff/feedback/super-users',
      all(404, { anonymous: 303, ...FEEDBACK }),
    ],
    [
      'the feedback form',
      () => '/services/building-permit/citizen/feedback',
      all(200, { anonymous: 303 }),
    ],
    [
      "a resident's satisfaction survey",
      () => `/applications/${residentApplication}/satisfaction`,
      all(404, { anonymous: 303, citizen: 200 }),
    ],
    [
      "SME A's satisfaction survey",
      () => `/applications/${smeApplication}/satisfaction`,
      all(404, { anonymous: 303, 'member of SME A': 409 }),
    ],
    ['liveness', () => '/healthz', all(200)],
  ];

  for (const [name, path, expected] of pages) {
    it(`GET ${name}`, async () => {
      const got = {} as Expected;
      for (const actor of ACTORS) got[actor] = (await agents[actor].get(path())).status;
      expect(got).toEqual(expected);
    });
  }

  /** A form post with the actor's own CSRF token (taken from a page every actor can open). */
  async function post(actor: Actor, path: string, fields: Record<string, string>) {
    const page = await agents[actor].get('/register');
    return agents[actor]
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  /** A studio form: designers and admins get past the guard (`status`), other staff 403. */
  const studioPost = (status: number): Expected =>
    all(404, { anonymous: 303, ...STUDIO, admin: status, 'service-designer': status });

  const actions: [string, () => string, () => Record<string, string>, Expected][] = [
    [
      // No type chosen: the form again.
      'add a question to a draft',
      () => `${EDITOR}/steps/first/fields/new`,
      () => ({ version: '1' }),
      studioPost(422),
    ],
    [
      // An old version: the draft changed since (nothing saved).
      "save a draft's question",
      () => `${EDITOR}/steps/first/fields/name`,
      () => ({ version: '0', labelFr: 'Date' }),
      studioPost(409),
    ],
    [
      'add a cross-field rule to a draft',
      () => `${EDITOR}/rules`,
      () => ({ version: '0', field: 'preferredDate' }),
      studioPost(409),
    ],
    [
      // The draft has no rule to remove.
      "remove a draft's cross-field rule",
      () => `${EDITOR}/rules/0/remove`,
      () => ({ version: '1' }),
      studioPost(404),
    ],
    [
      // A wrong current password: everyone signed in gets the form back, nobody's password changes.
      'change your password',
      () => '/account/password',
      () => ({ currentPassword: 'pas le bon', newPassword: 'un nouveau mot de passe solide' }),
      all(422, { anonymous: 303 }),
    ],
    [
      // A wrong current password: the form again, no link sent.
      'change your email address',
      () => '/account/email',
      () => ({ newEmail: uniqueEmail('new'), currentPassword: 'pas le bon' }),
      all(422, { anonymous: 303 }),
    ],
    [
      // An unknown link: 410 for everyone, signed in or not; nothing changes.
      'confirm a new email address',
      () => '/account/email/confirm',
      () => ({ token: newToken() }),
      all(410),
    ],
    [
      // Everyone signed in gets their own archive.
      'download your data',
      () => '/account/data',
      () => ({}),
      all(200, { anonymous: 303 }),
    ],
    [
      // An invalid form: members are refused before it is read; the owner gets it back.
      "change SME A's details",
      () => `/organizations/${smeA}/edit`,
      () => ({ city: '' }),
      all(404, { anonymous: 303, 'member of SME A': 403 }),
    ],
    [
      "change SME B's details",
      () => `/organizations/${smeB}/edit`,
      () => ({ city: '' }),
      all(404, { anonymous: 303, 'owner of SME B': 422 }),
    ],
    [
      'close your account',
      () => '/account/close',
      () => ({ password: 'pas le bon' }),
      all(422, { anonymous: 303 }),
    ],
    [
      'invite someone to SME A',
      () => `/organizations/${smeA}/invitations`,
      () => ({ email: uniqueEmail('guest'), role: 'member' }),
      all(404, { anonymous: 303, 'member of SME A': 403 }),
    ],
    [
      "remove SME A's owner",
      () => `/organizations/${smeA}/members/00000000-0000-4000-8000-000000000000/remove`,
      () => ({}),
      all(404, { anonymous: 303, 'member of SME A': 403 }),
    ],
    [
      "withdraw a resident's application",
      () => `/applications/${residentApplication}/withdraw`,
      () => ({}),
      all(404, { anonymous: 303, citizen: 303 }),
    ],
    [
      "write on SME A's application",
      () => `/applications/${smeApplication}/messages`,
      () => ({ message: 'Bonjour' }),
      all(404, { anonymous: 303, 'member of SME A': 409 }),
    ],
    [
      "answer a resident's satisfaction survey",
      () => `/applications/${residentApplication}/satisfaction`,
      () => ({ overall: '4' }),
      all(404, { anonymous: 303, citizen: 303 }),
    ],
    [
      // No candidate in rollout: deciders reach the rule (409); analysts only read.
      "promote a service's candidate revision",
      () => '/staff/rollout/building-permit/revisions/promote',
      () => ({ expectedStage: '', reason: 'Essai' }),
      all(404, {
        anonymous: 303,
        admin: 409,
        'rollout-manager': 409,
        clerk: 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      'write to the applicant as staff',
      () => `/staff/applications/${smeApplication}/messages`,
      () => ({ message: 'Bonjour' }),
      all(404, {
        anonymous: 303,
        admin: 303,
        clerk: 303,
        'rollout-manager': 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      // Separation of duties: nobody decides their own application.
      "approve the clerk's own application",
      () => `/staff/applications/${clerksOwnApplication}/approve`,
      () => ({ conditions: '' }),
      all(404, {
        anonymous: 303,
        admin: 303,
        clerk: 403,
        'rollout-manager': 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      // …nor one of an SME they belong to.
      "reject an application of the admin's SME",
      () => `/staff/applications/${adminsSmeApplication}/reject`,
      () => ({ rejectionReason: 'Incomplet' }),
      all(404, {
        anonymous: 303,
        admin: 403,
        clerk: 303,
        'rollout-manager': 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      // Only the invited address accepts an invitation; whoever else holds the link is refused.
      'accept an invitation sent to someone else',
      () => '/invitations/accept',
      () => ({ token: invitationToken }),
      all(403, { anonymous: 303 }),
    ],
    [
      'write an acceptance criterion',
      () => '/staff/acceptance/building-permit/business/criteria',
      () => ({ titleFr: 'Déposer une demande', titleEn: 'File an application' }),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 303,
        clerk: 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      'record pilot checklist results',
      () => '/services/building-permit/business/acceptance',
      () => ({}),
      all(403, { anonymous: 303 }),
    ],
    [
      'write a FAQ entry',
      () => '/staff/faq/new',
      () => ({
        service: 'building-permit',
        questionFr: 'Combien de temps?',
        questionEn: 'How long?',
        answerFr: 'Dix jours.',
        answerEn: 'Ten days.',
      }),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 303,
        clerk: 303,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      'reply to feedback',
      () => `/staff/feedback/${residentFeedback}/replies`,
      () => ({ reply: 'Merci de votre commentaire.' }),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 303,
        clerk: 303,
        analyst: 303,
        'service-designer': 403,
      }),
    ],
    [
      'change feedback in bulk',
      () => '/staff/feedback/bulk',
      () => ({ ids: residentFeedback, action: 'tag', bulkTag: 'vu' }),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 303,
        clerk: 303,
        analyst: 303,
        'service-designer': 403,
      }),
    ],
    [
      'record feedback for someone',
      () => '/staff/feedback/new',
      () => ({
        service: 'building-permit',
        variant: 'citizen',
        channel: 'counter',
        onBehalfOf: 'contact',
        contactName: 'Paul Tremblay',
        language: 'fr',
        kind: 'praise',
        happened: 'Très clair.',
      }),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 303,
        clerk: 303,
        analyst: 303,
        'service-designer': 403,
      }),
    ],
    [
      // Sent without its file: the owner of A would get 422; its member may not send it at all.
      'send evidence of who owns SME A',
      () => `/organizations/${smeA}/verification`,
      () => ({ note: 'Je suis propriétaire.' }),
      all(404, { anonymous: 303, 'member of SME A': 403 }),
    ],
    [
      'ask for a review of who owns an SME (without its file)',
      () => '/organizations/claims/new',
      () => ({ neq: '1100000001', note: 'Elle est à moi.' }),
      all(422, { anonymous: 303 }),
    ],
    [
      "verify SME C's owner",
      () => `/staff/verification/claims/${claimC}/verify`,
      () => ({}),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 403,
        clerk: 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      "revoke SME D's unverified claim",
      () => `/staff/verification/${smeD}/revoke`,
      () => ({ 'revoke-reason': 'Le NEQ appartient à une autre entreprise.' }),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 403,
        clerk: 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      'retry a failed email',
      () => `/staff/emails/${failedEmail}/retry`,
      () => ({}),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 403,
        clerk: 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
    [
      // A malformed slug: the designer and the admin get the form back, nothing changes.
      'add a step to a draft',
      () => `${EDITOR}/steps`,
      () => ({ slug: 'Pas Bon', titleFr: 'x', titleEn: 'x', version: '1' }),
      all(404, { anonymous: 303, ...STUDIO, admin: 422, 'service-designer': 422 }),
    ],
    [
      // A version the draft is past: 409, nothing changes.
      "change a draft's details, steps and questions",
      () => `${EDITOR}/details`,
      () => ({ referencePrefix: 'ZED', version: '0' }),
      all(404, { anonymous: 303, ...STUDIO, admin: 409, 'service-designer': 409 }),
    ],
    [
      "duplicate a draft's step",
      () => `${EDITOR}/steps/first/duplicate`,
      () => ({ version: '0' }),
      all(404, { anonymous: 303, ...STUDIO, admin: 409, 'service-designer': 409 }),
    ],
    [
      "save a draft's step",
      () => `${EDITOR}/steps/first`,
      () => ({ titleFr: 'x', titleEn: 'x', version: '0' }),
      all(404, { anonymous: 303, ...STUDIO, admin: 409, 'service-designer': 409 }),
    ],
    [
      "remove a draft's question",
      () => `${EDITOR}/steps/first/fields/name/remove`,
      () => ({ version: '0' }),
      all(404, { anonymous: 303, ...STUDIO, admin: 409, 'service-designer': 409 }),
    ],
    [
      // Without its fields: a designer gets the form back.
      'create a service',
      () => '/staff/services/new',
      () => ({}),
      all(404, { anonymous: 303, ...STUDIO_REFUSED, admin: 422, 'service-designer': 422 }),
    ],
    [
      // Without its file.
      'import a service',
      () => '/staff/services/import',
      () => ({}),
      all(404, { anonymous: 303, ...STUDIO_REFUSED, admin: 422, 'service-designer': 422 }),
    ],
    [
      'start a draft from a revision that is no number',
      () => '/staff/services/building-permit/drafts',
      () => ({ from: 'abc' }),
      all(404, { anonymous: 303, ...STUDIO_REFUSED, admin: 422, 'service-designer': 422 }),
    ],
    [
      'discard a revision that is no draft',
      () => '/staff/services/building-permit/revisions/1/discard',
      () => ({ version: '1' }),
      all(404, { anonymous: 303, ...STUDIO_REFUSED, admin: 409, 'service-designer': 409 }),
    ],
    [
      // Its only ready revision: the service must keep one.
      'withdraw a service’s last ready revision',
      () => '/staff/services/building-permit/revisions/1/withdraw',
      () => ({}),
      all(404, { anonymous: 303, ...STUDIO_REFUSED, admin: 409, 'service-designer': 409 }),
    ],
    [
      // Clerks and admins record them (a second count of the day replaces the first).
      'record applications received outside the portal',
      () => '/staff/offline-applications',
      () => ({
        service: 'bulky-waste-pickup',
        audience: 'citizen',
        channel: 'counter',
        day: '2026-11-02',
        applications: '4',
      }),
      all(404, { anonymous: 303, ...PROCESSING, admin: 303, clerk: 303 }),
    ],
    [
      // The same roles each time: the admin's post saves them, the others are refused.
      "change a staff member's roles",
      () => `/staff/people/${staffTarget}/roles`,
      () => ({ 'role-clerk': 'yes', 'role-analyst': 'yes' }),
      all(404, { anonymous: 303, ...ADMIN_ONLY, admin: 303 }),
    ],
    [
      // Nobody has enrolled here: wrong, or nothing to check (409); anyone else: not found.
      'give a second factor code',
      () => '/staff/second-factor',
      () => ({ code: '123456' }),
      all(404, { anonymous: 303, ...mapStaff(409) }),
    ],
    [
      'confirm an enrolment with a wrong code',
      () => '/staff/second-factor/enrol',
      () => ({ code: '12' }),
      // Each staff agent opened the enrolment among the GET rows above.
      all(404, { anonymous: 303, ...mapStaff(422) }),
    ],
    [
      "reset a staff member's second factor",
      () => `/staff/people/${staffTarget}/second-factor/reset`,
      () => ({}),
      all(404, { anonymous: 303, ...ADMIN_ONLY, admin: 303 }),
    ],
    [
      'remove someone from staff',
      () => `/staff/people/${removalTarget}/remove`,
      () => ({}),
      all(404, { anonymous: 303, ...ADMIN_ONLY, admin: 303 }),
    ],
    [
      'add a staff member',
      () => '/staff/people',
      () => ({ displayName: 'Nouvelle Personne', email: uniqueEmail('new-staff'), role: 'clerk' }),
      all(404, {
        anonymous: 303,
        admin: 303,
        'rollout-manager': 403,
        clerk: 403,
        analyst: 403,
        'service-designer': 403,
      }),
    ],
  ];

  for (const [name, path, fields, expected] of actions) {
    it(`POST ${name}`, async () => {
      const got = {} as Expected;
      for (const actor of ACTORS) got[actor] = (await post(actor, path(), fields())).status;
      expect(got).toEqual(expected);
    });
  }

  it('POST an application’s files through the API: a key, never a session; only its SME’s', async () => {
    const path = () => `/api/v1/applications/${smeApplication}/files`;
    const send = (agent: Agent | ReturnType<typeof request>, key?: string) => {
      const call = agent.post(path());
      if (key) call.set('Authorization', `Bearer ${key}`);
      return call.field('question', 'sitePlan').attach('file', PDF, 'plan.pdf');
    };
    const got = {} as Expected;
    for (const actor of ACTORS) got[actor] = (await send(agents[actor])).status;
    // Signed in or not, a browser session opens no API route.
    expect(got).toEqual(all(401));
    const byKey = {
      'SME A, read and write': (await send(request(portal.url), apiKeys.a)).status,
      'SME A, read only': (await send(request(portal.url), apiKeys.aReadOnly)).status,
      'SME B': (await send(request(portal.url), apiKeys.b)).status,
    };
    // SME A's application is submitted: its files no longer change (409); another SME's key: 404.
    expect(byKey).toEqual({ 'SME A, read and write': 409, 'SME A, read only': 403, 'SME B': 404 });
  });

  it('refuses every state-changing form without its CSRF token, whoever sends it', async () => {
    for (const actor of ACTORS) {
      const res = await agents[actor]
        .post('/account/profile')
        .type('form')
        .send({ displayName: 'X', preferredLocale: 'fr' });
      expect(res.status).toBe(403);
    }
  });
});
