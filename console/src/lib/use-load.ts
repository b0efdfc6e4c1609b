// Loads data for a screen: loading, error and ready states, a reload, and no stale answer after a change.
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export type Loadable<T> =
  | { status: 'loading'; data?: T }
  | { status: 'error'; error: unknown; data?: T }
  | { status: 'ready'; data: T };

/**
 * Runs `load` when `deps` change or on reload(). A reload keeps showing the previous data while the new
 * answer comes (a refresh after an action does not blank the screen); a change of `deps` (another
 * payment, other filters) does not, so old rows never pass for new ones.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
): [Loadable<T>, () => void] {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadedGeneration = useRef(generation);
  useEffect(() => {
    const controller = new AbortController();
    const isReload = loadedGeneration.current !== generation;
    loadedGeneration.current = generation;
    setState((previous) => ({ status: 'loading', data: isReload ? previous.data : undefined }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: 'ready', data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setState((previous) => ({ status: 'error', error, data: isReload ? previous.data : undefined }));
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [state, reload];
}
