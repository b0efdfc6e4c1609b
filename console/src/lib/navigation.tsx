// History-based navigation for the console: the current location as React state, navigate(), and <Link>.
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';
import { toAppPath, toHref } from './router.js';

const NAVIGATE_EVENT = 'pb:navigate';
/** Set after the first in-app navigation: from then on a new screen takes the focus (see PageHeading). */
let navigated = false;

export function hasNavigated(): boolean {
  return navigated;
}

function markNavigated(): void {
  navigated = true;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', markNavigated);
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', markNavigated);
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export interface AppLocation {
  path: string;
  params: URLSearchParams;
}

/** The in-app path (`/payments/x`) and query parameters; re-renders on every navigation. */
export function useLocation(): AppLocation {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: toAppPath(url.pathname), params: url.searchParams };
}

/** Goes to an in-app path; `replace` for filter changes that should not pile up in Back. */
export function navigate(appPath: string, options: { replace?: boolean } = {}): void {
  const href = toHref(appPath);
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  if (!options.replace) navigated = true;
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
  if (!options.replace) window.scrollTo(0, 0);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** A real link (it opens in a new tab, copies, reads as a link) that navigates in-app on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={toHref(to)} onClick={handle} {...rest} />;
}
