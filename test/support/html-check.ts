import {
  HtmlValidate,
  NodeType,
  Rule,
  type AttributeEvent,
  type ConfigData,
  type DOMReadyEvent,
  type RuleDocumentation,
} from 'html-validate';

/**
 * The attributes that name other elements by id. An empty one is valid HTML but
 * says nothing: `aria-describedby=""` made screen readers skip every filing
 * step's hints and error messages, and neither axe nor html-validate's own rules
 * report it. A dangling one (an id that is not on the page) is html-validate's
 * `no-missing-references`.
 */
export const ID_REFERENCES = [
  'for',
  'aria-activedescendant',
  'aria-controls',
  'aria-describedby',
  'aria-details',
  'aria-errormessage',
  'aria-flowto',
  'aria-labelledby',
  'aria-owns',
];

class NoEmptyIdReference extends Rule<{ attribute: string }> {
  override documentation(context: { attribute: string }): RuleDocumentation {
    return {
      description: `\`${context.attribute}\` names no element: remove the attribute, or give it the ids it refers to.`,
    };
  }

  override setup(): void {
    this.on('attr', (event: AttributeEvent) => {
      if (!ID_REFERENCES.includes(event.key) || typeof event.value !== 'string') return;
      if (event.value.trim() !== '') return;
      this.report({
        node: event.target,
        message: `"${event.key}" is empty`,
        location: event.location,
        context: { attribute: event.key },
      });
    });
  }
}

/**
 * A catalog placeholder left in a page: `{name}`, or a whole
 * `{count, plural, …}`. `I18nService.t` never throws for a value its caller
 * forgot (a page still shows), it leaves the placeholder visible; this rule is
 * what makes such a page fail the tests. It reads the text people see and the
 * attributes a screen reader or a browser shows (`%{count}` in govuk-frontend's
 * `data-i18n.*` templates is not read); a textarea's text is what someone typed.
 */
export const UNFILLED_PLACEHOLDER =
  /\{[A-Za-z_]\w*(?:\}|\s*,\s*(?:plural|select|selectordinal|number|date|time)\b)/;
const SHOWN_ATTRIBUTES = ['alt', 'title', 'placeholder', 'aria-label', 'content'];

class NoUnfilledPlaceholder extends Rule {
  override documentation(): RuleDocumentation {
    return {
      description:
        'A catalog message was shown without one of its values: pass it to `t` (or to the `t` helper).',
    };
  }

  override setup(): void {
    this.on('attr', (event: AttributeEvent) => {
      if (!SHOWN_ATTRIBUTES.includes(event.key) || typeof event.value !== 'string') return;
      const found = UNFILLED_PLACEHOLDER.exec(event.value);
      if (!found) return;
      this.report({
        node: event.target,
        message: `"${event.key}" shows the catalog placeholder ${found[0]}`,
        location: event.location,
      });
    });
    this.on('dom:ready', (event: DOMReadyEvent) => {
      for (const element of event.document.querySelectorAll('*')) {
        if (['script', 'style', 'textarea'].includes(element.tagName)) continue;
        for (const node of element.childNodes) {
          if (node.nodeType !== NodeType.TEXT_NODE) continue;
          const found = UNFILLED_PLACEHOLDER.exec(node.textContent);
          if (!found) continue;
          this.report({
            node: element,
            message: `the text shows the catalog placeholder ${found[0]}`,
            location: node.location,
          });
        }
      }
    });
  }
}

/**
 * How the browser tests check every page they open. html-validate's
 * `recommended` preset (valid HTML and its style) and `document` preset (whole
 * documents: doctype, headings in order, labelled inputs, references to ids that
 * exist), plus the empty-reference rule above. Relaxed only where govuk-frontend's
 * documented markup, which the views copy, disagrees; each relaxation says why.
 */
export const htmlValidateConfig: ConfigData = {
  root: true,
  plugins: [
    {
      name: 'guichet',
      rules: {
        'guichet/no-empty-id-reference': NoEmptyIdReference,
        'guichet/no-unfilled-placeholder': NoUnfilledPlaceholder,
      },
    },
  ],
  extends: ['html-validate:recommended', 'html-validate:document'],
  rules: {
    'guichet/no-empty-id-reference': 'error',
    'guichet/no-unfilled-placeholder': 'error',
    // Checkboxes that answer one question share one name (valid HTML, and
    // govuk-frontend's checkboxes component gives every item the question's
    // name); the rule only allows that for radios and buttons by default.
    'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
    // govuk-frontend puts the error summary and the notification banner, whose
    // titles are <h2>, above the page's <h1> ("place the error summary at the top
    // of the main container"): the first heading may be an <h2>. Levels must still
    // go up one at a time, and there is still one <h1>.
    'heading-level': ['error', { minInitialRank: 'h2' }],
    // The page title follows GOV.UK's pattern, "Page – Service – Organisation"
    // (with "Error: " first after a failed post), which often runs past the rule's
    // 70 characters, a search-engine length rather than a validity one.
    'long-title': 'off',
    // govuk-frontend's date input gives its fieldset role="group", redundant in
    // HTML but needed by JAWS (its template says so).
    'no-redundant-role': ['error', { exclude: ['group'] }],
    // govuk-frontend's documented markup: a link that looks like a button is
    // `<a role="button" draggable="false" class="govuk-button">` (the button
    // component with href), and a notification banner (the portal's scrolling
    // tables copy it) is a `<div role="region" aria-labelledby>`.
    'prefer-native-element': ['error', { exclude: ['button', 'region'] }],
    // Subresource integrity is for files from another origin; the portal serves
    // its own stylesheet and script (govuk-frontend's page template has none).
    'require-sri': ['error', { target: 'crossorigin' }],
    // Not a govuk-frontend conflict but a template one: Handlebars leaves the
    // indentation of a line whose `{{#if}}` renders nothing. Whitespace between
    // elements is valid HTML (the Nu Html Checker is silent about it); only style
    // would be gained by `~` in every view.
    'no-trailing-whitespace': 'off',
  },
};

const validator = new HtmlValidate(htmlValidateConfig);

export interface HtmlProblem {
  rule: string;
  message: string;
  /** Where, as `line:column` in the checked HTML, and the element's CSS selector. */
  at: string;
  selector: string | null;
  /** The start of the offending markup, to find it in the views. */
  excerpt: string;
}

/** What html-validate finds wrong in one page's HTML (empty when it is valid). */
export async function htmlProblems(html: string): Promise<HtmlProblem[]> {
  const report = await validator.validateString(html);
  const lines = html.split('\n');
  return report.results.flatMap((result) =>
    result.messages.map((m) => ({
      rule: m.ruleId,
      message: m.message,
      at: `${m.line}:${m.column}`,
      selector: m.selector,
      excerpt: JSON.stringify((lines[m.line - 1] ?? '').slice(m.column - 1, m.column + 99)),
    })),
  );
}
