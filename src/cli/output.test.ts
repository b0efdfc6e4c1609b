import { describe, expect, it } from 'vitest';
import { formatMoney, formatTime, renderDetails, renderJson, renderTable, text } from './output.js';

describe('renderTable', () => {
  const columns = [
    { header: 'id', value: (r: Record<string, unknown>) => text(r.id) },
    {
      header: 'amount',
      value: (r: Record<string, unknown>) => formatMoney(r.amount, r.asset),
      align: 'right' as const,
    },
    { header: 'status', value: (r: Record<string, unknown>) => text(r.status) },
  ];

  it('aligns columns two spaces apart under upper-case headers, amounts on their last digit', () => {
    const table = renderTable(columns, [
      { id: 'a', amount: 123456, asset: 'USD/2', status: 'SUCCEEDED' },
      { id: 'longer-id', amount: 5, asset: 'JPY/0', status: 'PENDING' },
    ]);
    expect(table).toBe(
      [
        'ID               AMOUNT  STATUS',
        'a          1,234.56 USD  SUCCEEDED',
        'longer-id         5 JPY  PENDING',
        '',
      ].join('\n'),
    );
  });

  it('shows absent values as a dash and never lets a newline break a row', () => {
    const table = renderTable(columns, [{ id: 'x', status: 'line one\nline two' }]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('x        -  line one line two');
  });

  it('prints only the header for no rows', () => {
    expect(renderTable(columns, [])).toBe('ID  AMOUNT  STATUS\n');
  });
});

describe('renderDetails', () => {
  it('pads labels to one width and indents the continuation lines of a value', () => {
    expect(
      renderDetails([
        ['ID', 'abc'],
        ['Metadata', 'a=1\nb=2'],
      ]),
    ).toBe('ID:        abc\nMetadata:  a=1\n           b=2\n');
  });
});

describe('renderJson', () => {
  it('writes integers beyond 2^53 exactly, as bare numbers', () => {
    const out = renderJson([{ amount: 18446744073709551615n, small: 12 }]);
    expect(out).toContain('"amount": 18446744073709551615');
    expect(out).toContain('"small": 12');
    expect(out.endsWith('\n')).toBe(true);
  });
});

describe('formatTime', () => {
  it('shows RFC 3339 times as UTC to the second', () => {
    expect(formatTime('2024-05-01T10:00:00.123456Z')).toBe('2024-05-01 10:00:00 UTC');
    expect(formatTime('2024-05-01T12:00:00+02:00')).toBe('2024-05-01 10:00:00 UTC');
  });

  it("shows Go's zero time (not scheduled) and absent values as a dash", () => {
    expect(formatTime('0001-01-01T00:00:00Z')).toBe('-');
    expect(formatTime(undefined)).toBe('-');
  });
});

describe('formatMoney', () => {
  it('formats minor units in major units of the asset, exactly for any size', () => {
    expect(formatMoney(18446744073709551615n, 'USD/2')).toBe('184,467,440,737,095,516.15 USD');
    expect(formatMoney(-1050, 'EUR/2')).toBe('-10.50 EUR');
  });

  it('falls back to the raw amount when the asset is missing or unreadable', () => {
    expect(formatMoney(1050, undefined)).toBe('1050');
    expect(formatMoney(undefined, 'EUR/2')).toBe('-');
  });
});
