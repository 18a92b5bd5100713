import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * What the embedded launcher generated on first boot (passwords, Unleash tokens)
 * and where its services listen, kept in `.data/embedded.json` (mode 600) so that
 * a second `npm start` reuses them and the CLI can find the embedded database.
 */
export interface EmbeddedState {
  postgresPassword: string;
  postgresPort: number;
  unleashPort: number;
  unleashAdminSecret: string;
  unleashClientSecret: string;
  unleashAdminPassword: string;
  sessionSecret?: string;
  smtpPort: number;
  mailWebPort: number;
  databaseUrl?: string;
  /** Where the clamd the launcher starts itself listens (added when it first starts one). */
  clamdPort?: number;
  /** The embedded directory (OpenID Provider): its port and the portal's client secret. */
  oidcPort?: number;
  oidcClientSecret?: string;
}

export function embeddedStatePath(dataDir = '.data'): string {
  return resolve(dataDir, 'embedded.json');
}

export function readEmbeddedState(dataDir = '.data'): EmbeddedState | undefined {
  const path = embeddedStatePath(dataDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as EmbeddedState;
}

export function writeEmbeddedState(state: EmbeddedState, dataDir = '.data'): void {
  const path = embeddedStatePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}
