import request from 'supertest';
import { DataSource } from 'typeorm';
import { smeMember } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

describe('French and English', () => {
  let portal: TestApp;

  beforeAll(async () => {
    portal = await startTestApp();
  });
  afterAll(() => portal.close());

  it('serves French by default, with <html lang="fr">', async () => {
    const res = await request(portal.url).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-language']).toBe('fr');
    expect(res.text).toContain('<html lang="fr"');
    expect(res.text).toContain('Services en ligne de la Ville de Val-des-Cèdres');
  });

  it("follows the browser's Accept-Language when no choice was made", async () => {
    const res = await request(portal.url).get('/').set('Accept-Language', 'en-CA,en;q=0.9');
    expect(res.text).toContain('<html lang="en"');
    expect(res.text).toContain('City of Val-des-Cèdres online services');
  });

  it('remembers an explicit switch in a cookie, over Accept-Language, and returns to the page', async () => {
    const agent = request.agent(portal.url);
    const switched = await agent
      .get('/language/en?return=%2Facting-as')
      .set('Accept-Language', 'fr');
    expect(switched.status).toBe(303);
    expect(switched.headers.location).toBe('/acting-as');
    expect(switched.headers['set-cookie']?.[0]).toMatch(/guichet_lang=en;.*HttpOnly/i);

    const page = await agent.get('/acting-as').set('Accept-Language', 'fr');
    expect(page.text).toContain('<html lang="en"');
    expect(page.text).toContain('Who are you acting for?');

    await agent.get('/language/fr?return=%2F');
    const back = await agent.get('/').set('Accept-Language', 'en');
    expect(back.text).toContain('<html lang="fr"');
  });

  it('offers the other language on every page, pointing back to the same page', async () => {
    const res = await request(portal.url).get('/services/building-permit/citizen');
    expect(res.text).toContain(
      'href="/language/en?return=%2Fservices%2Fbuilding-permit%2Fcitizen"',
    );
    expect(res.text).toMatch(
      /<span class="govuk-language-navigation__text" aria-current="true" lang="fr">Français<\/span>/,
    );
  });

  it('never redirects the switch to another site', async () => {
    for (const target of ['https://evil.example/', '//evil.example', '/\\evil.example']) {
      const res = await request(portal.url).get(
        `/language/en?return=${encodeURIComponent(target)}`,
      );
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });

  it('translates error pages too', async () => {
    const fr = await request(portal.url).get('/nowhere');
    expect(fr.status).toBe(404);
    expect(fr.text).toContain('Page introuvable');
    const en = await request(portal.url).get('/nowhere').set('Cookie', 'guichet_lang=en');
    expect(en.text).toContain('Page not found');
    const api = await request(portal.url).get('/nowhere').set('Accept', 'application/json');
    expect(api.body).toEqual({
      code: 'not_found',
      message: 'Cette page est introuvable.',
      requestId: expect.any(String),
    });
  });

  it('re-renders the acting-as form with 422, an error summary and the field message when nothing is chosen', async () => {
    const { agent } = await smeMember(portal.url, portal.app.get(DataSource));
    const page = await agent.get('/acting-as').set('Cookie', 'guichet_lang=en');
    const res = await agent
      .post('/acting-as')
      .set('Cookie', 'guichet_lang=en')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), return: '/' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<title>Error: Who are you acting for?');
    expect(res.text).toContain('There is a problem');
    expect(res.text).toContain('<a href="#actingAs">Select who you are acting for</a>');
    expect(res.text).toContain('id="actingAs-error"');
  });
});
