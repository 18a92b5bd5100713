import type { NestExpressApplication } from '@nestjs/platform-express';

export interface RouteInfo {
  path: string;
  methods: string[];
}

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every route the running portal answers, as Express holds them (`/a/:id/b`), with its methods. */
export function routesOf(app: NestExpressApplication): RouteInfo[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  const byPath = new Map<string, Set<string>>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) {
      const methods = byPath.get(path) ?? new Set<string>();
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on && method !== '_all') methods.add(method.toUpperCase());
      byPath.set(path, methods);
    }
  }
  return [...byPath].map(([path, methods]) => ({ path, methods: [...methods].sort() }));
}

/** The `name` of every control of the forms in a page's HTML (CSRF token left out). */
export function fieldNamesIn(html: string): string[] {
  const names = new Set<string>();
  for (const match of html.matchAll(/<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"/g))
    if (match[1] !== '_csrf') names.add(match[1].replace(/&#x3D;/g, '='));
  return [...names];
}

/** The forms of a page that post to `action`: their HTML, and whether they send files. */
export function formsPostingTo(
  html: string,
  action: string,
): { html: string; multipart: boolean }[] {
  const forms: { html: string; multipart: boolean }[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const to = /\baction="([^"]*)"/.exec(match[1])?.[1]?.replace(/&amp;/g, '&').split('?')[0];
    if (to === action) forms.push({ html: match[2], multipart: match[1].includes('multipart') });
  }
  return forms;
}
