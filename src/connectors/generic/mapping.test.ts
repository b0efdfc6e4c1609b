// How the Generic connector reads what a real service sends: unknown values, unknown fields, broken records.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericConnector } from './connector.js';
import { genericConfig } from './config.js';

let server: Server;
let endpoint: string;
const requests: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  const fixture = await readFile(new URL('./fixtures/transactions-tolerance.json', import.meta.url), 'utf8');
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://fixture');
    res.setHeader('content-type', 'application/json');
    // The whole fixture is page 1; every later page is empty.
    res.end(url.pathname === '/v1/transactions' && url.searchParams.get('page') === '1' ? fixture : '[]');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => {
  server?.close();
});

describe('reading transactions', () => {
  it('maps unknown types, statuses and schemes to OTHER, ignores unknown fields, and skips broken records', async () => {
    const connector = new GenericConnector({ apiKey: 'secret-key', endpoint }, { fetch });
    const page = await connector.fetchNextPayments({
      state: undefined,
      pageSize: 100,
      name: 'fetch_payments',
    });

    expect(requests[0]).toEqual({
      url: '/v1/transactions?page=1&pageSize=100&sort=updatedAt%3Aasc',
      authorization: 'Bearer secret-key',
    });
    const byReference = new Map(page.items.map((p) => [p.reference, p]));
    expect([...byReference.keys()]).toEqual(['txn-known', 'txn-new-enums', 'txn-processing', 'txn-refund']);
    expect(byReference.get('txn-known')).toMatchObject({
      type: 'PAY-IN',
      status: 'SUCCEEDED',
      scheme: 'SEPA',
      amount: 1050n,
      asset: 'EUR/2',
      destinationAccountReference: 'acc-1',
      metadata: { order: 'ord-1' },
    });
    expect(byReference.get('txn-new-enums')).toMatchObject({
      type: 'OTHER',
      status: 'OTHER',
      scheme: 'OTHER',
      asset: 'USD/2',
      metadata: { attempt: '2', flagged: 'true' },
    });
    expect(byReference.get('txn-processing')).toMatchObject({
      type: 'PAYOUT',
      status: 'PENDING',
      amount: 18446744073709551615n,
      asset: 'JPY/0',
      metadata: {},
    });
    expect(byReference.get('txn-refund')).toMatchObject({ parentReference: 'txn-known', status: 'REFUNDED' });
    expect(page.skipped).toEqual([
      { reference: 'transactions page 1 item 6', reason: 'missing id' },
      { reference: 'txn-no-amount', reason: expect.stringContaining('amount') },
      { reference: 'txn-decimal-amount', reason: expect.stringContaining('integer number of minor units') },
    ]);
    expect(page.hasMore).toBe(true);
  });
});

describe('config', () => {
  it('names the field when the key is missing or the endpoint is not an http(s) URL', () => {
    const problems = (input: unknown) =>
      genericConfig.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems({ endpoint: 'https://psp.example' })).toEqual(['apiKey: apiKey is required']);
    expect(problems({ apiKey: '', endpoint: 'https://psp.example' })).toEqual(['apiKey: apiKey is required']);
    expect(problems({ apiKey: 'k', endpoint: 'ftp://psp.example' })).toEqual([
      'endpoint: endpoint must be an http:// or https:// URL',
    ]);
    expect(problems({ apiKey: 'k', endpoint: 'not a url' })).toEqual([
      'endpoint: endpoint must be an http:// or https:// URL',
    ]);
    expect(problems({ apiKey: 'k', endpoint: 'http://localhost:8090/api/' })).toBeUndefined();
  });
});
