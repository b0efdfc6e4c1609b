// Loads data for a screen: loading, error and ready states, a reload, no stale answer after a change, and
// the shared auto-refresh clock that reloads every screen while the tab is visible and nobody is typing.
import { type DependencyList, useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { getSessionState } from './session.js';

export type Loadable<T> =
  | { status: 'loading'; data?: T }
  | { status: 'error'; error: unknown; data?: T }
  | { status: 'ready'; data: T };

/** How often a visible screen reloads what it shows. */
export const REFRESH_INTERVAL_MS = 10_000;

export interface RefreshState {
  /** Bumped on every automatic (or "refresh now") round; every useLoad reloads when it changes. */
  tick: number;
  /** When the last round started (ms since the epoch). */
  at: number;
  /** The operator paused it. */
  paused: boolean;
  /**
   * Why it is held right now, though not paused: a form or dialog is open, the tab is hidden, or the
   * service wants a token and there is none (the user closed the sign-in form).
   */
  held: 'form' | 'hidden' | 'signed-out' | undefined;
}

let refresh: RefreshState = { tick: 0, at: Date.now(), paused: false, held: undefined };
const listeners = new Set<() => void>();
/** Forms and dialogs open right now: a reload under a half-filled form would be a nuisance, or worse. */
let holds = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function publish(change: Partial<RefreshState>): void {
  refresh = { ...refresh, ...change };
  for (const listener of listeners) listener();
}

export function currentHold(): RefreshState['held'] {
  if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return 'hidden';
  // A native modal <dialog> (confirmations, sign-in) counts as a form even if nobody registered it.
  if (holds > 0 || (typeof document !== 'undefined' && document.querySelector('dialog[open]'))) return 'form';
  // Every reload would meet the 401 and open the sign-in form again over the screen the user went back to.
  const session = getSessionState();
  if (session.authRequired && !session.session) return 'signed-out';
  return undefined;
}

/** One round of the clock: reload everything, unless paused or held. */
function onInterval(): void {
  const held = currentHold();
  if (held !== refresh.held) publish({ held });
  if (refresh.paused || held) return;
  publish({ tick: refresh.tick + 1, at: Date.now() });
}

function startClock(): void {
  if (timer !== undefined || typeof window === 'undefined') return;
  timer = setInterval(onInterval, REFRESH_INTERVAL_MS);
  document.addEventListener('visibilitychange', onVisibility);
}

function stopClock(): void {
  if (timer === undefined) return;
  clearInterval(timer);
  timer = undefined;
  document.removeEventListener('visibilitychange', onVisibility);
}

/** Coming back to the tab after a while refreshes at once: whatever was on screen is old by now. */
function onVisibility(): void {
  const held = currentHold();
  publish({ held });
  if (!held && !refresh.paused && Date.now() - refresh.at >= REFRESH_INTERVAL_MS) refreshNow();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  startClock();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) stopClock();
  };
}

/** Reloads every screen now (the "Refresh now" control, and a return to the tab). */
export function refreshNow(): void {
  publish({ tick: refresh.tick + 1, at: Date.now() });
}

/** A screen finished loading: "updated Ns ago" counts from the newest data on screen. */
function noteUpdated(): void {
  publish({ at: Date.now() });
}

export function setRefreshPaused(paused: boolean): void {
  publish({ paused });
}

/** The auto-refresh clock, for the control that shows "updated Ns ago" and pauses it. */
export function useRefreshState(): RefreshState {
  return useSyncExternalStore(subscribe, () => refresh);
}

/** Holds the auto-refresh while `active` (an open form or dialog); several holds add up. */
export function useRefreshHold(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    holds += 1;
    publish({ held: currentHold() });
    return () => {
      holds -= 1;
      publish({ held: currentHold() });
    };
  }, [active]);
}

export interface LoadOptions {
  /** false for what does not change while one looks at it (the providers' config schemas). Default true. */
  autoRefresh?: boolean;
}

/**
 * Runs `load` when `deps` change, on reload(), and on each auto-refresh round. A reload keeps showing the
 * previous data while the new answer comes (a refresh does not blank the screen); a change of `deps`
 * (another payment, other filters) does not, so old rows never pass for new ones.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  options: LoadOptions = {},
): [Loadable<T>, () => void] {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const { tick } = useRefreshState();
  const ticks = options.autoRefresh === false ? 0 : tick;
  const loaded = useRef({ generation, ticks });
  useEffect(() => {
    const controller = new AbortController();
    const isReload = loaded.current.generation !== generation || loaded.current.ticks !== ticks;
    loaded.current = { generation, ticks };
    setState((previous) => ({ status: 'loading', data: isReload ? previous.data : undefined }));
    load(controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        setState({ status: 'ready', data });
        noteUpdated();
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setState((previous) => ({ status: 'error', error, data: isReload ? previous.data : undefined }));
      },
    );
    return () => controller.abort();
  }, [...deps, generation, ticks]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [state, reload];
}
