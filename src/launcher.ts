// `npm start`: the whole portal on one machine. Starts whatever the environment
// does not provide (PostgreSQL, Unleash, a mail catcher), then the portal.
import { createApp } from './app.js';
import { demoDirectory, demoSignInLines } from './modules/demo/demo-people.seed.js';
import { ConfigError, loadConfig } from './platform/config/app-config.js';
import { Drain } from './platform/http/drain.js';
import { startEmbeddedStack } from './platform/embedded/embedded-stack.js';
import { launcherEnv } from './platform/embedded/launcher-env.js';
import { JsonLogger } from './platform/logging/json-logger.js';
import { handleShutdownSignals } from './platform/shutdown.js';

const started = Date.now();
const say = (line: string) => process.stdout.write(`[guichet] ${line}\n`);
const dataDir = process.env.DATA_DIR ?? '.data';

const stack = await startEmbeddedStack({
  dataDir,
  env: process.env,
  log: say,
  directory: demoDirectory(),
}).catch((error: Error) => {
  process.stderr.write(`[guichet] could not start the embedded services: ${error.message}\n`);
  process.exit(1);
});

try {
  const config = loadConfig(launcherEnv(process.env, stack, dataDir));
  const logger = new JsonLogger(config.LOG_LEVEL);
  const app = await createApp(config, { logger });
  await app.listen(config.PORT, config.HOST);
  handleShutdownSignals(
    logger,
    [() => app.get(Drain).run(app.getHttpServer()), () => app.close(), () => stack.stop()],
    config.SHUTDOWN_DRAIN_MS + 20_000,
  );

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `Guichet is ready (${stack.firstBoot ? 'first boot' : 'reused .data/'}, ${seconds} s).`,
    `  Portal:        ${config.PUBLIC_URL}`,
  ];
  if (stack.unleashUiUrl) {
    lines.push(
      `  Unleash:       ${stack.unleashUiUrl}  (sign in as admin / ${stack.unleashAdminPassword})`,
    );
  }
  if (stack.mailWebUrl) lines.push(`  Mail catcher:  ${stack.mailWebUrl}`);
  if (stack.oidcIssuer)
    lines.push(
      `  Directory:     ${stack.oidcIssuer}  (the city's OpenID Provider: staff sign in at`,
      `                 ${config.PUBLIC_URL}/staff/sign-in with a demo staff address below, or`,
      `                 lucie.caron@demo.guichet.example, a clerk Guichet does not know yet)`,
    );
  lines.push(`  Virus scan:    ${stack.scannerDescription}`);
  lines.push(
    `  Health:        ${config.PUBLIC_URL}/readyz`,
    '  Demo:          services at every stage (staff area → Déploiement); the building',
    '                 permit\'s revision 2 is in SME pilot with "PME pilotes – construction".',
    '                 An SME member chooses "acting as" their business from the menu.',
    ...(await demoSignInLines(app)),
    `  Secrets and data live in ${dataDir}/ (delete it to start afresh). Ctrl-C stops everything.`,
    '',
  );
  say(lines.join('\n'));
} catch (error) {
  await stack.stop();
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`[guichet] could not start: ${(error as Error).stack}\n`);
  process.exit(1);
}
