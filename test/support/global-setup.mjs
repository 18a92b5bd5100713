// Starts the real services the suite runs against, once: PostgreSQL (embedded),
// a template database migrated once (each test file clones it), Unleash 8.2 on
// its own fresh database, a mail catcher, and ClamAV's clamd with a one-line
// signature database that detects the EICAR test file. Their addresses go in
// process.env.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
// Jest loads this file outside its module system, so it uses the build in dist/
// (`npm test` builds first).
import { createDataSource, migrate } from '../../dist/src/platform/database/database.js';
import {
  findClamdBinary,
  startEmbeddedClamd,
  writeEicarSignature,
} from '../../dist/src/platform/embedded/embedded-clamd.js';
import { startEmbeddedMail } from '../../dist/src/platform/embedded/embedded-mail.js';
import { startEmbeddedPostgres } from '../../dist/src/platform/embedded/embedded-postgres.js';
import { startEmbeddedUnleash } from '../../dist/src/platform/embedded/embedded-unleash.js';
import { findFreePort } from '../../dist/src/platform/embedded/free-port.js';
import { projectPath } from '../../dist/src/platform/project-path.js';

export const TEMPLATE_DATABASE = 'guichet_template';

export default async function globalSetup() {
  const started = Date.now();
  // The tests scan for real: without clamd they cannot run (checked first, before anything starts).
  if (!findClamdBinary())
    throw new Error(
      "The tests need ClamAV's clamd and it is not installed. On Debian or Ubuntu: " +
        'sudo apt-get update && sudo apt-get install -y clamav-daemon ' +
        '(no signature download is needed: the tests bring their own EICAR signature). ' +
        '`bash .ci/run` installs it.',
    );
  // GUICHET_TEST_DIR lets two suites run side by side (each its own PostgreSQL).
  const dataDir = process.env.GUICHET_TEST_DIR ?? projectPath('.data/test');
  rmSync(resolve(dataDir, 'apps'), { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({
    dataDir: resolve(dataDir, 'postgres'),
    port: await findFreePort(55432),
    password: 'guichet-test',
  });
  const admin = new pg.Client({ connectionString: postgres.urlFor('postgres') });
  await admin.connect();
  // Leftovers of an interrupted run go first.
  const old = await admin.query(
    `SELECT datname FROM pg_database WHERE datname LIKE 'guichet_%' OR datname = 'unleash_test'`,
  );
  for (const row of old.rows) await admin.query(`DROP DATABASE "${row.datname}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.query('CREATE DATABASE unleash_test');
  await admin.end();

  const template = createDataSource({ url: postgres.urlFor(TEMPLATE_DATABASE), poolSize: 1 });
  await template.initialize();
  await migrate(template);
  await template.destroy();

  // Tokens of this run only: an Unleash of another run that took the port
  // refuses them, and the start is tried again on another port.
  const secret = randomBytes(8).toString('hex');
  const adminToken = `*:*.test-admin-${secret}`;
  const clientToken = `default:production.test-client-${secret}`;
  let unleash;
  for (let attempt = 1; !unleash; attempt++) {
    try {
      unleash = await startEmbeddedUnleash({
        databaseUrl: postgres.urlFor('unleash_test'),
        port: await findFreePort(44242 + attempt * 10),
        adminToken,
        clientToken,
        adminPassword: 'Guichet-test-1',
        logFile: resolve(dataDir, 'unleash.log'),
      });
    } catch (error) {
      if (attempt >= 3) throw error;
      process.stdout.write(`\n[test setup] Unleash: ${error.message}; trying another port\n`);
    }
  }
  const mail = await startEmbeddedMail(await findFreePort(41025), await findFreePort(41080));
  // A signature database of one line: enough for clamd 1.4 to start and find EICAR.
  const signatures = resolve(dataDir, 'clamav', 'db');
  writeEicarSignature(signatures);
  const clamd = await startEmbeddedClamd({
    dataDir: resolve(dataDir, 'clamav'),
    port: await findFreePort(43310),
    databaseDir: signatures,
  });

  Object.assign(process.env, {
    GUICHET_TEST_PG_ADMIN_URL: postgres.urlFor('postgres'),
    GUICHET_TEST_PG_URL_PREFIX: postgres.urlFor(''),
    GUICHET_TEST_TEMPLATE: TEMPLATE_DATABASE,
    GUICHET_TEST_DATA_DIR: dataDir,
    UNLEASH_URL: unleash.apiUrl,
    UNLEASH_ADMIN_TOKEN: adminToken,
    UNLEASH_CLIENT_TOKEN: clientToken,
    UNLEASH_ENVIRONMENT: 'production',
    SMTP_URL: mail.smtpUrl,
    MAIL_CATCHER_URL: mail.webUrl,
    CLAMAV_URL: clamd.url,
    GUICHET_TEST_CLAMAV_DB: signatures,
  });
  globalThis.__guichetStop = async () => {
    await clamd.stop();
    await mail.stop();
    await unleash.stop();
    await postgres.stop();
  };
  process.stdout.write(
    `\n[test setup] PostgreSQL, Unleash, mail and clamd ready in ${Date.now() - started} ms\n`,
  );
}
