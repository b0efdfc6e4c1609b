// Go-style durations ("30m", "1h30m", "500ms"), the format Formance's API uses for polling periods.

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/** The longest duration Go can hold (int64 nanoseconds, about 292 years), in milliseconds. */
export const MAX_DURATION_MS = 9_223_372_036_854;

/**
 * Parses a Go duration string into milliseconds; returns undefined when the text is not one, or when it is longer
 * than Go's time.Duration can be (Formance refuses those as well).
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * (UNITS[match[2] as string] as number);
  }
  return total <= MAX_DURATION_MS + 1 ? Math.min(total, MAX_DURATION_MS) : undefined;
}

/** Formats milliseconds the way Go's time.Duration.String() does ("30m0s", "2s", "1h0m0s", "500ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}
