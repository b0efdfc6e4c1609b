// The served OpenAPI document tells the truth: every status an operation can answer, the real shape of ids and
// amounts, answers without a body documented (and sent) without a content type, and 405 for a known path.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/api/errors.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { rawRequest } from '../support/http.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

interface Operation {
  parameters?: { in: string; name: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: Record<string, unknown> }> }
  >;
}
type Document = { info: { description?: string }; paths: Record<string, Record<string, Operation>> };

let service: TestService;
let sdk: SDK;
let dir: string;
let doc: Document;
let connectorID: string;

const send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  rawRequest(service.url, {
    method,
    path,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : stringifyJson(body) }),
    ...(headers ? { headers } : {}),
  });

function operations(): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, string, Operation] => [
      method.toUpperCase(),
      path,
      operation,
    ]),
  );
}

beforeAll(async () => {
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  dir = await mkdtemp(join(tmpdir(), 'pb-openapi-'));
  await writeDummyPayDirectory(dir, { accounts: 2, payments: 1 });
  doc = (await send('GET', '/openapi.json')).body as Document;
  const installed = await send('POST', '/v3/connectors/install/dummypay', {
    name: 'openapi-document',
    directory: dir,
    pollingPeriod: '1s',
  });
  connectorID = (installed.body as { data: string }).data;
  await eventually(async () => {
    const accounts = await service.paybridge.deps.db.selectFrom('accounts').select('id').execute();
    return accounts.length >= 2 ? true : undefined;
  });
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('lists 400 and 500 on every operation, and 413 and 415 on every one that reads a body', () => {
    for (const [method, path, operation] of operations()) {
      const statuses = Object.keys(operation.responses);
      expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '500']));
      const readsBody =
        method !== 'GET' || (operation.parameters ?? []).some((p) => p.in === 'query' && p.name === 'query');
      if (readsBody) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
      else expect(statuses, `${method} ${path}`).not.toContain('413');
    }
  });

  it('gives every error the envelope with the closed errorCode enum the SDK parses', () => {
    for (const [method, path, operation] of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema as {
          properties: { errorCode: { enum: string[] } };
          required: string[];
        };
        expect(schema.properties.errorCode.enum, `${method} ${path} ${status}`).toEqual([...ERROR_CODES]);
        expect(schema.required).toEqual(['errorCode', 'errorMessage']);
      }
    }
  });

  it('documents answers without a body without content, and says why', () => {
    let empty = 0;
    for (const [, , operation] of operations()) {
      for (const status of ['204', '304']) {
        const response = operation.responses[status];
        if (response === undefined) continue;
        empty++;
        expect(response.content).toBeUndefined();
      }
    }
    expect(empty).toBeGreaterThan(10);
    expect(doc.info.description).toContain('no Content-Type');
  });

  it('gives id path parameters their real pattern', () => {
    const patterns = new Map<string, Set<string>>();
    for (const [, , operation] of operations()) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path' || parameter.name === 'scheduleID' || parameter.name === 'connector')
          continue;
        const set = patterns.get(parameter.name) ?? new Set();
        set.add(String(parameter.schema.pattern));
        patterns.set(parameter.name, set);
      }
    }
    const encoded = '^[A-Za-z0-9_-]+$';
    const uuid = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
    for (const name of [
      'connectorID',
      'accountID',
      'paymentID',
      'paymentInitiationID',
      'taskID',
      'orderID',
      'conversionID',
    ]) {
      expect([...(patterns.get(name) ?? [])], name).toEqual([encoded]);
    }
    for (const name of ['poolID', 'bankAccountID', 'psuID']) {
      expect([...(patterns.get(name) ?? [])], name).toEqual([uuid]);
    }
    expect([...patterns.keys()].sort()).toEqual([
      'accountID',
      'bankAccountID',
      'connectorID',
      'conversionID',
      'orderID',
      'paymentID',
      'paymentInitiationID',
      'poolID',
      'psuID',
      'taskID',
    ]);
  });

  it('types request amounts as bounded integers and dates as date-times', () => {
    const body = doc.paths['/v3/payment-initiations']?.post?.requestBody?.content['application/json']
      ?.schema as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(body.properties.amount).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1e38,
      exclusiveMaximum: true,
    });
    expect(body.properties.scheduledAt).toMatchObject({ type: 'string', format: 'date-time' });
  });
});

describe('the answers', () => {
  it('are 405 with an Allow header, in the envelope, for a method a known path does not take', async () => {
    const put = await send('PUT', '/v3/accounts');
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.body).toEqual({
      errorCode: 'VALIDATION',
      errorMessage: expect.stringContaining('PUT') as unknown,
    });
    const post = await send('POST', `/api/payments/v3/payments/${'x'.repeat(8)}/metadata`);
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('PATCH');
    expect((await send('PUT', '/v3/nothing-here')).status).toBe(404);
  });

  it('leave webhook ingress to its own route, whatever the method', async () => {
    // The ingress answers for itself: its own 405 names the methods the connector's webhooks use.
    const res = await send('PUT', `/v3/connectors/webhooks/${connectorID}/anything`);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect((res.body as { errorMessage: string }).errorMessage).toMatch(/^webhook deliveries/);
  });

  it('carry no content type on 204 and 304, and the official SDK accepts them', async () => {
    const account = accountIdCodec.encode({
      connectorId: connectorIdCodec.decode(connectorID),
      reference: 'dummy-account-000000',
    });
    const created = await sdk.payments.v3.createPayment({
      reference: 'sdk-204',
      connectorID,
      createdAt: new Date('2024-01-01T00:00:00Z'),
      type: 'PAY-IN',
      initialAmount: 100n,
      amount: 100n,
      asset: 'EUR/2',
      scheme: 'OTHER',
      destinationAccountID: account,
      metadata: {},
      adjustments: [
        {
          reference: 'sdk-204-a',
          createdAt: new Date('2024-01-01T00:00:00Z'),
          status: 'SUCCEEDED',
          amount: 100n,
          asset: 'EUR/2',
        },
      ],
    });
    const paymentID = created.v3CreatePaymentResponse?.data.id ?? '';
    const updated = await sdk.payments.v3.updatePaymentMetadata({
      paymentID,
      v3UpdatePaymentMetadataRequest: { metadata: { k: 'v' } },
    });
    expect(updated.statusCode).toBe(204);
    expect(updated.rawResponse.headers.get('content-type')).toBeNull();

    const initiated = await sdk.payments.v3.initiatePayment({
      noValidation: false,
      v3InitiatePaymentRequest: {
        reference: 'sdk-204-pi',
        connectorID,
        type: 'TRANSFER',
        amount: 100n,
        asset: 'EUR/2',
        description: '',
        sourceAccountID: account,
        destinationAccountID: accountIdCodec.encode({
          connectorId: connectorIdCodec.decode(connectorID),
          reference: 'dummy-account-000001',
        }),
        scheduledAt: new Date('0001-01-01T00:00:00Z'),
        metadata: {},
      },
    });
    const paymentInitiationID = initiated.v3InitiatePaymentResponse?.data.paymentInitiationID ?? '';
    const rejected = await sdk.payments.v3.rejectPaymentInitiation({ paymentInitiationID });
    expect(rejected.statusCode).toBe(204);
    expect(rejected.rawResponse.headers.get('content-type')).toBeNull();

    const first = await sdk.payments.v3.listConnectorCapabilities({});
    const again = await sdk.payments.v3.listConnectorCapabilities({
      ifNoneMatch: first.rawResponse.headers.get('etag') ?? '',
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawResponse.headers.get('content-type')).toBeNull();
  });

  it('are in the envelope when the HTTP parser refuses a request', async () => {
    const res = await send('GET', `/v3/accounts/${'A'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toEqual({ errorCode: 'VALIDATION', errorMessage: expect.any(String) as unknown });
  });
});
