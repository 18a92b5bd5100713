import { connect, type Socket } from 'node:net';

/** What clamd said about a stream: clean, or the name of the signature it matched. */
export type ClamdVerdict = { infected: false } | { infected: true; signature: string };

/** clamd could not give a verdict: unreachable, too slow, or it answered with an error. */
export class ClamdUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClamdUnavailable';
  }
}

export interface ClamdAddress {
  /** `tcp://host:port` gives host and port; `unix:///path` gives path. */
  host?: string;
  port?: number;
  path?: string;
}

export interface ClamdOptions {
  /** How long one command may take, connection included (ms). */
  timeoutMs?: number;
  /** The largest chunk sent at once; clamd's StreamMaxLength bounds the whole stream, not a chunk. */
  chunkBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** A reply longer than this is not clamd's: the connection is dropped. */
const MAX_REPLY_BYTES = 4096;

/**
 * Parses CLAMAV_URL: `tcp://host:port` (port 3310 when omitted) or
 * `unix:///path/to/clamd.ctl`. Anything else is undefined.
 */
export function parseClamdUrl(url: string): ClamdAddress | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'unix:') {
    return parsed.pathname && !parsed.host && parsed.pathname !== '/'
      ? { path: decodeURIComponent(parsed.pathname) }
      : undefined;
  }
  if (parsed.protocol !== 'tcp:' || !parsed.hostname) return undefined;
  if (parsed.pathname && parsed.pathname !== '/') return undefined;
  if (parsed.username || parsed.password || parsed.search || parsed.hash) return undefined;
  const port = parsed.port ? Number(parsed.port) : 3310;
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
}

/**
 * ClamAV's daemon, spoken to directly (clamd(8), "COMMANDS"): one connection
 * per command, commands in the null-terminated `z` form.
 *
 * - `zPING\0` → `PONG`: is it there.
 * - `zINSTREAM\0`, then the bytes in chunks, each preceded by its length as a
 *   4-byte big-endian integer, then a zero-length chunk → `stream: OK`,
 *   `stream: <signature> FOUND`, or `<reason> ERROR`. Past clamd's
 *   StreamMaxLength it answers `INSTREAM size limit exceeded. ERROR` and
 *   closes the connection, possibly before every chunk is sent: the reply is
 *   read whenever it comes and the writing stops there.
 *
 * Every command is bounded by `timeoutMs`; every failure is a ClamdUnavailable.
 */
export class ClamdClient {
  private readonly timeoutMs: number;
  private readonly chunkBytes: number;

  constructor(
    private readonly address: ClamdAddress,
    options: ClamdOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  }

  /** Where clamd is, for messages (never a secret). */
  describe(): string {
    return this.address.path ?? `${this.address.host}:${this.address.port}`;
  }

  /** Resolves when clamd answers PONG. */
  async ping(): Promise<void> {
    const reply = await this.command((socket) => {
      socket.end('zPING\0');
    });
    if (reply !== 'PONG') throw new ClamdUnavailable(`clamd answered PING with "${reply}"`);
  }

  /** Scans `content` over INSTREAM. */
  async scan(content: Buffer): Promise<ClamdVerdict> {
    const reply = await this.command((socket) => this.stream(socket, content));
    return parseScanReply(reply);
  }

  private async stream(socket: Socket, content: Buffer): Promise<void> {
    const write = (data: Buffer | string) =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed || !socket.writable) return reject(new Error('closed'));
        socket.write(data, (error) => (error ? reject(error) : resolve()));
      });
    try {
      await write('zINSTREAM\0');
      for (let offset = 0; offset < content.length; offset += this.chunkBytes) {
        const chunk = content.subarray(offset, offset + this.chunkBytes);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(chunk.length);
        await write(Buffer.concat([length, chunk]));
      }
      socket.end(Buffer.alloc(4));
    } catch {
      // clamd stopped reading (its size limit, say): its reply, if any, says why.
    }
  }

  /** Opens a connection, lets `send` write, and resolves with the reply, without its terminator. */
  private command(send: (socket: Socket) => void | Promise<void>): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = this.address.path
        ? connect({ path: this.address.path })
        : connect({ host: this.address.host, port: this.address.port! });
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) return reject(error);
        const reply = Buffer.concat(chunks).toString('utf8').replace(/\0+$/, '').trim();
        if (!reply)
          return reject(new ClamdUnavailable('clamd closed the connection without a reply'));
        resolve(reply);
      };
      const timer = setTimeout(
        () => finish(new ClamdUnavailable(`clamd did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      socket.on('data', (data: Buffer) => {
        chunks.push(data);
        size += data.length;
        if (size > MAX_REPLY_BYTES)
          return finish(new ClamdUnavailable('clamd sent too long a reply'));
        // A z-command's reply ends with a null byte: the answer is complete.
        if (data.includes(0)) finish();
      });
      socket.on('end', () => finish());
      socket.on('close', () => finish());
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // A reset after the reply arrived (clamd closing early) still has its reply.
        if (chunks.length > 0) return finish();
        finish(new ClamdUnavailable(`clamd at ${this.describe()}: ${error.code ?? error.message}`));
      });
      socket.once('connect', () => {
        Promise.resolve(send(socket)).catch(() => undefined);
      });
    });
  }
}

/** `stream: OK`, `stream: <signature> FOUND`, anything else (`… ERROR`) unavailable. */
export function parseScanReply(reply: string): ClamdVerdict {
  if (reply === 'stream: OK') return { infected: false };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found) return { infected: true, signature: found[1] };
  throw new ClamdUnavailable(`clamd could not scan the file: ${reply}`);
}
