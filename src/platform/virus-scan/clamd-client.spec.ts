import { createServer, type Server } from 'node:net';
import { ClamdClient, ClamdUnavailable, parseClamdUrl, parseScanReply } from './clamd-client.js';
import { ClamdScanner, createVirusScanner, NoScanner } from './virus-scanner.js';

/** The EICAR test file, built from parts so that no file in the repository is itself EICAR. */
const EICAR = Buffer.from(
  ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'].join(''),
);

/** The suite's clamd (test/support/global-setup.mjs). */
const clamd = () => new ClamdClient(parseClamdUrl(process.env.CLAMAV_URL!)!, { timeoutMs: 10_000 });

/** A TCP server that plays clamd as told, to see the client's side of odd answers. */
async function fakeClamd(onConnection: (socket: import('node:net').Socket) => void) {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((done) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => done());
    });
  return { port, close };
}

describe('ClamdClient against the real clamd', () => {
  it('answers PING', async () => {
    await expect(clamd().ping()).resolves.toBeUndefined();
  });

  it('finds EICAR over INSTREAM and names its signature', async () => {
    expect(EICAR).toHaveLength(68);
    await expect(clamd().scan(EICAR)).resolves.toEqual({
      infected: true,
      signature: 'Eicar-Test-Signature.UNOFFICIAL',
    });
  });

  it('finds nothing in clean bytes, sent in many small chunks', async () => {
    const client = new ClamdClient(parseClamdUrl(process.env.CLAMAV_URL!)!, { chunkBytes: 7 });
    await expect(client.scan(Buffer.from('%PDF-1.4\n'.repeat(200)))).resolves.toEqual({
      infected: false,
    });
  });

  it('finds EICAR split across chunks', async () => {
    const client = new ClamdClient(parseClamdUrl(process.env.CLAMAV_URL!)!, { chunkBytes: 5 });
    await expect(client.scan(EICAR)).resolves.toMatchObject({ infected: true });
  });

  it('scans a file of the largest upload size (10 MiB), below StreamMaxLength', async () => {
    await expect(clamd().scan(Buffer.alloc(10 * 1024 * 1024, 0x41))).resolves.toEqual({
      infected: false,
    });
  });

  it('is unavailable past clamd’s StreamMaxLength (12M in the suite’s config), not clean', async () => {
    const error = await clamd()
      .scan(Buffer.alloc(13 * 1024 * 1024, 0x41))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClamdUnavailable);
    expect((error as Error).message).toMatch(
      /size limit exceeded|ECONNRESET|EPIPE|without a reply/,
    );
  });

  it('the ClamdScanner turns the answers into verdicts and reports ok', async () => {
    const scanner = createVirusScanner(process.env.CLAMAV_URL!);
    expect(scanner).toBeInstanceOf(ClamdScanner);
    await expect(scanner.scan(EICAR)).resolves.toEqual({
      verdict: 'infected',
      signature: 'Eicar-Test-Signature.UNOFFICIAL',
    });
    await expect(scanner.scan(Buffer.from('hello'))).resolves.toEqual({ verdict: 'clean' });
    await expect(scanner.state()).resolves.toBe('ok');
  });
});

describe('ClamdClient when clamd is not there or misbehaves', () => {
  it('a closed port: unavailable, and the scanner says pending and unreachable', async () => {
    const { port, close } = await fakeClamd(() => undefined);
    await close();
    const client = new ClamdClient({ host: '127.0.0.1', port }, { timeoutMs: 2000 });
    await expect(client.ping()).rejects.toBeInstanceOf(ClamdUnavailable);
    const scanner = new ClamdScanner(client);
    await expect(scanner.scan(EICAR)).resolves.toMatchObject({ verdict: 'pending' });
    await expect(scanner.state()).resolves.toBe('unreachable');
  });

  it('a server that never answers: unavailable after the timeout', async () => {
    const { port, close } = await fakeClamd(() => undefined);
    try {
      const client = new ClamdClient({ host: '127.0.0.1', port }, { timeoutMs: 300 });
      await expect(client.scan(Buffer.from('x'))).rejects.toThrow(/did not answer within 300 ms/);
    } finally {
      await close();
    }
  });

  it('sends the INSTREAM framing: command, length-prefixed chunks, zero-length end', async () => {
    const received: Buffer[] = [];
    const { port, close } = await fakeClamd((socket) => {
      socket.on('data', (data) => {
        received.push(data);
        const all = Buffer.concat(received);
        if (all.subarray(-4).equals(Buffer.alloc(4)) && all.length > 14) socket.end('stream: OK\0');
      });
    });
    try {
      const client = new ClamdClient({ host: '127.0.0.1', port }, { chunkBytes: 4 });
      await expect(client.scan(Buffer.from('abcdef'))).resolves.toEqual({ infected: false });
      expect(Buffer.concat(received)).toEqual(
        Buffer.concat([
          Buffer.from('zINSTREAM\0'),
          Buffer.from([0, 0, 0, 4]),
          Buffer.from('abcd'),
          Buffer.from([0, 0, 0, 2]),
          Buffer.from('ef'),
          Buffer.alloc(4),
        ]),
      );
    } finally {
      await close();
    }
  });

  it('reads the replies', () => {
    expect(parseScanReply('stream: OK')).toEqual({ infected: false });
    expect(parseScanReply('stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({
      infected: true,
      signature: 'Win.Test.EICAR_HDB-1',
    });
    expect(() => parseScanReply('INSTREAM size limit exceeded. ERROR')).toThrow(ClamdUnavailable);
  });

  it('parses CLAMAV_URL', () => {
    expect(parseClamdUrl('tcp://clamav:3310')).toEqual({ host: 'clamav', port: 3310 });
    expect(parseClamdUrl('tcp://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 3310 });
    expect(parseClamdUrl('unix:///var/run/clamav/clamd.ctl')).toEqual({
      path: '/var/run/clamav/clamd.ctl',
    });
    expect(parseClamdUrl('http://clamav:3310')).toBeUndefined();
    expect(parseClamdUrl('clamav:3310')).toBeUndefined();
    expect(parseClamdUrl('tcp://clamav:3310/x')).toBeUndefined();
  });

  it('scanning off: every file unscanned, state off', async () => {
    const scanner = createVirusScanner('');
    expect(scanner).toBeInstanceOf(NoScanner);
    await expect(scanner.scan(EICAR)).resolves.toEqual({ verdict: 'unscanned' });
    await expect(scanner.state()).resolves.toBe('off');
  });
});
