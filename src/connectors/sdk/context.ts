// What the engine hands a connector when it builds one: its HTTP fetch, a clock and a logger.
import type { Logger } from 'pino';

/**
 * The only way a connector reaches its PSP. The engine's fetch applies the outbound policy, the
 * per-connector call budget, metrics and redacted logging; the single-connector runner's fetch records
 * or replays exchanges; a test's fetch may be the global one. Connectors (and the official PSP SDKs
 * they wrap) must use it instead of the global `fetch`, so that every PSP call is seen.
 */
export type PspFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Time as the connector sees it: tests and the runner may pin it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ConnectorContext {
  connectorId: string;
  logger: Logger;
  fetch: PspFetch;
  clock: Clock;
  /**
   * The only directory tree a connector that works on local files (DummyPay) may touch, from
   * PAYBRIDGE_DUMMYPAY_ROOT. The engine always sets it; unset (a connector's own unit tests) means no
   * confinement.
   */
  fileRoot?: string;
}

/**
 * A context outside the engine (a connector's own unit tests, a script): the global fetch with no
 * policy, budget or capture, and the system clock, unless given.
 */
export function standaloneContext(
  fields: Pick<ConnectorContext, 'connectorId' | 'logger'> & Partial<ConnectorContext>,
): ConnectorContext {
  return { fetch: (input, init) => fetch(input, init), clock: systemClock, ...fields };
}
