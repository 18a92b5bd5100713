import request from 'supertest';
import { DataSource } from 'typeorm';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Every page behind `@SignedIn` (and the staff area) sends an anonymous visitor
 * to sign in with 303, coming back to the handler's address: the page asked for
 * (query included) when the handler names none, else its template with the
 * route's parameters filled in; staff pages come back to the page on GET and to
 * /staff after a post. The pilot's volunteering also needs someone acting for an
 * SME: anyone else signed in goes back to /pilot.
 */
describe('the sign-in redirect (one guard)', () => {
  let portal: TestApp;
  const id = '3f2b8c1e-4d5a-4b6c-9e7f-8a9b0c1d2e3f';
  const signInTo = (path: string) => `/sign-in?return=${encodeURIComponent(path)}`;

  beforeAll(async () => {
    portal = await startTestApp();
  });
  afterAll(() => portal.close());

  it.each([
    ['/account?saved=1', '/account'],
    ['/account/profile?x=1', '/account/profile?x=1'],
    ['/account/password', '/account/password'],
    ['/organizations?x=1', '/organizations'],
    [`/organizations/${id}?invited=1`, `/organizations/${id}`],
    [`/organizations/${id}/api-keys?revoked=1`, `/organizations/${id}/api-keys`],
    ['/organizations/claims/new?neq=1234567890', '/organizations/claims/new'],
    ['/organizations/claims/sent', '/organizations/claims/sent'],
    [`/organizations/${id}/verification?sent=1`, `/organizations/${id}/verification`],
    [`/pilot/cohorts/${id}/withdraw?x=1`, `/pilot/cohorts/${id}/withdraw`],
    ['/staff/audit?page=2', '/staff/audit?page=2'],
  ])('GET %s → sign in, back to %s', async (path, back) => {
    const res = await request(portal.url).get(path);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(signInTo(back));
  });

  it.each([
    ['/account/profile', '/account/profile'],
    ['/account/close', '/account/close'],
    ['/acting-as', '/acting-as'],
    ['/organizations/new', '/organizations/new'],
    [`/organizations/${id}/invitations`, `/organizations/${id}`],
    [`/organizations/${id}/members/${id}/remove`, `/organizations/${id}`],
    [`/organizations/${id}/api-keys`, `/organizations/${id}/api-keys`],
    [`/organizations/${id}/api-keys/${id}/revoke`, `/organizations/${id}/api-keys`],
    ['/pilot/volunteer', '/pilot'],
    [`/pilot/cohorts/${id}/withdraw`, `/pilot/cohorts/${id}/withdraw`],
    ['/pilot/invitations/abc123/accept', '/pilot/invitations/abc123'],
    ['/pilot/invitations/abc123/decline', '/pilot/invitations/abc123'],
    ['/staff/rollout/bulky-waste-pickup/business/promote', '/staff'],
  ])('POST %s → sign in, back to %s, whatever the form holds', async (path, back) => {
    const anonymous = request.agent(portal.url);
    const csrf = csrfFrom((await anonymous.get('/sign-in')).text);
    const res = await anonymous
      .post(path)
      .type('form')
      .send({ _csrf: csrf, name: 'x'.repeat(5000) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(signInTo(back));
  });

  it('sends someone signed in but not acting for an SME back to /pilot when they volunteer', async () => {
    const person = await createPerson(portal.app.get(DataSource));
    const agent = await signedInAgent(portal.url, person.email);
    const csrf = csrfFrom((await agent.get('/account/profile')).text);
    const res = await agent.post('/pilot/volunteer').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/pilot');
  });
});
