import { cpSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { allBusinessesStrategy } from '../src/modules/rollout/demo-rollout.seed.js';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import { DataSource } from 'typeorm';
import { smeMember } from './support/people.js';
import {
  eventually,
  planAllows,
  startTestApp,
  type TestApp,
  testDataDir,
  unleashAdmin,
} from './support/test-app.js';

/** A signed-in SME member acting for the SME, in that portal's own database. */
const memberOf = async (portal: TestApp) =>
  (await smeMember(portal.url, portal.app.get(DataSource))).cookie;

describe('when Unleash cannot be reached', () => {
  it('serves from the last configuration the client backed up', async () => {
    // A portal that reached Unleash (it provisions the flags at boot) leaves a
    // backup of the configuration in its data directory.
    const first = await startTestApp();
    await planAllows(first, ['building-permit']);
    const firstMember = await memberOf(first);
    await unleashAdmin().replaceStrategies('building-permit.business', true, [
      allBusinessesStrategy('building-permit.business'),
    ]);
    await eventually(async () => {
      const res = await request(first.url)
        .get('/services/building-permit/business')
        .set('Cookie', firstMember);
      return res.status === 200;
    });
    await first.close();

    // A second portal, with that backup but pointed at a dead Unleash address.
    const dataDir = testDataDir();
    mkdirSync(resolve(dataDir, 'unleash'), { recursive: true });
    cpSync(resolve(first.config.DATA_DIR, 'unleash'), resolve(dataDir, 'unleash'), {
      recursive: true,
    });
    const deadUnleash = `http://127.0.0.1:${await findFreePort()}/api`;
    const second = await startTestApp(
      { UNLEASH_URL: deadUnleash, DATA_DIR: dataDir },
      { skipBootTasks: true },
    );
    try {
      await planAllows(second, ['building-permit']);
      const res = await request(second.url)
        .get('/services/building-permit/business')
        .set('Cookie', await memberOf(second));
      expect(res.status).toBe(200);
      const ready = await request(second.url).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks.flags).toBe('backup');
    } finally {
      await second.close();
    }
  });

  it('fails closed without any configuration: pages still render, the variant is unavailable, readiness says degraded', async () => {
    const deadUnleash = `http://127.0.0.1:${await findFreePort()}/api`;
    const portal = await startTestApp({ UNLEASH_URL: deadUnleash }, { skipBootTasks: true });
    try {
      const asBusiness = await memberOf(portal);
      const home = await request(portal.url).get('/').set('Cookie', asBusiness);
      expect(home.status).toBe(200);
      expect(home.text).toContain('Pas encore offert pour vous');

      const page = await request(portal.url)
        .get('/services/building-permit/business')
        .set('Cookie', asBusiness);
      expect(page.status).toBe(503);
      expect(page.text).toContain('Ce service est temporairement indisponible');

      const ready = await request(portal.url).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({
        database: 'up',
        flags: 'degraded',
        mail: 'up',
        scanner: 'ok',
      });
    } finally {
      await portal.close();
    }
  });
});
