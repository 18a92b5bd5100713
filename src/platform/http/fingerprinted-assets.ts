import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Where scripts/build-assets.mjs puts its files, and the address they are served under. */
export const FINGERPRINTED_PREFIX = '/assets/v/';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  type: string;
  etag: string;
  identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

/**
 * The logical names templates use (`css/guichet.css`) and their fingerprinted
 * addresses, from the build's manifest; empty when the build made none (then
 * `{{asset}}` links the plain, revalidated copy).
 */
export function readAssetManifest(dir: string): Record<string, string> {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}

/**
 * Serves the build's fingerprinted files (ADR 0037) from memory: brotli or
 * gzip as made at build time when the browser accepts it, else as is, each
 * kept by every cache for a year (`immutable`: a new content gets a new name).
 * Anything else under the prefix falls through (a 404 from the routes).
 */
export function fingerprintedAssets(dir: string): RequestHandler {
  const assets = new Map<string, Asset>();
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)) {
      const type = TYPES[extname(file)];
      if (!type) continue;
      const identity = readFileSync(join(dir, file));
      const maybe = (suffix: string) =>
        existsSync(join(dir, file + suffix)) ? readFileSync(join(dir, file + suffix)) : undefined;
      const etag = `"${createHash('sha256').update(identity).digest('base64url').slice(0, 16)}"`;
      assets.set(file, { type, etag, identity, gzip: maybe('.gz'), br: maybe('.br') });
    }
  }
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const asset = assets.get(req.path.replace(/^\//, ''));
    if (!asset) return next();
    const accepted = acceptedEncodings(req.headers['accept-encoding']);
    const [encoding, body] =
      asset.br && accepted.has('br')
        ? ['br', asset.br]
        : asset.gzip && accepted.has('gzip')
          ? ['gzip', asset.gzip]
          : [undefined, asset.identity];
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('Content-Type', asset.type);
    res.setHeader('ETag', asset.etag);
    if (asset.gzip || asset.br) res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === asset.etag) {
      res.status(304).end();
      return;
    }
    if (encoding) res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.status(200).end(req.method === 'HEAD' ? undefined : body);
  };
}

/** The codings an Accept-Encoding header allows (a `q=0` refuses one). */
function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}
