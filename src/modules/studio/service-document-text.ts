import {
  SERVICE_DOCUMENT_FORMAT,
  SERVICE_DOCUMENT_FORMAT_VERSION,
  type ServiceDocument,
} from '../catalogue/service-document.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';

/**
 * Where an exported document finds its schema: the same relative path as the
 * repo's services/*.json, so that an export dropped into services/ is checked
 * by the editor as the others are. The portal ignores `$schema` on import.
 */
export const EXPORTED_SCHEMA = '../docs/service-definition.schema.json';

/**
 * The order properties are written in, whatever object they are in: the
 * envelope, the service's texts as its start page shows them, a step's and a
 * question's identity first, its texts, its settings, and `fr` before `en`.
 * PostgreSQL's jsonb keeps no order of its own, so an export needs one to be
 * stable (the same revision always gives the same bytes, and a diff between
 * two exports shows only what changed). A property not listed comes last, in
 * the order it has.
 */
const KEY_ORDER = [
  '$schema',
  'format',
  'formatVersion',
  'revision',
  'service',
  'slug',
  'name',
  'value',
  'field',
  'type',
  'referencePrefix',
  'only',
  'title',
  'label',
  'summary',
  'intro',
  'hint',
  'optional',
  'department',
  'processingTime',
  'fees',
  'variants',
  'citizen',
  'business',
  'useThisServiceTo',
  'beforeYouStart',
  'form',
  'steps',
  'fields',
  'rules',
  'bulkFiling',
  'must',
  'other',
  'prefill',
  'width',
  'maxLength',
  'pattern',
  'regex',
  'message',
  'min',
  'max',
  'integer',
  'suffix',
  'notBefore',
  'notAfter',
  'options',
  'maxFiles',
  'itemLabel',
  'minItems',
  'maxItems',
  'showIf',
  'equals',
  'fr',
  'en',
];
const RANK = new Map(KEY_ORDER.map((key, index) => [key, index]));

/** A value with every object's properties in KEY_ORDER. */
function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const rank = (key: string) => RANK.get(key) ?? KEY_ORDER.length + keys.indexOf(key);
  return Object.fromEntries(
    [...keys]
      .sort((a, b) => rank(a) - rank(b))
      .map((key) => [key, ordered((value as Record<string, unknown>)[key])]),
  );
}

/** A revision as a guichet-service document (ADR 0029). */
export function serviceDocument(revision: number, definition: ServiceDefinition): ServiceDocument {
  return {
    $schema: EXPORTED_SCHEMA,
    format: SERVICE_DOCUMENT_FORMAT,
    formatVersion: SERVICE_DOCUMENT_FORMAT_VERSION,
    revision,
    service: definition,
  };
}

/** A document as the repo keeps it: two-space indents, one order of properties, a final line break. */
export function serviceDocumentText(document: ServiceDocument): string {
  return `${JSON.stringify(ordered(document), null, 2)}\n`;
}
