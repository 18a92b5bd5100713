import { describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { htmlProblems, UNFILLED_PLACEHOLDER } from '../../../test/support/html-check.js';
import { repoService, revisedBuildingPermit } from '../../../test/support/revisions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { configureViews } from '../../platform/views/configure-views.js';
import {
  comparisonView,
  type ComparisonRowView,
  type ComparisonTableView,
  type ComparisonView,
} from './revision-comparison.presenter.js';
import { compareRevisions } from './revision-comparison.js';

const i18n = new I18nService();

function viewOf(locale: Locale, revisions?: { from: number; to: number }): ComparisonView {
  const { older, newer } = revisedBuildingPermit();
  return comparisonView(i18n, locale, compareRevisions(older, newer), revisions);
}

function table(view: ComparisonView, id: string): ComparisonTableView {
  const found = view.sections.flatMap((s) => s.tables).find((t) => t.id === id);
  if (!found) throw new Error(`no table ${id}`);
  return found;
}

function row(t: ComparisonTableView, header: string): ComparisonRowView {
  const found = t.rows.find((r) => r.header === header);
  if (!found)
    throw new Error(`no row “${header}” in ${t.id}: ${t.rows.map((r) => r.header).join(' | ')}`);
  return found;
}

/**
 * The partial rendered by the portal's own Handlebars setup (configureViews:
 * every file of views/partials registered), inside a page as the layout
 * would give it, for html-validate's document rules.
 */
function rendered(view: ComparisonView, locale: Locale): string {
  const app = {
    setBaseViewsDir: () => undefined,
    setViewEngine: () => undefined,
    set: () => undefined,
    enable: () => undefined,
  } as unknown as NestExpressApplication;
  configureViews(app, i18n, { cache: false });
  const fragment = hbs.handlebars.compile('{{> studio-comparison comparison}}')(
    { comparison: view },
    { data: { root: { locale } } },
  );
  return `<!DOCTYPE html>
<html lang="${locale}">
<head><meta charset="utf-8"><title>Comparer</title></head>
<body><main><h1>Comparer</h1>
${fragment}
</main></body>
</html>
`;
}

describe('the view of a comparison', () => {
  it('numbers the columns by revision, in the page’s language', () => {
    expect(viewOf('fr', { from: 1, to: 2 }).columns).toEqual({
      item: 'Élément',
      before: 'Avant (révision 1)',
      after: 'Après (révision 2)',
    });
    expect(viewOf('en').columns).toEqual({ item: 'Item', before: 'Before', after: 'After' });
  });

  it('shows every text in both languages, the other language marked with its lang', () => {
    const fr = viewOf('fr');
    const service = table(fr, 'compare-service-texts');
    expect(row(service, 'Frais – français (inchangé)')).toMatchObject({
      before: { text: repoService('building-permit').fees.fr, none: false },
    });
    expect(row(service, 'Frais – français (inchangé)').before.lang).toBeUndefined();
    expect(row(service, 'Frais – anglais')).toMatchObject({
      before: { text: repoService('building-permit').fees.en, lang: 'en' },
      after: { text: 'From $60 to $600, payable when the permit is issued.', lang: 'en' },
    });
    expect(row(service, 'Dépôt en lot (fichier CSV)')).toMatchObject({
      before: { text: 'Non' },
      after: { text: 'Oui' },
    });

    const en = viewOf('en');
    const lot = table(en, 'compare-field-lotNumber');
    expect(lot).toMatchObject({
      caption: 'Cadastral lot number',
      captionOther: { text: 'Numéro de lot', lang: 'fr' },
      key: 'lotNumber',
      detail: 'In the step property',
      tag: { text: 'Changed', change: 'changed' },
    });
    expect(row(lot, 'Label – French (unchanged)')).toMatchObject({
      before: { text: 'Numéro de lot', lang: 'fr' },
      after: { text: 'Numéro de lot', lang: 'fr' },
    });
    expect(row(lot, 'Label – English').after).toEqual({
      text: 'Cadastral lot number',
      code: false,
      none: false,
    });
    expect(row(lot, 'Answer')).toMatchObject({
      before: { text: 'Required' },
      after: { text: 'Optional' },
    });
    expect(row(lot, 'Expected format (regular expression)').after).toEqual({
      text: '^\\d{7}$',
      code: true,
      none: false,
    });
  });

  it('tags what was added, removed, moved and changed, and says where', () => {
    const view = viewOf('fr');
    expect(table(view, 'compare-step-insurance')).toMatchObject({
      caption: 'Assurance',
      captionOther: { text: 'Insurance', lang: 'en' },
      tag: { text: 'Ajouté', classes: 'govuk-tag govuk-tag--green' },
    });
    expect(row(table(view, 'compare-step-insurance'), 'Pour')).toMatchObject({
      before: { none: true, text: '(rien)' },
      after: { text: 'Entreprises seulement' },
    });
    expect(table(view, 'compare-step-documents').tag).toMatchObject({
      text: 'Retiré',
      classes: 'govuk-tag govuk-tag--red',
    });
    const contractor = table(view, 'compare-step-contractor');
    expect(contractor.tag.text).toBe('Déplacé');
    expect(row(contractor, 'Position')).toMatchObject({
      before: { text: '4e position' },
      after: { text: '1re position' },
    });
    const insurer = table(view, 'compare-field-insurer');
    expect(row(insurer, 'Étape').after).toMatchObject({ text: 'insurance', code: true });
    expect(row(insurer, 'Préremplie à partir de').after.text).toBe('Nom légal de l’entreprise');
    expect(row(insurer, 'Type de question').after.text).toBe('Texte court');
    expect(row(table(view, 'compare-field-insuranceEnds'), 'Pas avant').after.text).toBe(
      'aujourd’hui',
    );
    expect(row(table(view, 'compare-field-floorArea'), 'Affichée seulement')).toMatchObject({
      before: { text: 'quand workType vaut newBuilding, extension, accessoryBuilding' },
      after: { text: 'quand workType vaut extension' },
    });
    const workType = table(view, 'compare-field-workType');
    expect(row(workType, 'Option solar : libellé – anglais')).toMatchObject({
      tag: { text: 'Ajouté' },
      after: { text: 'Solar panels', lang: 'en' },
    });
    expect(row(workType, 'Option fence : libellé – français')).toMatchObject({
      tag: { text: 'Retiré' },
      after: { none: true },
    });
    expect(table(view, 'compare-field-otherSites-lot')).toMatchObject({ key: 'otherSites.lot' });
    expect(table(view, 'compare-variant-business').rows[0]).toMatchObject({
      header: 'Utilisez ce service pour – français',
      tag: { text: 'Ajouté' },
      after: { text: 'démolir un bâtiment principal' },
    });
    const rules = table(view, 'compare-rules-table');
    expect(rules.rows.map((r) => r.header)).toEqual([
      'insuranceEnds beAfter startDate – français',
      'insuranceEnds beAfter startDate – anglais',
    ]);
    expect(rules.rows[1].after).toMatchObject({ lang: 'en', none: false });
  });

  it('leaves no catalog key or placeholder unfilled, in either language', () => {
    for (const locale of ['fr', 'en'] as const) {
      const strings = JSON.stringify(viewOf(locale, { from: 1, to: 2 }));
      expect(strings).not.toMatch(UNFILLED_PLACEHOLDER);
      expect(strings).not.toContain('studio.compare.');
    }
  });

  it('says when two revisions are the same', () => {
    const same = repoService('sign-permit');
    const view = comparisonView(i18n, 'en', compareRevisions(same, repoService('sign-permit')));
    expect(view).toMatchObject({ empty: true, sections: [] });
    expect(rendered(view, 'en')).toContain(
      'These two revisions are the same: nothing was added, removed or changed.',
    );
  });

  for (const locale of ['fr', 'en'] as const)
    it(`renders as valid HTML through the portal’s Handlebars setup (${locale})`, async () => {
      const html = rendered(viewOf(locale, { from: 1, to: 2 }), locale);
      expect(await htmlProblems(html)).toEqual([]);
      expect(html).toContain(
        locale === 'fr' ? '<span lang="en">Insurance</span>' : '<span lang="fr">Assurance</span>',
      );
      expect(html).toContain(locale === 'fr' ? '>Ajouté</strong>' : '>Added</strong>');
      expect(html).toContain(
        locale === 'fr'
          ? '<td class="govuk-table__cell" lang="en">From $60 to $600'
          : '<td class="govuk-table__cell">From $60 to $600',
      );
      expect(html).toContain('<code>^\\d{7}$</code>');
    });
});
