import { htmlProblems } from './support/html-check.js';

/** A whole page around `main`, as the portal's layout writes it. */
const page = (main: string) => `<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>Permis de construire – Portail des services en ligne de Val-des-Cèdres</title>
  <link rel="stylesheet" href="/assets/css/guichet.css">
</head>
<body>
  <main id="main-content">
${main}
  </main>
  <script type="module" src="/assets/js/guichet.js"></script>
</body>
</html>`;

const rules = async (html: string) => (await htmlProblems(html)).map((p) => p.rule);

describe('the HTML check the browser tests run on every page', () => {
  it('refuses a control whose aria-describedby is empty, as filing steps had', async () => {
    const html = page(`<h1 class="govuk-heading-l">Numéro de lot</h1>
<label class="govuk-label" for="lotNumber">Numéro de lot</label>
<input class="govuk-input" id="lotNumber" name="lotNumber" type="text" aria-describedby="">`);
    expect(await rules(html)).toEqual(['guichet/no-empty-id-reference']);
  });

  it('refuses an aria-describedby, aria-labelledby or for naming an id not on the page', async () => {
    const html = page(`<h1 class="govuk-heading-l">Numéro de lot</h1>
<label class="govuk-label" for="lot">Numéro de lot</label>
<input class="govuk-input" id="lotNumber" name="lotNumber" type="text" aria-describedby="lotNumber-hint">
<div role="region" aria-labelledby="nowhere" tabindex="0"><p>Texte</p></div>`);
    expect((await rules(html)).sort()).toEqual([
      'input-missing-label',
      'no-missing-references',
      'no-missing-references',
      'no-missing-references',
    ]);
  });

  it('accepts govuk-frontend’s documented markup: an error summary above the h1, a button link, a date input', async () => {
    const html = page(`<div class="govuk-error-summary" data-module="govuk-error-summary">
  <div role="alert">
    <h2 class="govuk-error-summary__title">Il y a un problème</h2>
    <div class="govuk-error-summary__body">
      <ul class="govuk-list govuk-error-summary__list"><li><a href="#startDate-day">Entrez une date</a></li></ul>
    </div>
  </div>
</div>
<h1 class="govuk-heading-l">Les travaux</h1>
<a href="/organizations/new" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Inscrire une entreprise</a>
<div class="govuk-form-group govuk-form-group--error">
  <fieldset class="govuk-fieldset" role="group" aria-describedby="startDate-hint startDate-error">
    <legend class="govuk-fieldset__legend">Date prévue de début</legend>
    <div id="startDate-hint" class="govuk-hint">Par exemple 15 6 2027</div>
    <p id="startDate-error" class="govuk-error-message">Entrez une date</p>
    <div class="govuk-date-input" id="startDate">
      <div class="govuk-date-input__item">
        <label class="govuk-label govuk-date-input__label" for="startDate-day">Jour</label>
        <input class="govuk-input govuk-date-input__input govuk-input--error" id="startDate-day" name="startDate-day" type="text" inputmode="numeric">
      </div>
    </div>
  </fieldset>
</div>
<div class="govuk-checkboxes" data-module="govuk-checkboxes">
  <div class="govuk-checkboxes__item">
    <input class="govuk-checkboxes__input" id="waste" name="waste" type="checkbox" value="carcasses">
    <label class="govuk-label govuk-checkboxes__label" for="waste">Carcasses</label>
  </div>
  <div class="govuk-checkboxes__item">
    <input class="govuk-checkboxes__input" id="waste-2" name="waste" type="checkbox" value="mines">
    <label class="govuk-label govuk-checkboxes__label" for="waste-2">Mines</label>
  </div>
</div>`);
    expect(await htmlProblems(html)).toEqual([]);
  });

  it('refuses a page that shows a catalog placeholder whose value was not given', async () => {
    const html = page(`<h1 class="govuk-heading-l">Bonjour {name}</h1>
<p class="govuk-body">Il reste {count, plural, one {# place} other {# places}}</p>
<img src="/assets/images/logo.png" alt="Logo de {municipality}">`);
    expect(await rules(html)).toEqual([
      'guichet/no-unfilled-placeholder',
      'guichet/no-unfilled-placeholder',
      'guichet/no-unfilled-placeholder',
    ]);
  });

  it('accepts braces that are not placeholders, govuk-frontend’s %{count} templates and what someone typed', async () => {
    const html = page(`<h1 class="govuk-heading-l">Réponse</h1>
<p class="govuk-body">Un ensemble { a, b } et une accolade {</p>
<div class="govuk-character-count" data-module="govuk-character-count" data-maxlength="10" data-i18n.characters-under-limit.one="Il vous reste %{count} caractère">
  <label class="govuk-label" for="text">Texte</label>
  <textarea class="govuk-textarea" id="text" name="text" rows="5">Bonjour {name}</textarea>
</div>`);
    expect(await htmlProblems(html)).toEqual([]);
  });
});
