// Gives the stylesheet, the scripts and the images they load names that carry
// a hash of their content (public/build/guichet.3f9a1c0b.css), with a gzip and
// a brotli copy of each text file made here once, at build time, and writes
// public/build/manifest.json: logical name → address under /assets/v/. The
// portal serves these with `Cache-Control: immutable` (a new content is a new
// name) and templates link them through `{{asset "css/guichet.css"}}` (ADR 0037).
// Runs after build-css.mjs; rebuilds everything each time (it takes well under a second).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const out = join(root, 'public/build');
const govuk = join(root, 'node_modules/govuk-frontend/dist/govuk');
export const PREFIX = '/assets/v/';

/**
 * In order: each file's references to those before it are rewritten to their
 * fingerprinted addresses first, so a change to the crest renames the stylesheet too.
 */
const ASSETS = [
  {
    name: 'govuk/images/govuk-crest.svg',
    from: join(govuk, 'assets/images/govuk-crest.svg'),
    served: '/assets/govuk/images/govuk-crest.svg',
  },
  {
    name: 'govuk/govuk-frontend.min.js',
    from: join(govuk, 'govuk-frontend.min.js'),
    served: '/assets/govuk/govuk-frontend.min.js',
  },
  {
    name: 'css/guichet.css',
    from: join(root, 'public/css/guichet.css'),
    served: '/assets/css/guichet.css',
  },
  {
    name: 'js/guichet.js',
    from: join(root, 'public/js/guichet.js'),
    served: '/assets/js/guichet.js',
  },
  {
    name: 'js/api-docs.js',
    from: join(root, 'public/js/api-docs.js'),
    served: '/assets/js/api-docs.js',
  },
];

const TEXT = new Set(['.css', '.js', '.svg']);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const manifest = {};
const renamed = [];
for (const asset of ASSETS) {
  let body = readFileSync(asset.from);
  const ext = extname(asset.from);
  if (TEXT.has(ext)) {
    let text = body.toString('utf8');
    // A source map the build does not ship would only be a 404.
    text = text.replace(/\/[/*]# sourceMappingURL=[^\n]*\s*$/, '');
    for (const [from, to] of renamed) text = text.split(from).join(to);
    body = Buffer.from(text, 'utf8');
  }
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const file = `${basename(asset.from, ext)}.${hash}${ext}`;
  writeFileSync(join(out, file), body);
  if (TEXT.has(ext)) {
    writeFileSync(join(out, `${file}.gz`), gzipSync(body, { level: 9 }));
    writeFileSync(
      join(out, `${file}.br`),
      brotliCompressSync(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      }),
    );
  }
  manifest[asset.name] = `${PREFIX}${file}`;
  renamed.push([asset.served, `${PREFIX}${file}`]);
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
