import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach } from '@jest/globals';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Response,
} from 'playwright-core';
import { projectPath } from '../../src/platform/project-path.js';
import { htmlProblems, ID_REFERENCES, type HtmlProblem } from './html-check.js';

const SCREENSHOTS = projectPath('test-results/screenshots');

/**
 * Saves the whole page as test-results/screenshots/<name>.png, for people to
 * look at; nothing asserts on it. GUICHET_SCREENSHOTS=off skips it (CI does:
 * nobody reads a clean clone's files, and a full-page PNG costs a browser test
 * a few hundred milliseconds).
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.GUICHET_SCREENSHOTS === 'off') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/**
 * Debian's Chromium, headless, without the background connections this
 * machine's closed network would refuse (CHROMIUM_PATH overrides the path).
 *
 * Every HTML page the browser receives, in every context and page of this
 * browser, is checked with html-validate (see html-check.ts): the body the
 * portal served, before any script ran. The test during which an invalid page
 * arrived fails, naming the page and what is wrong with it.
 */
/** How a test signs someone in through the sign-in page (`signedInPage`). */
export interface SignInOptions {
  /** The person's password (the test people's PASSWORD). */
  password: string;
  /** The window's width, 1100 px unless said (the height is 900). */
  width?: number;
  javaScriptEnabled?: boolean;
  /** Also sets the language cookie, not only the browser's Accept-Language. */
  languageCookie?: boolean;
  /** Collects the Content-Security-Policy refusals the page's console reports. */
  cspViolations?: string[];
}

/**
 * A page of a new browser context in `locale`, signed in as `email` through
 * the sign-in page, as a person would.
 */
export async function signedInPage(
  browser: Browser,
  portalUrl: string,
  email: string,
  locale: 'fr' | 'en',
  options: SignInOptions,
): Promise<Page> {
  const context = await browser.newContext({
    locale: locale === 'fr' ? 'fr-CA' : 'en-CA',
    viewport: { width: options.width ?? 1100, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  if (options.languageCookie)
    await context.addCookies([{ name: 'guichet_lang', value: locale, url: portalUrl }]);
  const page = await context.newPage();
  const csp = options.cspViolations;
  if (csp)
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) csp.push(message.text());
    });
  await page.goto(`${portalUrl}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', options.password);
  await page.click('main button[type="submit"]');
  await page.waitForLoadState();
  return page;
}

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  // browser.newPage() opens its page in a context of its own through newContext.
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    checkEveryPage(context);
    return context;
  };
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await pageChecks.settled();
    await close(...args);
    // Pages opened after the last test (in an afterAll) are reported here.
    pageChecks.assertValid();
  };
  return browser;
}

interface InvalidPage {
  url: string;
  status: number;
  problems: HtmlProblem[];
}

/** The checks of the pages received since the last test ended. */
const pageChecks = {
  pending: new Set<Promise<void>>(),
  invalid: [] as InvalidPage[],

  check(response: Response) {
    const url = response.url();
    const status = response.status();
    const done = response
      .text()
      .then(
        async (html) => {
          const problems = await htmlProblems(html);
          if (problems.length > 0) this.invalid.push({ url, status, problems });
        },
        (error: unknown) => {
          // Chromium may drop a document's body once its page has moved on; a
          // check that cannot run is said, not failed.
          console.warn(`HTML not checked, its body was gone: ${url} (${String(error)})`);
        },
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  },

  async settled() {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  },

  assertValid() {
    const invalid = this.invalid.splice(0);
    if (invalid.length === 0) return;
    const lines = invalid.flatMap(({ url, status, problems }) => [
      `${url} (${status}):`,
      ...problems.map(
        (p) =>
          `  ${p.at} ${p.rule}: ${p.message}${p.selector ? ` (${p.selector})` : ''}\n    ${p.excerpt}`,
      ),
    ]);
    throw new Error(`Invalid HTML on ${invalid.length} page(s):\n${lines.join('\n')}`);
  },
};

function checkEveryPage(context: BrowserContext) {
  context.on('response', (response) => {
    if (response.request().resourceType() !== 'document') return;
    if (!/^text\/html\b/.test(response.headers()['content-type'] ?? '')) return;
    // A redirect has no page; the browser follows it to one, which is checked.
    if (response.status() >= 300 && response.status() < 400) return;
    pageChecks.check(response);
  });
  // The bodies are read before the pages that received them go away.
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await pageChecks.settled();
    await close(...args);
  };
  context.on('page', (page) => {
    const closePage = page.close.bind(page);
    page.close = async (...args) => {
      await pageChecks.settled();
      await closePage(...args);
    };
  });
}

afterEach(async () => {
  await pageChecks.settled();
  pageChecks.assertValid();
});

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core's WCAG 2.1 A and AA rules on the page, and checks the id
 * references of the page as scripts left it (see idReferenceViolations);
 * returns the violations.
 */
export async function wcagViolations(page: Page): Promise<AxeViolation[]> {
  return [...(await axeViolations(page)), ...(await idReferenceViolations(page))];
}

/**
 * axe accepts an empty aria-describedby and one naming no element; a screen
 * reader then announces nothing. This looks at the live DOM, after
 * govuk-frontend's scripts added their own references (the character count's).
 */
async function idReferenceViolations(page: Page): Promise<AxeViolation[]> {
  const problems = await page.evaluate((attributes: string[]) => {
    const found: { attribute: string; target: string }[] = [];
    for (const attribute of attributes) {
      for (const element of document.querySelectorAll(`[${attribute}]`)) {
        const ids = (element.getAttribute(attribute) ?? '').split(/\s+/).filter(Boolean);
        if (ids.length === 0 || ids.some((id) => !document.getElementById(id))) {
          const id = element.id ? `#${element.id}` : '';
          found.push({
            attribute,
            target: `${element.tagName.toLowerCase()}${id}[${attribute}="${element.getAttribute(attribute)}"]`,
          });
        }
      }
    }
    return found;
  }, ID_REFERENCES);
  return problems.map(({ attribute, target }) => ({
    id: 'id-reference',
    impact: 'serious',
    help: `${attribute} must name elements that are on the page`,
    nodes: [{ target: [target] }],
  }));
}

async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(d: Document, o: object): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}
