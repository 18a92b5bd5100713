import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { ClamdClient } from '../virus-scan/clamd-client.js';

export interface RunningClamd {
  /** CLAMAV_URL for the portal, e.g. tcp://127.0.0.1:3310. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedClamdOptions {
  /** Where its config, pid file and log go. */
  dataDir: string;
  port: number;
  /** The signature database directory (.cvd, .cld, .hdb … files). */
  databaseDir: string;
  /** The clamd binary; found on the machine when not given. */
  binary?: string;
  /** How long to wait for clamd to load its signatures and answer PING (ms). */
  startTimeoutMs?: number;
}

/** Where Debian's clamav-daemon (and most source installs) put clamd. */
const CLAMD_CANDIDATES = ['/usr/sbin/clamd', '/usr/local/sbin/clamd', '/opt/homebrew/sbin/clamd'];
/** Debian's clamd socket and its signature directory. */
export const DEBIAN_CLAMD_SOCKET = '/var/run/clamav/clamd.ctl';
export const SYSTEM_SIGNATURES_DIR = '/var/lib/clamav';

/** The clamd binary on this machine: the usual places, then PATH; undefined when there is none. */
export function findClamdBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = (env.PATH ?? '').split(delimiter).map((dir) => resolve(dir, 'clamd'));
  return [...CLAMD_CANDIDATES, ...onPath].find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether a directory holds ClamAV's signature databases (main/daily .cvd or .cld). */
export function hasSignatures(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => /\.(cvd|cld)$/.test(name));
  } catch {
    return false;
  }
}

/** Whether a clamd answers PING at `url`, within a second. */
export async function clamdAnswers(address: {
  host?: string;
  port?: number;
  path?: string;
}): Promise<boolean> {
  return new ClamdClient(address, { timeoutMs: 1000 }).ping().then(
    () => true,
    () => false,
  );
}

/**
 * Starts clamd in the foreground with a config of its own in `dataDir`: TCP on
 * 127.0.0.1:`port` only, signatures from `databaseDir`, StreamMaxLength above
 * the largest upload (10 MiB). It runs as whoever starts it (no `User` line:
 * as root it stays root, as CI does; as anyone else it needs no privileges).
 * Resolves once it answers PING, or rejects with its last log lines.
 */
export async function startEmbeddedClamd(options: EmbeddedClamdOptions): Promise<RunningClamd> {
  const binary = options.binary ?? findClamdBinary();
  if (!binary) throw new Error('clamd is not installed (Debian: apt-get install clamav-daemon)');
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const config = resolve(dataDir, 'clamd.conf');
  const logFile = resolve(dataDir, 'clamd.log');
  const pidFile = resolve(dataDir, 'clamd.pid');
  await stopStale(pidFile, config);
  writeFileSync(
    config,
    [
      '# Written by Guichet at each start: edits are lost.',
      'Foreground yes',
      `TCPSocket ${options.port}`,
      'TCPAddr 127.0.0.1',
      `DatabaseDirectory ${resolve(options.databaseDir)}`,
      `LogFile ${logFile}`,
      `PidFile ${pidFile}`,
      'LogTime yes',
      // The largest upload is 10 MiB; a little above, so a file at the limit is scanned.
      'StreamMaxLength 12M',
      'MaxThreads 4',
      'ReadTimeout 30',
      'CommandReadTimeout 10',
      'SelfCheck 600',
      '',
    ].join('\n'),
  );
  const output: string[] = [];
  const child: ChildProcess = spawn(binary, ['--config-file', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const remember = (data: Buffer) => {
    output.push(...data.toString('utf8').split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));

  const stop = () =>
    new Promise<void>((done) => {
      if (exited !== undefined || child.exitCode !== null) return done();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const address = { host: '127.0.0.1', port: options.port };
  while (!(await clamdAnswers(address))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      const why =
        exited !== undefined ? `exited with code ${exited}` : 'did not answer PING in time';
      throw new Error(`clamd ${why} (config ${config}):\n  ${output.slice(-8).join('\n  ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `tcp://127.0.0.1:${options.port}`, stop };
}

/**
 * A clamd left running by a launcher or test run that was killed (its pid file
 * in our data directory, its command line naming our config) is stopped
 * before a new one starts; any other process is left alone.
 */
async function stopStale(pidFile: string, config: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return;
  }
  if (!commandLine.includes('clamd') || !commandLine.includes(config)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(`/proc/${pid}`)) return;
  }
  process.kill(pid, 'SIGKILL');
}

/** Writes the one-line signature that detects the EICAR test file (the tests' database). */
export function writeEicarSignature(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, 'eicar.hdb');
  if (!existsSync(path))
    writeFileSync(path, '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n');
}

/** What the launcher found for virus scanning, and what its banner says. */
export interface ClamdChoice {
  /** CLAMAV_URL for the portal; empty: scanning off. */
  url: string;
  /** The banner's line, e.g. "clamd at 127.0.0.1:3310 (already running)". */
  description: string;
  running?: RunningClamd;
}

/**
 * The clamd `npm start` uses, in this order: one already answering on
 * 127.0.0.1:3310, Debian's clamav-daemon on its socket, or clamd started here
 * with its own config in `<dataDir>/clamav` when the binary and a signature
 * database (/var/lib/clamav/*.cvd|*.cld) exist. Otherwise scanning is off,
 * and the description says how to turn it on.
 */
export async function chooseClamd(options: {
  dataDir: string;
  port: () => Promise<number>;
  log: (message: string) => void;
  signaturesDir?: string;
}): Promise<ClamdChoice> {
  if (await clamdAnswers({ host: '127.0.0.1', port: 3310 }))
    return {
      url: 'tcp://127.0.0.1:3310',
      description: 'clamd at 127.0.0.1:3310 (already running)',
    };
  if (existsSync(DEBIAN_CLAMD_SOCKET) && (await clamdAnswers({ path: DEBIAN_CLAMD_SOCKET })))
    return {
      url: `unix://${DEBIAN_CLAMD_SOCKET}`,
      description: `clamd at ${DEBIAN_CLAMD_SOCKET} (already running)`,
    };
  const binary = findClamdBinary();
  const signatures = options.signaturesDir ?? SYSTEM_SIGNATURES_DIR;
  if (!binary)
    return {
      url: '',
      description: 'off: no clamd on this machine (Debian: apt-get install clamav-daemon)',
    };
  if (!hasSignatures(signatures))
    return {
      url: '',
      description: `off: clamd is installed but ${signatures} holds no signatures (run freshclam)`,
    };
  const port = await options.port();
  options.log(`starting clamd on port ${port} (loading the signatures takes up to a minute)`);
  try {
    const running = await startEmbeddedClamd({
      dataDir: resolve(options.dataDir, 'clamav'),
      port,
      databaseDir: signatures,
      binary,
      startTimeoutMs: 180_000,
    });
    return {
      url: running.url,
      description: `clamd on 127.0.0.1:${port} (started by Guichet)`,
      running,
    };
  } catch (error) {
    options.log(`clamd did not start: ${(error as Error).message}`);
    return {
      url: '',
      description: `off: clamd did not start (see ${resolve(options.dataDir, 'clamav', 'clamd.log')})`,
    };
  }
}
