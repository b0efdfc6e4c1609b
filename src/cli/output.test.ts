import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  formatMoney,
  hasShortId,
  formatTime,
  renderDetails,
  renderJson,
  renderTable,
  shortId,
  shortIds,
  text,
  timeColumn,
} from './output.js';

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

describe('short ids', () => {
  const sha = (id: string) => createHash('sha256').update(id).digest('hex');

  it("are the first 8 hex digits of an encoded id's SHA-256, and a UUID's own first 8 digits", () => {
    const encoded = 'eyJQcm92aWRlciI6ImR1bW15cGF5IiwiUmVmZXJlbmNlIjoiYWNjMSJ9';
    expect(shortId(encoded)).toBe(sha(encoded).slice(0, 8));
    expect(shortId('4E50C3A9-00c5-4918-a817-e99a3c050f7d')).toBe('4e50c3a9');
  });

  it('are lengthened, for every row alike, until no two ids of the list share one', () => {
    // Two ids whose digests share their first 8 digits (a birthday search: about 10^5 hashes).
    const byPrefix = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const id = `id-${i}`;
      const seen = byPrefix.get(sha(id).slice(0, 8));
      if (seen !== undefined) pair = [seen, id];
      else byPrefix.set(sha(id).slice(0, 8), id);
    }
    const [a, b] = pair;
    const common = [...sha(a)].findIndex((digit, i) => digit !== sha(b)[i]);
    const ids = [a, b, 'other'];
    const short = shortIds(ids);
    for (const id of ids) expect(short.get(id)).toBe(sha(id).slice(0, common + 1));
    expect(new Set(short.values()).size).toBe(3);
  });

  it('are recognised from 8 digits on, never from fewer', () => {
    const id = 'eyJQcm92aWRlciI6ImR1bW15cGF5In0';
    expect(hasShortId(id, sha(id).slice(0, 8))).toBe(true);
    expect(hasShortId(id, sha(id).slice(0, 12))).toBe(true);
    expect(hasShortId(id, sha(id).slice(0, 7))).toBe(false);
    expect(hasShortId(id, '00000000')).toBe(sha(id).startsWith('00000000'));
  });

  it('are the same for a repeated id, and leave absent values alone', () => {
    const short = shortIds(['x', 'x', '-', '']);
    expect([...short.keys()]).toEqual(['x']);
    expect(short.get('x')).toBe(sha('x').slice(0, 8));
  });

  it('replace full ids in id columns, unless the table is wide', () => {
    const columns = [
      { header: 'reference', value: (r: Record<string, unknown>) => text(r.reference) },
      { header: 'id', value: (r: Record<string, unknown>) => text(r.id), id: true as const },
    ];
    const rows = [
      { reference: 'a', id: 'first-long-id' },
      { reference: 'b', id: 'second-long-id' },
    ];
    expect(renderTable(columns, rows)).toBe(
      `REFERENCE  ID\na          ${sha('first-long-id').slice(0, 8)}\nb          ${sha('second-long-id').slice(0, 8)}\n`,
    );
    expect(renderTable(columns, rows, { wide: true })).toBe(
      'REFERENCE  ID\na          first-long-id\nb          second-long-id\n',
    );
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

  it('says UTC once in the header of a time column, not in every cell', () => {
    const column = timeColumn('created', (r) => r.createdAt);
    expect(column.header).toBe('created (UTC)');
    expect(column.value({ createdAt: '2024-05-01T10:00:00.5Z' })).toBe('2024-05-01 10:00:00');
    expect(column.value({})).toBe('-');
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
