import { useEffect, useState } from 'react';

/**
 * Routes live in the URL's hash (`#/alerts/<id>`, `#/search?q=…`): the API serves one page at
 * `/`, a reload or a shared link opens the same view, and the back button works.
 */
export interface Route {
  /** Path segments after `#/`, decoded: `['alerts', 'a1']`. */
  readonly segments: readonly string[];
  readonly params: URLSearchParams;
}

/** The route the address bar holds now: ahead of the rendered one until its `hashchange` has been handled. */
export function currentRoute(): Route {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?', 2);
  return { segments: path.split('/').filter((part) => part !== '').map(decodeURIComponent), params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** The hash for a route: `href('alerts', id)`, `href('search', { q })`. */
export function href(...parts: (string | Readonly<Record<string, string | undefined>>)[]): string {
  const segments = parts.filter((part): part is string => typeof part === 'string').map(encodeURIComponent);
  const params = parts.find((part): part is Readonly<Record<string, string | undefined>> => typeof part !== 'string');
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return `#/${segments.join('/')}${text === '' ? '' : `?${text}`}`;
}

export function navigate(to: string): void {
  window.location.hash = to;
}
