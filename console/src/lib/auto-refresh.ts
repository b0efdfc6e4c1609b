// Reloads a screen's data on a timer while the page is visible. Meant to give way to useLoad's own
// auto-refresh option once it has one: the call sites pass the same reload and interval.
import { useEffect } from 'react';

/** Every `intervalMs` (none when undefined), `reload()` runs, unless the tab is hidden; it runs at once on return. */
export function useAutoRefresh(reload: () => void, intervalMs: number | undefined): void {
  useEffect(() => {
    if (intervalMs === undefined) return undefined;
    const tick = () => {
      if (document.visibilityState === 'visible') reload();
    };
    const timer = setInterval(tick, intervalMs);
    const onVisible = () => {
      if (document.visibilityState === 'visible') reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [reload, intervalMs]);
}
