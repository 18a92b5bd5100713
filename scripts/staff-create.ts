// `npm run staff:create -- --email x@y --name "…" --role admin`: makes someone a
// member of the city's staff from the command line (how the first admin is made).
// Connects with DATABASE_URL, or else the embedded PostgreSQL of `npm start`,
// migrates, then creates or promotes the account; see createStaffMember.
// Exit codes: 0 done, 1 failed, 2 bad usage. Never prompts (CI has no stdin).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createDataSource, migrate } from '../src/platform/database/database.js';
import { readEmbeddedState } from '../src/platform/embedded/embedded-state.js';
import {
  createStaffMember,
  describeOutcome,
  parseStaffCreateArgs,
  STAFF_CREATE_USAGE,
} from '../src/modules/staff/staff-create.command.js';

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseStaffCreateArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(`${STAFF_CREATE_USAGE}\n`);
      return 0;
    }
    process.stderr.write(`staff:create: ${parsed.message}\n\n${STAFF_CREATE_USAGE}\n`);
    return 2;
  }
  const url = process.env.DATABASE_URL || readEmbeddedState()?.databaseUrl;
  if (!url) {
    process.stderr.write(
      'staff:create: DATABASE_URL is not set and no embedded PostgreSQL is running (start it with `npm start`).\n',
    );
    return 1;
  }
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'guichet-cli' });
  try {
    await dataSource.initialize();
    await migrate(dataSource);
    const outcome = await createStaffMember(dataSource, parsed.args);
    process.stdout.write(`${describeOutcome(parsed.args, outcome)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`staff:create failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`staff:create failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
