import { readFileSync } from 'node:fs';
import { projectPath } from '../../platform/project-path.js';

export interface NaicsSector {
  /** The 2-digit code, or a range such as "44-45": what is stored. */
  code: string;
  name: { fr: string; en: string };
}

function load(): readonly NaicsSector[] {
  const file = projectPath('data/naics-sectors.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { sectors?: unknown };
  const sectors = Array.isArray(parsed.sectors) ? (parsed.sectors as NaicsSector[]) : [];
  const valid = sectors.every(
    (s) =>
      typeof s?.code === 'string' &&
      /^\d{2}(-\d{2})?$/.test(s.code) &&
      typeof s.name?.fr === 'string' &&
      typeof s.name?.en === 'string',
  );
  if (sectors.length === 0 || !valid) throw new Error(`${file} does not hold the NAICS sectors`);
  return Object.freeze(sectors);
}

/** The 20 NAICS Canada 2022 sectors shipped in data/naics-sectors.json, read once at startup. */
export const NAICS_SECTORS = load();
export const NAICS_CODES: readonly string[] = NAICS_SECTORS.map((s) => s.code);
