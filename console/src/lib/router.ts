// Pure routing helpers: the console lives under /console/, and its screens are matched by path patterns.

/** Where the service serves the console; every in-app path is relative to it. */
export const BASE = '/console';

/** `/console/payments/x` → `/payments/x`; the console's root is `/`. */
export function toAppPath(pathname: string): string {
  if (pathname === BASE || pathname === `${BASE}/`) return '/';
  if (pathname.startsWith(`${BASE}/`)) {
    const rest = pathname.slice(BASE.length);
    return rest.length > 1 && rest.endsWith('/') ? rest.slice(0, -1) : rest;
  }
  return pathname;
}

/** An in-app path (with or without a query string) as the href the browser needs. */
export function toHref(appPath: string): string {
  return appPath === '/' ? `${BASE}/` : `${BASE}${appPath}`;
}

/**
 * Matches `/payments/:paymentID` against `/payments/abc`: the decoded parameters, or undefined when the
 * path is another screen's. Segments must match one for one.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = have[index] ?? '';
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined; // a malformed %-escape is no id of ours
      }
    } else if (part !== actual) return undefined;
  }
  return params;
}

/** Builds `/payments?status=FAILED`, leaving out empty values so URLs stay short and shareable. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** A path segment for an id: ids are opaque and may hold characters a URL path reserves. */
export function segment(id: string): string {
  return encodeURIComponent(id);
}
