import request from 'supertest';
import { adminQuery, startTestApp, type TestApp } from './support/test-app.js';

describe('health endpoints', () => {
  let portal: TestApp;

  beforeAll(async () => {
    portal = await startTestApp();
  });
  afterAll(() => portal.close());

  it('answers liveness with 200', async () => {
    const res = await request(portal.url).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports the database, flags, mail and the virus scanner as up when they are', async () => {
    const res = await request(portal.url).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ready',
      checks: { database: 'up', flags: 'synced', mail: 'up', scanner: 'ok' },
    });
  });

  it('gives every response a request id, and keeps a sane one the caller sent', async () => {
    const generated = await request(portal.url).get('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await request(portal.url).get('/healthz').set('X-Request-Id', 'lb-trace-12345678');
    expect(kept.headers['x-request-id']).toBe('lb-trace-12345678');
    const replaced = await request(portal.url).get('/healthz').set('X-Request-Id', '<script>');
    expect(replaced.headers['x-request-id']).not.toBe('<script>');
  });

  it('answers 503 with the database marked down when PostgreSQL refuses connections', async () => {
    await adminQuery(`ALTER DATABASE ${portal.database} WITH ALLOW_CONNECTIONS false`);
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
      portal.database,
    ]);
    try {
      const res = await request(portal.url).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unready');
      expect(res.body.checks.database).toBe('down');
      // Liveness does not depend on the database.
      expect((await request(portal.url).get('/healthz')).status).toBe(200);
    } finally {
      await adminQuery(`ALTER DATABASE ${portal.database} WITH ALLOW_CONNECTIONS true`);
    }
    const recovered = await request(portal.url).get('/readyz');
    expect(recovered.status).toBe(200);
  });
});
