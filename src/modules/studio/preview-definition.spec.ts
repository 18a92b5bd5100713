import { readFileSync } from 'node:fs';
import { projectPath } from '../../platform/project-path.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { previewable, wellFormed, type MissingText } from './preview-definition.js';

const missing: MissingText = (what, name) => ({ fr: `[${what} ${name}]`, en: `[${what} ${name}]` });

describe('previewable: a definition made safe to preview', () => {
  it('leaves a sound definition as it is', () => {
    const document = JSON.parse(
      readFileSync(projectPath('services/building-permit.json'), 'utf8'),
    ) as { service: ServiceDefinition };
    expect(previewable(document.service, missing)).toEqual(
      JSON.parse(JSON.stringify(document.service)),
    );
  });

  it('fills in what a draft lacks, names unlabelled questions and drops broken patterns', () => {
    const shown = previewable(
      {
        slug: 'pool-permit',
        title: { fr: 'Permis de piscine', en: '' },
        form: {
          steps: [
            {
              slug: 'pool',
              fields: [
                { name: 'depth', type: 'text', pattern: { regex: '(', message: {} } },
                { name: 'kind', type: 'choice', label: { fr: 'Type', en: 'Kind' } },
                { name: 'sites', type: 'group', label: { fr: 'Sites', en: 'Sites' } },
              ],
            },
            'not a step',
          ],
          rules: [{ field: 'depth', must: 'after', other: 'kind' }, 7],
        },
      },
      missing,
    );
    expect(shown.title).toEqual({ fr: 'Permis de piscine', en: '' });
    expect(shown.summary).toEqual({ fr: '', en: '' });
    expect(shown.variants.business).toEqual({
      summary: { fr: '', en: '' },
      useThisServiceTo: [],
      beforeYouStart: [],
    });
    expect(shown.form.steps).toHaveLength(1);
    const [step] = shown.form.steps;
    expect(step.title).toEqual({ fr: '[step pool]', en: '[step pool]' });
    expect(step.fields[0]).toMatchObject({ label: { fr: '[field depth]', en: '[field depth]' } });
    expect(step.fields[0]).not.toHaveProperty('pattern');
    expect(step.fields[1]).toMatchObject({ options: [] });
    expect(step.fields[2]).toMatchObject({ fields: [], itemLabel: { fr: '[item sites]' } });
    expect(shown.form.rules).toEqual([
      {
        field: 'depth',
        must: 'after',
        other: 'kind',
        message: { fr: '[rule depth]', en: '[rule depth]' },
      },
    ]);
  });

  it('reads anything without throwing', () => {
    for (const junk of [null, 42, 'text', [], { form: null }, { form: { steps: {} } }])
      expect(previewable(junk, missing).form.steps).toEqual([]);
  });
});

describe('wellFormed: a definition in the shape its type promises', () => {
  it('leaves a sound definition as it is, to the JSON text', () => {
    const document = JSON.parse(readFileSync(projectPath('services/sign-permit.json'), 'utf8')) as {
      service: ServiceDefinition;
    };
    expect(JSON.stringify(wellFormed(document.service))).toBe(JSON.stringify(document.service));
  });

  it('fills in missing parts with blanks, drops what is no step or question, keeps what the checks report', () => {
    const d = wellFormed({
      slug: 'pool-permit',
      variants: null,
      form: {
        steps: [
          {
            slug: 'pool',
            title: 'Piscine',
            fields: [{ name: 'depth', type: 'text', pattern: { regex: '(', message: {} } }, 7],
          },
          null,
        ],
      },
    });
    expect(d.title).toEqual({ fr: '', en: '' });
    expect(d.variants.business).toEqual({
      summary: { fr: '', en: '' },
      useThisServiceTo: [],
      beforeYouStart: [],
    });
    expect(d.form.steps).toEqual([
      {
        slug: 'pool',
        title: { fr: '', en: '' },
        fields: [
          {
            name: 'depth',
            type: 'text',
            label: { fr: '', en: '' },
            pattern: { regex: '(', message: {} },
          },
        ],
      },
    ]);
  });
});
