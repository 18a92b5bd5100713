import { loadConfig } from '../config/app-config.js';
import { launcherEnv } from './launcher-env.js';

const stack = {
  firstBoot: true,
  env: {
    DATABASE_URL: 'postgres://guichet:pw@127.0.0.1:54329/guichet',
    UNLEASH_URL: 'http://127.0.0.1:4242/api',
    UNLEASH_CLIENT_TOKEN: 'default:development.client',
    UNLEASH_ADMIN_TOKEN: '*:*.admin',
    SMTP_URL: 'smtp://127.0.0.1:1025',
    SESSION_SECRET: 'an-embedded-session-secret-0123456789',
  },
};

describe('npm start (the embedded launcher)', () => {
  it('listens on this computer only unless HOST says otherwise', () => {
    expect(loadConfig(launcherEnv({}, stack, '.data')).HOST).toBe('127.0.0.1');
    expect(loadConfig(launcherEnv({ HOST: '0.0.0.0' }, stack, '.data')).HOST).toBe('0.0.0.0');
  });

  it('seeds the demo on its first boot, but not in production, where the demo is refused', () => {
    expect(loadConfig(launcherEnv({}, stack, '.data')).SEED_DEMO).toBe(true);
    expect(loadConfig(launcherEnv({}, { ...stack, firstBoot: false }, '.data')).SEED_DEMO).toBe(
      false,
    );
    const production = loadConfig(launcherEnv({ NODE_ENV: 'production' }, stack, '.data'));
    expect(production.SEED_DEMO).toBe(false);
  });

  it('stops at once on Ctrl-C (no load balancer to drain from) unless SHUTDOWN_DRAIN_MS says otherwise', () => {
    expect(loadConfig(launcherEnv({}, stack, '.data')).SHUTDOWN_DRAIN_MS).toBe(0);
    expect(
      loadConfig(launcherEnv({ SHUTDOWN_DRAIN_MS: '3000' }, stack, '.data')).SHUTDOWN_DRAIN_MS,
    ).toBe(3000);
  });
});
