import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('security headers', () => {
  let http: TestApp;
  let https: TestApp;

  beforeAll(async () => {
    http = await startTestApp();
    https = await startTestApp({
      PUBLIC_URL: 'https://services.val-des-cedres.example',
      TRUST_PROXY: 'loopback',
    });
  });
  afterAll(async () => {
    await http.close();
    await https.close();
  });

  it('sends a strict Content-Security-Policy: no inline script, no framing', async () => {
    const res = await request(http.url).get('/');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends HSTS and secure cookies only behind TLS', async () => {
    const plain = await request(http.url).get('/register');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(plain.headers['set-cookie']?.[0]).not.toMatch(/Secure/);

    const tls = await request(https.url).get('/register').set('X-Forwarded-Proto', 'https');
    expect(tls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(tls.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(tls.headers['set-cookie']?.[0]).toMatch(/guichet_session=.*; Secure/);
  });

  it('creates no session (and no database row) for a visitor who only reads', async () => {
    const res = await request(http.url).get('/services/building-permit/citizen');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
