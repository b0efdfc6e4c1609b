import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminAccount,
  type ContractAccount,
  type ErrorBody,
  pspClient,
} from '../../test/support/mock-psp-harness.js';
import { type MockPsp, startMockPsp } from './server.js';

let psp: MockPsp;
beforeAll(async () => {
  psp = await startMockPsp();
});
afterAll(async () => {
  await psp.stop();
});

const newTenant = () => pspClient(psp.url, `server-${randomUUID()}`);

describe('startMockPsp', () => {
  it('listens on a random port and answers the health check without a key', async () => {
    expect(psp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(psp.url).port).not.toBe('0');
    const response = await fetch(`${psp.url}/_healthcheck`);
    expect(response.status).toBe(200);
  });

  it('stops listening on stop', async () => {
    const other = await startMockPsp();
    await other.stop();
    await expect(fetch(`${other.url}/_healthcheck`)).rejects.toThrow();
  });
});

describe('authentication', () => {
  const paths: Array<[string, string]> = [
    ['GET', '/accounts'],
    ['GET', '/transactions'],
    ['POST', '/payouts'],
    ['GET', '/admin/accounts'],
    ['PUT', '/admin/faults'],
    ['DELETE', '/admin/data'],
  ];

  it('answers 401 with the error body when the key is missing, empty or not a bearer token', async () => {
    for (const authorization of [undefined, '', 'Bearer ', 'Bearer    ', 'Basic dXNlcjpwYXNz', 'secret']) {
      for (const [method, path] of paths) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        const response = await fetch(`${psp.url}${path}`, { method, headers });
        expect(response.status, `${method} ${path} with ${authorization}`).toBe(401);
        const body = (await response.json()) as ErrorBody;
        expect(body.Title).toBe('UNAUTHORIZED');
        expect(body.Detail).toContain('Bearer');
      }
    }
  });

  it('gives each key its own isolated data set', async () => {
    const alice = newTenant();
    const bob = newTenant();
    const account = await alice.post<AdminAccount>('/admin/accounts', { accountName: 'A', currency: 'EUR' });
    await alice.post('/admin/transactions/generate', { count: 5 });

    expect((await alice.get<ContractAccount[]>('/accounts')).body.length).toBeGreaterThan(0);
    expect((await bob.get('/accounts')).body).toEqual([]);
    expect((await bob.get('/transactions')).body).toEqual([]);
    expect((await bob.get('/beneficiaries')).body).toEqual([]);
    expect((await bob.get('/admin/accounts')).body).toEqual([]);
    expect((await bob.get(`/accounts/${account.body.id}/balances`)).status).toBe(404);
    const step = await bob.post<ErrorBody>('/admin/transactions/txn_whatever00/succeed');
    expect(step.status).toBe(404);
  });
});

describe('errors', () => {
  it('answers unknown routes with a 404 error body', async () => {
    const response = await newTenant().get<ErrorBody>('/no/such/route');
    expect(response.status).toBe(404);
    expect(response.body.Title).toBe('NOT_FOUND');
  });

  it('answers malformed JSON, wrong content types and bad URLs with 4xx error bodies, never a 500', async () => {
    const headers = { authorization: 'Bearer errors', 'content-type': 'application/json' };
    const malformed = await fetch(`${psp.url}/admin/accounts`, {
      method: 'POST',
      headers,
      body: '{"accountName":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).Title).toBe('VALIDATION');

    const text = await fetch(`${psp.url}/payouts`, {
      method: 'POST',
      headers: { authorization: 'Bearer errors', 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    expect(((await text.json()) as ErrorBody).Title).toBe('UNSUPPORTED_MEDIA_TYPE');

    const badUrl = await fetch(`${psp.url}/accounts/%E0%A4%A/balances`, { headers });
    expect(badUrl.status).toBe(400);
    expect(((await badUrl.json()) as ErrorBody).Detail).toEqual(expect.any(String));

    const tooBig = await fetch(`${psp.url}/admin/accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ accountName: 'x'.repeat(2 * 1024 * 1024), currency: 'EUR' }),
    });
    expect(tooBig.status).toBe(413);
  });
});

describe('panel files', () => {
  const panelDir = fileURLToPath(new URL('./panel/', import.meta.url));

  it('serves the panel at / and its files under /panel/ with their content types, without a key', async () => {
    const index = await fetch(`${psp.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toBe(await readFile(`${panelDir}index.html`, 'utf8'));

    const types: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.css': 'text/css',
    };
    for (const name of await readdir(panelDir)) {
      const type = types[extname(name)];
      if (type === undefined) continue;
      const file = await fetch(`${psp.url}/panel/${name}`);
      expect(file.status, name).toBe(200);
      expect(file.headers.get('content-type'), name).toContain(type);
      expect(Buffer.from(await file.arrayBuffer()).equals(await readFile(join(panelDir, name))), name).toBe(
        true,
      );
    }
  });

  it('answers 404 for missing files and refuses every path that leaves the panel folder', async () => {
    const attempts = [
      '/panel/missing.js',
      '/panel/..%2Fserver.ts',
      '/panel/..%2F..%2F..%2Fpackage.json',
      '/panel/%2E%2E%2Fstore.ts',
      '/panel/%2Fetc%2Fpasswd',
      '/panel/..%5Cserver.ts',
      '/panel/sub%2Findex.html',
    ];
    for (const path of attempts) {
      const response = await fetch(`${psp.url}${path}`);
      expect(response.status, path).toBe(404);
      const body = (await response.json()) as ErrorBody;
      expect(body.Title, path).toBe('NOT_FOUND');
    }
  });
});
