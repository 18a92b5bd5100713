import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { findFreePort } from '../../src/platform/embedded/free-port.js';
import { projectPath } from '../../src/platform/project-path.js';
import { bulkyWastePickupAnswers } from './applications.js';

/**
 * What the fault suite shares: an SME's API client that retries as a real one
 * would (same Idempotency-Key), the mail catcher's messages, and the portal as
 * a real process (`node dist/src/main.js`, built by `npm test`).
 */

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A folder of its own under the suite's data folder, emptied first. */
export function faultDir(name: string): string {
  const dir = resolve(process.env.GUICHET_TEST_DATA_DIR ?? projectPath('.data/test'), name);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

export interface Filing {
  key: string;
  /** The answer that counted: the submit's status (2xx) and the reference it gave. */
  status?: number;
  reference?: string;
  attempts: number;
  /** What went wrong last, when nothing counted. */
  error?: string;
  /** Every answer that did not count: its status, `503` only with a Retry-After (else `503!`). */
  refusals: string[];
}

function refusalOf(res: Response): string {
  if (res.status === 503 && !res.headers.get('retry-after')) return '503!';
  return String(res.status);
}

/**
 * Files one bulky-waste pickup through the API as an SME's software does:
 * create (with its Idempotency-Key) then submit; on a network error or a 5xx
 * it tries again with the same key, at most `maxAttempts` times before `deadline`.
 */
export async function fileThroughApi(
  baseUrl: string,
  token: string,
  key: string,
  { maxAttempts = 80, deadline = Date.now() + 45_000 } = {},
): Promise<Filing> {
  const filing: Filing = { key, attempts: 0, refusals: [] };
  const headers = {
    Authorization: `Bearer ${token}`,
    'Content-Type': 'application/json',
    'Idempotency-Key': key,
  };
  let id: string | undefined;
  while (filing.attempts < maxAttempts && Date.now() < deadline) {
    filing.attempts++;
    try {
      if (!id) {
        const created = await fetch(`${baseUrl}/api/v1/applications`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            service: 'bulky-waste-pickup',
            answers: bulkyWastePickupAnswers(),
          }),
        });
        if (created.status >= 500) {
          filing.refusals.push(refusalOf(created));
          throw new Error(`create answered ${created.status}`);
        }
        const body = (await created.json()) as { id?: string };
        if (created.status >= 300) return { ...filing, status: created.status };
        id = body.id;
      }
      const submitted = await fetch(`${baseUrl}/api/v1/applications/${id}/submit`, {
        method: 'POST',
        headers: { Authorization: headers.Authorization },
      });
      if (submitted.status >= 500) {
        filing.refusals.push(refusalOf(submitted));
        throw new Error(`submit answered ${submitted.status}`);
      }
      const body = (await submitted.json()) as { reference?: string };
      return { ...filing, status: submitted.status, reference: body.reference };
    } catch (error) {
      filing.error = `${(error as Error).message} ${String((error as Error).cause ?? '')}`.trim();
      if (filing.attempts < maxAttempts) await pause(150);
    }
  }
  return filing;
}

export interface CaughtMessage {
  subject: string;
  to: { address: string }[];
}

/** Every message a mail catcher (MailDev) holds. */
export async function caughtMessages(webUrl: string): Promise<CaughtMessage[]> {
  const res = await fetch(`${webUrl}/api/email`);
  return (await res.json()) as CaughtMessage[];
}

/** The receipts a mail catcher holds for one filer, counted by application reference. */
export async function receiptsFor(webUrl: string, email: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const m of await caughtMessages(webUrl)) {
    if (!m.to.some((t) => t.address.toLowerCase() === email.toLowerCase())) continue;
    const reference = /[A-Z]{2,3}-\d{4}-\d{6,}/.exec(m.subject)?.[0];
    if (reference) counts.set(reference, (counts.get(reference) ?? 0) + 1);
  }
  return counts;
}

/**
 * Waits (at most `timeoutMs`) until every reference has its receipt, then
 * gives the references whose receipt did not come exactly once (none: each
 * was sent once).
 */
export async function receiptsNotSentOnce(
  receipts: () => Promise<Map<string, number>>,
  references: string[],
  timeoutMs: number,
): Promise<string[]> {
  await within(timeoutMs, async () => {
    const caught = await receipts();
    return references.every((r) => caught.has(r));
  });
  const caught = await receipts();
  return references.filter((r) => caught.get(r) !== 1);
}

/** Polls `check` every 100 ms, at most `timeoutMs`; true once it held. */
export async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < until; i++) {
    if (await check().catch(() => false)) return true;
    await pause(100);
  }
  return check().catch(() => false);
}

export interface PortalProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `node dist/src/main.js` with exactly `env` (and PATH), on a free loopback port, once ready. */
export async function startPortalProcess(env: Record<string, string>): Promise<PortalProcess> {
  const port = await findFreePort(47000 + Math.floor(Math.random() * 1000));
  const child = spawn(process.execPath, [projectPath('dist/src/main.js')], {
    cwd: projectPath(),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const ready = await within(40_000, async () => (await fetch(`${url}/readyz`)).status === 200);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`the portal did not start:\n${output.slice(-3000)}`);
  }
  return {
    url,
    port,
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
