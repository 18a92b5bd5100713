import { readFileSync } from 'node:fs';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { validateServiceDocument } from '../catalogue/service-document.js';
import { projectPath } from '../../platform/project-path.js';
import { EXPORTED_SCHEMA, serviceDocument, serviceDocumentText } from './service-document-text.js';

const definition = (slug: string) =>
  (
    JSON.parse(readFileSync(projectPath(`services/${slug}.json`), 'utf8')) as {
      service: ServiceDefinition;
    }
  ).service;

/** Reverses every object's properties, as a store that keeps no order might give them back. */
function shuffled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shuffled);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, shuffled(v)]),
  );
}

describe('a revision as a service document’s text', () => {
  it('is a sound guichet-service document, with the repo’s $schema path, that parses back to the definition', () => {
    const permit = definition('building-permit');
    const text = serviceDocumentText(serviceDocument(3, permit));
    const parsed = JSON.parse(text) as unknown;
    expect(parsed).toEqual({
      $schema: EXPORTED_SCHEMA,
      format: 'guichet-service',
      formatVersion: 1,
      revision: 3,
      service: permit,
    });
    expect(validateServiceDocument(parsed).ok).toBe(true);
  });

  it('gives the same bytes whatever order the properties come in: two-space indents, a final line break', () => {
    for (const slug of ['building-permit', 'sign-permit']) {
      const text = serviceDocumentText(serviceDocument(1, definition(slug)));
      expect(
        serviceDocumentText(serviceDocument(1, shuffled(definition(slug)) as ServiceDefinition)),
      ).toBe(text);
      expect(text.endsWith('}\n')).toBe(true);
      expect(text.split('\n')[1]).toBe(`  "$schema": "${EXPORTED_SCHEMA}",`);
    }
  });

  it('writes an identity first, French before English, and a property it does not know last', () => {
    const text = serviceDocumentText(
      serviceDocument(1, {
        ...definition('bulky-waste-pickup'),
        title: { en: 'Bulky item pickup', fr: 'Collecte des objets volumineux' },
        somethingNew: true,
      } as ServiceDefinition),
    );
    const service = Object.keys((JSON.parse(text) as { service: object }).service);
    expect(service[0]).toBe('slug');
    expect(service[1]).toBe('referencePrefix');
    expect(service.at(-1)).toBe('somethingNew');
    expect(text.indexOf('"fr": "Collecte')).toBeLessThan(text.indexOf('"en": "Bulky item pickup"'));
  });
});
