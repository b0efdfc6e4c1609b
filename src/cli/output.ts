// How the CLI prints: aligned tables and key/value blocks for people, exact JSON for scripts.
import { createHash } from 'node:crypto';
import { stringify } from 'lossless-json';
import { formatAmount } from '../domain/amount-format.js';

export type Row = Record<string, unknown>;

export interface Column {
  header: string;
  value: (row: Row) => string;
  /** Amounts and counts line up on their last digit. */
  align?: 'right';
  /**
   * The cell holds a full id, shown in its short form (see `shortIds`) unless the table is wide. The short
   * forms are computed over the rows of one table, so they are distinct between its rows.
   */
  id?: true;
}

export interface TableOptions {
  /** Full ids instead of their short forms (`--wide`). */
  wide?: boolean;
}

/** Shortest length of a short id: 8 hex digits tell about 4 billion ids apart. */
export const SHORT_ID_LENGTH = 8;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What an id's short forms are cut from: a UUID's own hex digits (random already, and what a person sees
 * elsewhere), or the hex SHA-256 of any other id. Encoded ids are base64 of JSON that begins with the
 * connector's id, so their own first characters are the same for every object of a connector.
 */
function idDigits(id: string): string {
  if (UUID.test(id)) return id.replaceAll('-', '').toLowerCase();
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * Short forms of ids, git-like: the first 8 hex digits (see `idDigits`), lengthened (for every id of the
 * list alike) until no two different ids share one. The same id always starts with the same digits, so a
 * short id can be found again in another listing, or next to the full id with `--wide`.
 */
export function shortIds(ids: readonly string[]): Map<string, string> {
  const distinct = [...new Set(ids.filter((id) => id !== '' && id !== '-'))];
  const digits = distinct.map(idDigits);
  const longest = Math.max(SHORT_ID_LENGTH, ...digits.map((d) => d.length));
  let length = SHORT_ID_LENGTH;
  while (length < longest && new Set(digits.map((d) => d.slice(0, length))).size < distinct.length)
    length += 1;
  return new Map(distinct.map((id, i) => [id, (digits[i] ?? '').slice(0, length)]));
}

/** Whether `short` (lower-case hex digits) is a short form of `id`. */
export function hasShortId(id: string, short: string): boolean {
  return short.length >= SHORT_ID_LENGTH && idDigits(id).startsWith(short);
}

/** One id's short form, alone (no other rows to tell it apart from). */
export function shortId(id: string): string {
  return idDigits(id).slice(0, SHORT_ID_LENGTH);
}

/** Control characters (an error message's newlines) would break the columns: they become spaces. */
function cell(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this pattern is for
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** A kubectl-like table: an upper-case header line, columns two spaces apart, the last one unpadded. */
export function renderTable(columns: Column[], rows: Row[], options: TableOptions = {}): string {
  const short = columns.map((column) =>
    column.id && !options.wide ? shortIds(rows.map((row) => column.value(row))) : undefined,
  );
  const cells = rows.map((row) =>
    columns.map((column, i) => {
      const value = column.value(row);
      return cell(short[i]?.get(value) ?? value);
    }),
  );
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const format = (line: string[]) =>
    line
      .map((text, i) => {
        const width = widths[i] ?? 0;
        if (columns[i]?.align === 'right') return text.padStart(width);
        return i === line.length - 1 ? text : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [format(columns.map((c) => c.header.toUpperCase())), ...cells.map(format)].join('\n') + '\n';
}

/** A `Label:  value` block, labels padded to one width; a multi-line value is indented under its label. */
export function renderDetails(pairs: [string, string][]): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length + 1));
  return (
    pairs
      .map(([label, value]) => {
        const lines = value.split('\n');
        const head = `${`${label}:`.padEnd(width)}  ${lines[0] ?? ''}`.trimEnd();
        return [head, ...lines.slice(1).map((line) => `${' '.repeat(width + 2)}${line}`)].join('\n');
      })
      .join('\n') + '\n'
  );
}

/** Pretty JSON with integers beyond 2^53 written exactly (the same library as domain/json's stringifyJson). */
export function renderJson(value: unknown): string {
  return `${stringify(value, undefined, 2) ?? 'null'}\n`;
}

/** Anything shown in a cell: absent values are `-`, objects are compact JSON. */
export function text(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return stringify(value) ?? '-';
}

/** A long text (an error) cut for a table cell; the full text is in the detail view and the JSON. */
export function clip(value: string, max = 60): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** `2024-05-01T10:00:00.123456Z` → `2024-05-01 10:00:00 UTC`; Go's zero time (not scheduled) → `-`. */
export function formatTime(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '-';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  if (date.getUTCFullYear() <= 1) return '-';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A time column: the header says UTC once (`CREATED (UTC)`), so each cell is `2024-05-01 10:00:00`, four
 * characters fewer per row, which is what lets the usual tables fit a 100-column terminal.
 */
export function timeColumn(header: string, pick: (row: Row) => unknown): Column {
  return { header: `${header} (UTC)`, value: (row) => formatTime(pick(row)).replace(/ UTC$/, '') };
}

/** An amount in minor units shown in major units of its asset (`USD/2` 123456 → `1,234.56 USD`), exactly. */
export function formatMoney(amount: unknown, asset: unknown): string {
  if (typeof amount !== 'bigint' && typeof amount !== 'number' && typeof amount !== 'string') return '-';
  if (typeof asset !== 'string' || asset === '') return text(amount);
  try {
    return formatAmount(amount, asset);
  } catch {
    return text(amount);
  }
}
