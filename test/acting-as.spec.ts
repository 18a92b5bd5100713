import request from 'supertest';
import { DataSource } from 'typeorm';
import { smeMember } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

describe('acting as yourself or one of your SMEs', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
  });
  afterAll(() => portal.close());

  it('shows the SME on every page once chosen, and audits the switch', async () => {
    const member = await smeMember(portal.url, db, { legalName: 'Atelier de soudure Beaudoin' });
    const home = await request(portal.url).get('/').set('Cookie', member.cookie);
    expect(home.text).toContain('Au nom de Atelier de soudure Beaudoin');
    expect(home.text).toContain('Vous agissez au nom de Atelier de soudure Beaudoin.');
    const [event] = await db.query(
      `SELECT actor_id, acting_as, before, after FROM audit_event WHERE action = 'acting_as.switched' AND actor_id = $1`,
      [member.accountId],
    );
    expect(event).toEqual({
      actor_id: member.accountId,
      acting_as: { audience: 'business', organizationId: member.organizationId },
      before: { actingAs: 'myself' },
      after: { actingAs: member.organizationId },
    });
  });

  it('refuses to act for an SME you do not belong to (422), leaving the choice as it was', async () => {
    const member = await smeMember(portal.url, db);
    const stranger = await smeMember(portal.url, db, { legalName: 'Toitures Laurentides ltée' });
    const page = await stranger.agent.get('/acting-as');
    expect(page.text).not.toContain(member.organizationId);
    const res = await stranger.agent
      .post('/acting-as')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), actingAs: member.organizationId });
    expect(res.status).toBe(422);
    const home = await request(portal.url).get('/').set('Cookie', stranger.cookie);
    expect(home.text).toContain('Au nom de Toitures Laurentides ltée');
  });

  it('stops acting for an SME at once when the membership ends', async () => {
    const member = await smeMember(portal.url, db, { legalName: 'Épicerie Gagnon' });
    await db.query(`DELETE FROM organization_membership WHERE account_id = $1`, [member.accountId]);
    const home = await request(portal.url).get('/').set('Cookie', member.cookie);
    expect(home.text).toContain('Vous agissez en votre nom');
    expect(home.text).not.toContain('Épicerie Gagnon');
  });

  it('asks visitors who are not signed in to sign in to act for a business', async () => {
    const page = await request(portal.url).get('/acting-as');
    expect(page.status).toBe(200);
    expect(page.text).toContain('connectez-vous');
    const post = await request(portal.url)
      .post('/acting-as')
      .type('form')
      .send({ actingAs: 'myself' });
    expect(post.status).toBe(403);
  });
});
