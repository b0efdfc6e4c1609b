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

// RFC 3339 (section 5.6): full date, "T", full time with seconds, an optional fraction, "Z" or a numeric offset.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 timestamp strictly: an impossible date (`2024-02-30`, `2023-02-29`), hour or offset is
 * refused instead of rolling over as `new Date()` would, and so is anything that is not RFC 3339 (`2024`,
 * `March 7`). Leap seconds (`:60`) are refused, as Go's parser does, and so is the year 0, which PostgreSQL does
 * not take. Precision below the millisecond is dropped.
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const field = (index: number) => Number(match[index] ?? '0');
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map(field) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [offsetHours, offsetMinutes] = [field(9), field(10)];
  // Year 0 is valid RFC 3339 but not a year PostgreSQL takes in ISO input (it counts 1 BC instead).
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map the years 0 to 99 to 1900 to 1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const offset = (offsetHours * 60 + offsetMinutes) * (match[8] === '-' ? -1 : 1);
  return new Date(date.getTime() - offset * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
