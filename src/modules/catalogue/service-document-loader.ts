import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectPath, projectRoot } from '../../platform/project-path.js';
import type { ServiceDefinition } from './service-definition.js';
import { validateServiceDocument } from './service-document.js';

/** Where the repo keeps its services, one document each (ADR 0029). */
export const SERVICES_DIR = projectPath('services');

/** `services/index.json`: the services the portal serves, in the order it lists them. */
interface ServiceIndex {
  services: string[];
}

/**
 * Reads every service document listed in `<dir>/index.json` (`<slug>.json`),
 * in that order, and returns their definitions, or throws one error listing
 * every problem of every document: a broken service is never served. A
 * document that the index does not list is a problem too (it would be
 * silently left out).
 */
export function loadServiceDocuments(dir = SERVICES_DIR): ServiceDefinition[] {
  const problems: string[] = [];
  const shown = (file: string) => relative(projectRoot(), join(dir, file)) || file;
  const index = readJson(dir, 'index.json', problems);
  const slugs = serviceSlugs(index);
  if (index !== undefined && !slugs)
    problems.push(`${shown('index.json')}: must be {"services": ["<slug>", …]}`);
  const definitions: ServiceDefinition[] = [];
  for (const slug of slugs ?? []) {
    const file = `${slug}.json`;
    const json = readJson(dir, file, problems);
    if (json === undefined) continue;
    const check = validateServiceDocument(json);
    if (!check.ok) {
      for (const p of check.problems) problems.push(`${shown(file)} ${p.pointer}: ${p.message}`);
      continue;
    }
    if (check.definition.slug !== slug)
      problems.push(`${shown(file)} /service/slug: must be "${slug}", the file's name`);
    definitions.push(check.definition);
  }
  if (existsSync(dir))
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort())
      if (file !== 'index.json' && !slugs?.includes(file.slice(0, -'.json'.length)))
        problems.push(`${shown(file)}: not listed in ${shown('index.json')}`);
  const prefixes = definitions.map((d) => d.referencePrefix);
  definitions
    .filter((d, i) => prefixes.indexOf(d.referencePrefix) !== i)
    .forEach((d) =>
      problems.push(
        `${shown(`${d.slug}.json`)} /service/referencePrefix: ${d.referencePrefix} is already another service's`,
      ),
    );
  if (problems.length > 0)
    throw new Error(`The service catalogue is invalid:\n  - ${problems.join('\n  - ')}`);
  return definitions;
}

function readJson(dir: string, file: string, problems: string[]): unknown {
  const path = join(dir, file);
  const shown = relative(projectRoot(), path) || file;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    problems.push(`${shown}: cannot be read`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.push(`${shown}: is not JSON (${(error as Error).message})`);
    return undefined;
  }
}

function serviceSlugs(index: unknown): string[] | undefined {
  const services = (index as Partial<ServiceIndex> | undefined)?.services;
  return Array.isArray(services) && services.every((s) => typeof s === 'string')
    ? services
    : undefined;
}
