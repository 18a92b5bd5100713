import { createServer } from 'node:net';

/** Whether a TCP port is free on the loopback interface. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The first free port at or after `preferred` (0 asks the OS for any free port). */
export async function findFreePort(preferred = 0, host = '127.0.0.1'): Promise<number> {
  if (preferred === 0) {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(port));
      });
    });
  }
  for (let port = preferred; port < preferred + 100; port++) {
    if (await isPortFree(port, host)) return port;
  }
  throw new Error(`No free port between ${preferred} and ${preferred + 99}`);
}
