// Timestamps on the wire: RFC 3339 in UTC with trailing zeros of the fraction trimmed, as Go prints them.

/** Formats a Date (millisecond precision) the way Go's RFC3339Nano does. */
export function formatTime(date: Date): string {
  return trimFraction(date.toISOString());
}

/**
 * Formats a PostgreSQL timestamptz text value ("2024-05-01 10:00:00.123456+00") with microseconds kept.
 * The session time zone is UTC, so the offset is always +00.
 */
export function formatDbTime(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(?:\+00(?::?00)?|Z)$/.exec(text);
  if (!match) return formatTime(new Date(text));
  return trimFraction(`${match[1]}T${match[2]}${match[3] ?? ''}Z`);
}

function trimFraction(iso: string): string {
  return iso.replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}
