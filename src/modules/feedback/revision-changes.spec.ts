import type { ChoiceField } from '../catalogue/form-schema.js';
import { revisedBuildingPermit, repoService } from '../../../test/support/revisions.js';
import { QuestionChangesCache, questionChanges } from './revision-changes.js';

/** What the candidate banner lists: the questions of one variant's form, by the studio's comparison. */
describe('questionChanges', () => {
  it('lists the questions added, asked differently and removed, for the variant only', () => {
    const { older, newer } = revisedBuildingPermit();
    const business = questionChanges(older, newer, 'business');
    const en = (change: string) =>
      business.filter((c) => c.change === change).map((c) => c.label.en);
    // The insurance step is the business variant's only.
    expect(en('added')).toEqual(expect.arrayContaining(['Insurer', 'End']));
    expect(en('changed')).toEqual(expect.arrayContaining(['Cadastral lot number', 'Type of work']));
    // The documents step was removed with its file questions.
    expect(en('removed')).toEqual(expect.arrayContaining(['Site plan']));
    const citizen = questionChanges(older, newer, 'citizen');
    expect(citizen.map((c) => c.label.en)).not.toContain('Insurer');
    expect(citizen.map((c) => c.label.en)).toContain('Cadastral lot number');
  });

  it('does not list a question only moved, nor a revision that changed no question', () => {
    const older = repoService('building-permit');
    const moved = repoService('building-permit');
    const property = moved.form.steps.find((s) => s.slug === 'property')!;
    property.fields.reverse();
    moved.fees = { fr: 'Gratuit', en: 'Free' };
    expect(questionChanges(older, moved, 'citizen')).toEqual([]);
  });

  it('counts an option added as a question asked differently', () => {
    const older = repoService('building-permit');
    const newer = repoService('building-permit');
    const workType = newer.form.steps
      .flatMap((s) => s.fields)
      .find((f) => f.name === 'workType') as ChoiceField;
    workType.options.push({
      value: 'solar',
      label: { fr: 'Panneaux solaires', en: 'Solar panels' },
    });
    expect(questionChanges(older, newer, 'business')).toEqual([
      { change: 'changed', label: workType.label },
    ]);
  });

  it('computes each pair of revisions once', () => {
    const { older, newer } = revisedBuildingPermit();
    const cache = new QuestionChangesCache();
    const first = cache.of(older, newer, 'business');
    expect(cache.of(older, newer, 'business')).toBe(first);
    expect(cache.of(older, newer, 'citizen')).not.toBe(first);
  });
});
