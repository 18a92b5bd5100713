import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { readEmbeddedState, writeEmbeddedState, type EmbeddedState } from './embedded-state.js';
import { findFreePort, isPortFree } from './free-port.js';
import { chooseClamd } from './embedded-clamd.js';
import { startEmbeddedMail, type RunningMailCatcher } from './embedded-mail.js';
import { EMBEDDED_ROLE_GROUPS, type DirectoryPerson } from './embedded-directory.js';
import { startEmbeddedOidc, type RunningOidcProvider } from './embedded-oidc.js';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres.js';
import { startEmbeddedUnleash, type RunningUnleash } from './embedded-unleash.js';

export interface EmbeddedStack {
  /** The variables the portal reads, pointing at what was started. */
  env: Record<string, string>;
  firstBoot: boolean;
  unleashUiUrl?: string;
  unleashAdminPassword?: string;
  mailWebUrl?: string;
  /** The embedded directory's address, when it was started. */
  oidcIssuer?: string;
  /** The virus scanner's line in the banner: where clamd is, or why scanning is off. */
  scannerDescription: string;
  stop(): Promise<void>;
}

export interface EmbeddedStackOptions {
  dataDir: string;
  /** Which pieces to start: each one only if the environment does not provide it. */
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  unleashEnvironment?: string;
  /**
   * The people the embedded directory knows (the demo staff). It starts when
   * this is given and OIDC_ISSUER is not set.
   */
  directory?: readonly DirectoryPerson[];
}

const secret = () => randomBytes(24).toString('hex');

/**
 * Starts whatever the environment does not provide: PostgreSQL (DATABASE_URL),
 * Unleash (UNLEASH_URL and its tokens), a mail catcher (SMTP_URL), the city's
 * directory (OIDC_ISSUER: an OpenID Provider that knows `directory`) and, when
 * CLAMAV_URL is not set at all, the clamd found on the machine (chooseClamd;
 * CLAMAV_URL= turns scanning off). Secrets and
 * ports are generated on first boot and kept in `<dataDir>/embedded.json`.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const { dataDir, env, log } = options;
  const environment = options.unleashEnvironment ?? env.UNLEASH_ENVIRONMENT ?? 'production';
  const existing = readEmbeddedState(dataDir);
  const firstBoot = existing === undefined;
  const state: EmbeddedState = existing ?? {
    postgresPassword: secret(),
    postgresPort: await findFreePort(54329),
    unleashPort: await findFreePort(4242),
    unleashAdminSecret: secret(),
    unleashClientSecret: secret(),
    unleashAdminPassword: `Guichet-${randomBytes(6).toString('hex')}`,
    smtpPort: await findFreePort(1025),
    mailWebPort: await findFreePort(1080),
  };

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((e: Error) => log(`stop failed: ${e.message}`));
  };
  const out: Record<string, string> = {};
  let unleash: RunningUnleash | undefined;
  let mail: RunningMailCatcher | undefined;
  let oidc: RunningOidcProvider | undefined;
  let scannerDescription: string;
  const needDirectory = !env.OIDC_ISSUER && options.directory !== undefined;
  if (needDirectory) {
    state.oidcPort ??= await findFreePort(4444);
    state.oidcClientSecret ??= secret();
  }

  const needPostgres = !env.DATABASE_URL || !env.UNLEASH_URL;
  // Every port is checked before anything starts, so a busy one starts nothing.
  const ports: [boolean, number, string][] = [
    [needPostgres, state.postgresPort, 'PostgreSQL'],
    [!env.UNLEASH_URL, state.unleashPort, 'Unleash'],
    [!env.SMTP_URL, state.smtpPort, 'the mail catcher (SMTP)'],
    [!env.SMTP_URL, state.mailWebPort, 'the mail catcher (web)'],
    [needDirectory, state.oidcPort ?? 0, 'the directory (OpenID Provider)'],
  ];
  for (const [needed, port, what] of ports) if (needed) await assertFree(port, what, dataDir);

  try {
    let postgres: RunningPostgres | undefined;
    if (needPostgres) {
      log(`starting PostgreSQL on port ${state.postgresPort}`);
      postgres = await startEmbeddedPostgres({
        dataDir: resolve(dataDir, 'postgres'),
        port: state.postgresPort,
        password: state.postgresPassword,
      });
      stops.push(() => postgres!.stop());
      if (!env.DATABASE_URL) {
        await postgres.ensureDatabase('guichet');
        out.DATABASE_URL = postgres.urlFor('guichet');
        state.databaseUrl = out.DATABASE_URL;
      }
    }
    if (!env.UNLEASH_URL) {
      await postgres!.ensureDatabase('unleash');
      log(`starting Unleash on port ${state.unleashPort}`);
      unleash = await startEmbeddedUnleash({
        databaseUrl: postgres!.urlFor('unleash'),
        port: state.unleashPort,
        adminToken: `*:*.${state.unleashAdminSecret}`,
        clientToken: `default:${environment}.${state.unleashClientSecret}`,
        adminPassword: state.unleashAdminPassword,
        logFile: resolve(dataDir, 'logs', 'unleash.log'),
      });
      stops.push(() => unleash!.stop());
      out.UNLEASH_URL = unleash.apiUrl;
      out.UNLEASH_ADMIN_TOKEN = `*:*.${state.unleashAdminSecret}`;
      out.UNLEASH_CLIENT_TOKEN = `default:${environment}.${state.unleashClientSecret}`;
      out.UNLEASH_ENVIRONMENT = environment;
      out.UNLEASH_UI_URL = unleash.url;
    }
    if (!env.SMTP_URL) {
      log(
        `starting the mail catcher on ports ${state.smtpPort} (SMTP) and ${state.mailWebPort} (web)`,
      );
      mail = await startEmbeddedMail(state.smtpPort, state.mailWebPort);
      stops.push(() => mail!.stop());
      out.SMTP_URL = mail.smtpUrl;
      out.MAIL_CATCHER_URL = mail.webUrl;
    }
    if (needDirectory) {
      log(`starting the city's directory (OpenID Provider) on port ${state.oidcPort}`);
      const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`;
      oidc = await startEmbeddedOidc({
        port: state.oidcPort!,
        redirectUri: `${publicUrl}/staff/sign-in/callback`,
        clientId: 'guichet',
        clientSecret: state.oidcClientSecret!,
        people: options.directory!,
      });
      stops.push(() => oidc!.stop());
      out.OIDC_ISSUER = oidc.issuer;
      out.OIDC_CLIENT_ID = 'guichet';
      out.OIDC_CLIENT_SECRET = state.oidcClientSecret!;
      out.OIDC_SCOPES = 'openid email profile groups';
      out.OIDC_ROLE_GROUPS = EMBEDDED_ROLE_GROUPS;
    }
    if (env.CLAMAV_URL === undefined) {
      const clamd = await chooseClamd({
        dataDir,
        port: async () => (state.clamdPort ??= await findFreePort(3311)),
        log,
      });
      if (clamd.running) stops.push(() => clamd.running!.stop());
      out.CLAMAV_URL = clamd.url;
      scannerDescription = clamd.description;
    } else {
      scannerDescription = env.CLAMAV_URL
        ? `clamd at ${env.CLAMAV_URL} (CLAMAV_URL)`
        : 'off (CLAMAV_URL is empty)';
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  // The session secret is generated once (and added to a .data/ made before it existed).
  state.sessionSecret ??= secret();
  if (!env.SESSION_SECRET) out.SESSION_SECRET = state.sessionSecret;
  writeEmbeddedState(state, dataDir);

  return {
    env: out,
    firstBoot,
    unleashUiUrl: unleash?.url,
    unleashAdminPassword: unleash ? state.unleashAdminPassword : undefined,
    mailWebUrl: mail?.webUrl,
    oidcIssuer: oidc?.issuer,
    scannerDescription,
    stop: stopAll,
  };
}

async function assertFree(port: number, what: string, dataDir: string) {
  if (!(await isPortFree(port))) {
    throw new Error(
      `Port ${port}, chosen for ${what} when ${resolve(dataDir)} was created, is in use. ` +
        'Is another `npm start` running? Stop it first. To run a second portal beside it, ' +
        'give it its own data folder and port: DATA_DIR=.data/second PORT=3001 npm start',
    );
  }
}
