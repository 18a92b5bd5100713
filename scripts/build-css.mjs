// Compiles styles/guichet.scss (govuk-frontend with the city's branding) to
// public/css/guichet.css, only when a source is newer than the output.
import { mkdirSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as sass from 'sass';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const input = join(root, 'styles/guichet.scss');
const output = join(root, 'public/css/guichet.css');
const frontend = join(root, 'node_modules/govuk-frontend/package.json');

const newest = Math.max(
  ...readdirSync(join(root, 'styles')).map((f) => statSync(join(root, 'styles', f)).mtimeMs),
  statSync(frontend).mtimeMs,
);
if (existsSync(output) && statSync(output).mtimeMs >= newest) process.exit(0);

const result = sass.compile(input, {
  loadPaths: [join(root, 'node_modules')],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import'],
});
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, result.css);
console.log(`built ${output}`);
