// Successful PSP calls by method (FETCH_BALANCES, …), read from this process's own metrics registry.
import { pspCalls } from '../../src/observability/metrics.js';

export async function pspCallsByMethod(): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const { labels, value } of (await pspCalls.get()).values) {
    if (labels.outcome !== 'ok') continue;
    const method = String(labels.method);
    calls[method] = (calls[method] ?? 0) + value;
  }
  return calls;
}

/** Starts counting from zero (between measurements). */
export function resetPspCalls(): void {
  pspCalls.reset();
}
