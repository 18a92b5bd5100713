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
