import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The repository root (the folder holding package.json), from source or from dist/. */
export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Cannot find the project root (no package.json above this file)');
    dir = parent;
  }
  root = dir;
  return root;
}

export function projectPath(...parts: string[]): string {
  return resolve(projectRoot(), ...parts);
}
