// The payment report extensions against a real service and database: totals per asset and the CSV export
// take the list's filter (date range included) and stay exact past 2^53; the export is read in chunks and
// escapes what needs escaping; a payment's events come from the outbox, newest first, page by page.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentIdCodec } from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { buildFilter, paymentFilterSpec } from '../../src/storage/query-filter.js';
import { exportPayments, majorUnits } from '../../src/storage/payment-reports.js';
import { apiCall } from '../support/api-call.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { rawRequest } from '../support/http.js';
import { startTestService, type TestService } from '../support/service.js';

let service: TestService;
let dir: string;
let connectorID: string;

interface Fixture {
  reference: string;
  createdAt: string;
  asset: string;
  amount: bigint;
  status: 'SUCCEEDED' | 'AUTHORISATION' | 'PENDING' | 'FAILED';
  scheme: string;
}

// A run-specific prefix keeps this file's records apart from anything else in its database.
const run = `rep-${Date.now().toString(36)}`;
const HUGE = 2n ** 63n - 1n;
const fixtures: Fixture[] = [
  {
    reference: `${run}-a`,
    createdAt: '2025-03-01T10:00:00Z',
    asset: 'EUR/2',
    amount: 1250n,
    status: 'SUCCEEDED',
    scheme: 'SEPA',
  },
  {
    reference: `${run}-b`,
    createdAt: '2025-03-05T10:00:00Z',
    asset: 'EUR/2',
    amount: 99n,
    status: 'PENDING',
    scheme: 'SEPA_CREDIT',
  },
  {
    reference: `${run}-c,"quoted"\nline`,
    createdAt: '2025-03-10T10:00:00Z',
    asset: 'EUR/2',
    amount: 5n,
    status: 'FAILED',
    scheme: 'CARD_VISA',
  },
  {
    reference: `${run}-d`,
    createdAt: '2025-03-12T10:00:00Z',
    asset: 'JPY/0',
    amount: HUGE,
    status: 'SUCCEEDED',
    scheme: 'OTHER',
  },
  {
    reference: `${run}-e`,
    createdAt: '2025-03-15T10:00:00Z',
    asset: 'JPY/0',
    amount: HUGE,
    status: 'SUCCEEDED',
    scheme: 'OTHER',
  },
  {
    reference: `${run}-f`,
    createdAt: '2025-03-20T10:00:00Z',
    asset: 'USD/2',
    amount: 4200n,
    status: 'AUTHORISATION',
    scheme: 'CARD_MASTERCARD',
  },
  {
    reference: `=cmd|${run}-g`,
    createdAt: '2025-04-02T10:00:00Z',
    asset: 'USD/2',
    amount: 1n,
    status: 'SUCCEEDED',
    scheme: 'ACH',
  },
];

const ours = { $match: { connector_id: '' } };

beforeAll(async () => {
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'pb-reports-'));
  await writeDummyPayDirectory(dir, { accounts: 0, payments: 0, externalAccounts: 0 });
  const installed = await apiCall(service.url, 'POST', '/v3/connectors/install/dummypay', {
    name: `reports-${run}`,
    directory: dir,
    pollingPeriod: '1h',
  });
  connectorID = String(installed.body?.data);
  ours.$match.connector_id = connectorID;
  for (const f of fixtures) {
    const created = await apiCall(service.url, 'POST', '/v3/payments', {
      reference: f.reference,
      connectorID,
      createdAt: f.createdAt,
      type: 'PAY-IN',
      amount: f.amount,
      asset: f.asset,
      scheme: f.scheme,
      metadata: {},
      adjustments: [
        {
          reference: f.reference,
          createdAt: f.createdAt,
          status: f.status,
          amount: f.amount,
          asset: f.asset,
        },
      ],
    });
    expect(created.status, stringifyJson(created.body)).toBe(201);
  }
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const q = (filter: unknown) => encodeURIComponent(stringifyJson(filter));

type Total = { asset: string; count: bigint; amount: bigint; initialAmount: bigint; amountDecimal: string };

async function totals(filter: unknown): Promise<Total[]> {
  const answer = await apiCall(service.url, 'GET', `/v3/payments/totals?query=${q(filter)}`);
  expect(answer.status, stringifyJson(answer.body)).toBe(200);
  return (answer.body as { data: Total[] }).data.map((t) => ({
    ...t,
    count: BigInt(t.count),
    amount: BigInt(t.amount),
    initialAmount: BigInt(t.initialAmount),
  }));
}

/** What the totals should be, computed from the fixtures the filter keeps. */
function expected(keep: (f: Fixture) => boolean) {
  const byAsset = new Map<string, { count: bigint; initialAmount: bigint }>();
  for (const f of fixtures.filter(keep)) {
    const t = byAsset.get(f.asset) ?? { count: 0n, initialAmount: 0n };
    byAsset.set(f.asset, { count: t.count + 1n, initialAmount: t.initialAmount + f.amount });
  }
  return [...byAsset.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** A strict RFC 4180 reader, so the test checks the quoting rather than trusting a split on commas. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('payment totals', () => {
  it('sums per asset exactly, past 2^53, for the filter', async () => {
    const all = await totals(ours);
    const want = expected(() => true);
    expect(all.map((t) => [t.asset, { count: t.count, initialAmount: t.initialAmount }])).toEqual(want);
    const jpy = all.find((t) => t.asset === 'JPY/0');
    expect(jpy?.amount).toBe(HUGE * 2n);
    expect(jpy?.amountDecimal).toBe((HUGE * 2n).toString());
    // An authorisation has captured nothing yet: its amount is 0, its initial amount what it concerns.
    const usd = all.find((t) => t.asset === 'USD/2');
    expect(usd?.initialAmount).toBe(4201n);
    expect(usd?.amount).toBe(1n);
    expect(usd?.amountDecimal).toBe('0.01');
  });

  it('takes a date range on created_at, and the other keys of the list filter', async () => {
    const range = {
      $and: [ours, { $gte: { created_at: '2025-03-05' } }, { $lt: { created_at: '2025-03-15T10:00:00Z' } }],
    };
    const inRange = (f: Fixture) => f.createdAt >= '2025-03-05' && f.createdAt < '2025-03-15T10:00:00Z';
    expect(
      (await totals(range)).map((t) => [t.asset, { count: t.count, initialAmount: t.initialAmount }]),
    ).toEqual(expected(inRange));
    const succeeded = { $and: [ours, { $match: { status: 'SUCCEEDED' } }] };
    expect(
      (await totals(succeeded)).map((t) => [t.asset, { count: t.count, initialAmount: t.initialAmount }]),
    ).toEqual(expected((f) => f.status === 'SUCCEEDED'));
    // The list itself takes the same range.
    const listed = await apiCall(service.url, 'GET', `/v3/payments?pageSize=100&query=${q(range)}`);
    const references = (listed.body as { cursor: { data: { reference: string }[] } }).cursor.data
      .map((p) => p.reference)
      .sort();
    expect(references).toEqual(
      fixtures
        .filter(inRange)
        .map((f) => f.reference)
        .sort(),
    );
  });

  it('answers a bad filter or time with a 400 envelope, and is not read as a payment id', async () => {
    for (const filter of [
      { $match: { nope: 'x' } },
      { $gte: { created_at: 'yesterday' } },
      { $gte: { created_at: '0000-01-01' } },
      { $gte: { created_at: 5 } },
    ]) {
      const answer = await apiCall(service.url, 'GET', `/v3/payments/totals?query=${q(filter)}`);
      expect(answer.status, stringifyJson(filter)).toBe(400);
      expect(answer.body?.errorCode).toBe('VALIDATION');
    }
    const plain = await apiCall(service.url, 'GET', '/v3/payments/totals');
    expect(plain.status).toBe(200);
  });

  it('are in the OpenAPI document as extensions', async () => {
    const doc = (await apiCall(service.url, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    for (const path of [
      '/v3/payments/totals',
      '/v3/payments/export.csv',
      '/v3/payments/{paymentID}/events',
    ]) {
      expect(doc.paths[path]?.get?.description, path).toContain('Paybridge extension');
    }
  });
});

describe('payments export', () => {
  it('streams every payment of the filter as escaped CSV with exact minor and major amounts', async () => {
    const response = await fetch(`${service.url}/v3/payments/export.csv?query=${q(ours)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="payments-.*\.csv"$/);
    const rows = parseCsv(await response.text());
    const [header, ...data] = rows;
    expect(header?.slice(0, 3)).toEqual(['id', 'reference', 'connectorID']);
    const col = (name: string) => header?.indexOf(name) ?? -1;
    expect(data).toHaveLength(fixtures.length);
    // Newest first, as the list.
    const newestFirst = [...fixtures].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    expect(data.map((r) => r[col('createdAt')])).toEqual(newestFirst.map((f) => f.createdAt));
    for (const f of fixtures) {
      const shown = f.reference.startsWith('=') ? `'${f.reference}` : f.reference;
      const row = data.find((r) => r[col('reference')] === shown);
      expect(row, f.reference).toBeDefined();
      expect(row?.[col('asset')]).toBe(f.asset);
      expect(row?.[col('initialAmountMinor')]).toBe(f.amount.toString());
      expect(row?.[col('initialAmount')]).toBe(majorUnits(f.amount, f.asset));
      expect(row?.[col('amountMinor')]).toBe(f.status === 'AUTHORISATION' ? '0' : f.amount.toString());
    }
    expect(
      data.find((r) => r[col('asset')] === 'EUR/2' && r[col('initialAmountMinor')] === '5')?.[
        col('initialAmount')
      ],
    ).toBe('0.05');
  });

  it('exports only the range asked for, and refuses a bad filter before the first byte', async () => {
    const range = { $and: [ours, { $gte: { created_at: '2025-04-01T00:00:00Z' } }] };
    const rows = parseCsv(
      await (await fetch(`${service.url}/v3/payments/export.csv?query=${q(range)}`)).text(),
    );
    expect(rows).toHaveLength(2);
    const bad = await rawRequest(service.url, {
      method: 'GET',
      path: `/v3/payments/export.csv?query=${q({ $lt: { status: 'x' } })}`,
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { errorCode: string }).errorCode).toBe('VALIDATION');
  });

  it('reads the set in chunks without repeating or skipping a row', async () => {
    const filter = buildFilter(ours, paymentFilterSpec);
    const chunks: string[][] = [];
    for await (const chunk of exportPayments(service.paybridge.deps.db, filter, 2)) {
      expect(chunk.length).toBeLessThanOrEqual(2);
      chunks.push(chunk.map((r) => r.reference));
    }
    expect(chunks.length).toBe(Math.ceil(fixtures.length / 2));
    const seen = chunks.flat();
    expect(new Set(seen).size).toBe(fixtures.length);
    expect(seen.sort()).toEqual(fixtures.map((f) => f.reference).sort());
  });
});

describe('payment events', () => {
  const paymentOf = async (reference: string) => {
    const listed = await apiCall(
      service.url,
      'GET',
      `/v3/payments?query=${q({ $and: [ours, { $match: { reference } }] })}`,
    );
    return (listed.body as { cursor: { data: { id: string }[] } }).cursor.data[0]?.id ?? '';
  };

  it('lists the outbox events of one payment, newest first, page by page', async () => {
    const reference = `${run}-f`;
    const id = await paymentOf(reference);
    // A second change makes a second event.
    const patched = await apiCall(service.url, 'PATCH', `/v3/payments/${id}/metadata`, {
      metadata: { seen: 'yes' },
    });
    expect(patched.status).toBe(204);
    const first = await apiCall(service.url, 'GET', `/v3/payments/${id}/events?pageSize=1`);
    expect(first.status, stringifyJson(first.body)).toBe(200);
    type Page = {
      cursor: {
        hasMore: boolean;
        next?: string;
        data: {
          id: string;
          type: string;
          createdAt: string;
          delivery: { status: string };
          summary: Record<string, unknown>;
        }[];
      };
    };
    const page1 = (first.body as Page).cursor;
    expect(page1.data).toHaveLength(1);
    expect(page1.hasMore).toBe(true);
    const second = await apiCall(
      service.url,
      'GET',
      `/v3/payments/${id}/events?pageSize=1&cursor=${page1.next}`,
    );
    const page2 = (second.body as Page).cursor;
    expect(page2.data).toHaveLength(1);
    expect(page2.data[0]?.id).not.toBe(page1.data[0]?.id);
    const all = [...page1.data, ...page2.data];
    expect(all.map((e) => e.type)).toEqual(['SAVED_PAYMENT', 'SAVED_PAYMENT']);
    expect(all[0]!.createdAt >= all[1]!.createdAt).toBe(true);
    expect(all[1]?.summary).toMatchObject({ status: 'AUTHORISATION', asset: 'USD/2' });
    expect(BigInt(all[1]?.summary.initialAmount as number)).toBe(4200n);
    expect(['PENDING', 'SENT', 'DEAD']).toContain(all[1]?.delivery.status);
  });

  it('answers 404 for a payment it never saw and 400 for an id or page it cannot read', async () => {
    const other = await paymentOf(`${run}-a`);
    const unknown = paymentIdCodec.encode({ ...paymentIdCodec.decode(other), reference: `${run}-none` });
    const missing = await apiCall(service.url, 'GET', `/v3/payments/${unknown}/events`);
    expect(missing.status, stringifyJson(missing.body)).toBe(404);
    expect((await apiCall(service.url, 'GET', '/v3/payments/not-an-id/events')).status).toBe(400);
    expect((await apiCall(service.url, 'GET', `/v3/payments/${other}/events?pageSize=abc`)).status).toBe(400);
    expect((await apiCall(service.url, 'GET', `/v3/payments/${other}/events?cursor=x`)).status).toBe(400);
  });
});
