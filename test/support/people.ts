import request from 'supertest';
import type { DataSource } from 'typeorm';
import { hashPassword } from '../../src/platform/security/passwords.js';
import { csrfFrom } from './test-app.js';

export const PASSWORD = 'trois pommes vertes au marché';
let passwordHash: Promise<string> | undefined;

export const uniqueEmail = (prefix = 'person') =>
  `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@exemple.ca`;

/** A person with a confirmed account, inserted directly (registration has its own tests). */
export async function createPerson(
  db: DataSource,
  { email = uniqueEmail(), displayName = 'Marie Tremblay', locale = 'fr' } = {},
): Promise<{ id: string; email: string; displayName: string }> {
  passwordHash ??= hashPassword(PASSWORD);
  const [row] = await db.query(
    `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
     VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [email, displayName, await passwordHash, locale],
  );
  return { id: row.id as string, email, displayName };
}

/** A supertest agent signed in as `email` through /sign-in, with its language cookie. */
export async function signedInAgent(
  url: string,
  email: string,
  lang = 'fr',
  forwardedFor?: string,
) {
  const agent = request.agent(url);
  const page = agent.get('/sign-in').set('Cookie', `guichet_lang=${lang}`);
  if (forwardedFor) page.set('X-Forwarded-For', forwardedFor);
  const csrf = csrfFrom((await page).text);
  const post = agent.post('/sign-in').set('Cookie', `guichet_lang=${lang}`);
  if (forwardedFor) post.set('X-Forwarded-For', forwardedFor);
  const res = await post.type('form').send({ _csrf: csrf, email, password: PASSWORD, return: '/' });
  if (res.status !== 303) throw new Error(`could not sign in ${email}: ${res.status}`);
  return agent;
}

/** A fictional NEQ, unique enough for a test database. */
const neq = () => `11${String(Date.now() % 1e8).padStart(8, '0')}`.slice(0, 10);
let neqCounter = 0;

/**
 * A signed-in member of a new SME, acting on its behalf (through the real
 * /acting-as form). Returns the session cookie to send with plain requests.
 * The SME is verified (staff checked its owner, ADR 0014) unless `verified` is false.
 */
export async function smeMember(
  url: string,
  db: DataSource,
  { legalName = 'Boulangerie du Vieux-Moulin inc.', employeeCount = 12, verified = true } = {},
): Promise<{
  cookie: string;
  organizationId: string;
  accountId: string;
  agent: ReturnType<typeof request.agent>;
}> {
  const person = await createPerson(db);
  const [org] = await db.query(
    `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
       contact_name, contact_email, contact_phone, verified_at)
     VALUES ($1, $2, '12 rue Principale', 'Val-des-Cèdres', 'J0A 1B0', $3, '31-33', $4, $5, '418 555-0123',
       CASE WHEN $6 THEN now() END)
     RETURNING id`,
    [
      legalName,
      `${neq().slice(0, 8)}${String(neqCounter++ % 100).padStart(2, '0')}`,
      employeeCount,
      person.displayName,
      person.email,
      verified,
    ],
  );
  await db.query(
    `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
    [org.id, person.id],
  );
  const agent = await signedInAgent(url, person.email);
  const page = await agent.get('/acting-as');
  const res = await agent
    .post('/acting-as')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), actingAs: org.id, return: '/' });
  if (res.status !== 303) throw new Error(`could not act for the SME: ${res.status}`);
  const cookie = (
    agent as unknown as {
      jar: { getCookie(name: string, access: object): { toValueString(): string } | undefined };
    }
  ).jar
    .getCookie('guichet_session', {
      domain: new URL(url).hostname,
      path: '/',
      secure: false,
      script: false,
    })
    ?.toValueString();
  if (!cookie) throw new Error('no session cookie');
  return { cookie, organizationId: org.id as string, accountId: person.id, agent };
}
