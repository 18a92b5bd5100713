import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { I18nService, isLocale } from '../i18n/i18n.service.js';
import { readAssetManifest } from '../http/fingerprinted-assets.js';
import { projectPath } from '../project-path.js';

/**
 * Handlebars views from `views/`, the layout `views/layouts/main.hbs`, every file
 * in `views/partials/` as a partial, and the helpers templates use:
 * - `{{t "key" name=value}}` translates in the request's language;
 * - `{{l text}}` picks the request's language from a `{ fr, en }` object;
 * - `{{#if (eq a b)}}` compares two values; `(concat a b)` joins strings;
 * - `{{describedBy id hint error}}` gives the ids for aria-describedby;
 * - `{{asset "css/guichet.css"}}` gives a stylesheet's or script's
 *   fingerprinted address (public/build/manifest.json, ADR 0037), or its plain one.
 * A helper shadows a view property of the same name: don't give a view's data
 * (or a partial's parameters) any of these names.
 */
interface HelperOptions {
  hash: Record<string, unknown>;
  data?: { root?: unknown };
}

/** Handlebars instances whose compile already prevents partial indentation. */
const compileWithoutIndent = new WeakSet<object>();

export function configureViews(
  app: NestExpressApplication,
  i18n: I18nService,
  options: { cache: boolean },
) {
  const handlebars = hbs.handlebars;
  // An indented partial call would indent every line of the partial's output,
  // including the lines of a textarea's value: what someone typed would come
  // back after a 422 with spaces added. Partials are never indented.
  if (!compileWithoutIndent.has(handlebars)) {
    const compile = handlebars.compile.bind(handlebars);
    handlebars.compile = ((input: string, compileOptions?: CompileOptions) =>
      compile(input, { preventIndent: true, ...compileOptions })) as typeof handlebars.compile;
    compileWithoutIndent.add(handlebars);
  }
  const partials = projectPath('views/partials');
  for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
    handlebars.registerPartial(basename(file, '.hbs'), readFileSync(join(partials, file), 'utf8'));
  }
  handlebars.registerHelper('t', function (this: unknown, key: string, options: HelperOptions) {
    const root = options.data?.root as { locale?: unknown } | undefined;
    const locale = isLocale(root?.locale) ? root.locale : 'fr';
    return i18n.t(locale, key, options.hash);
  });
  handlebars.registerHelper('l', function (this: unknown, text: { fr: string; en: string }, options: HelperOptions) {
    const root = options.data?.root as { locale?: unknown } | undefined;
    return isLocale(root?.locale) ? text[root.locale] : text.fr;
  });
  const manifest = readAssetManifest(projectPath('public/build'));
  handlebars.registerHelper('asset', (name: string) => manifest[name] ?? `/assets/${name}`);
  handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // {{#if (hasRole staffRoles "clerk" "admin")}}: whether the list holds one of the values.
  handlebars.registerHelper('hasRole', (held: unknown, ...args: unknown[]) =>
    Array.isArray(held) ? args.slice(0, -1).some((role) => held.includes(role)) : false,
  );
  handlebars.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  // `{{describedBy id hint error}}`: the ids for aria-describedby. A helper
  // wins over a view property of the same name, so `{{describedBy}}` meant as a
  // property would print "" (every filing step once had aria-describedby=""):
  // called without its arguments, it stops the render instead.
  handlebars.registerHelper('describedBy', (...args: unknown[]) => {
    if (args.length === 1) {
      throw new Error('describedBy is a helper: {{describedBy id hint error}}, not a view property');
    }
    const [name, hint, error] = args.slice(0, -1) as [string, unknown, unknown];
    return [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  });
  handlebars.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));

  app.setBaseViewsDir(projectPath('views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  if (options.cache) app.enable('view cache');
}
