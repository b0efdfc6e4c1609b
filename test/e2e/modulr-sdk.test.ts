// Modulr end to end: the service installs the connector through the official @formance/formance-sdk against
// a fake Modulr that checks every request's HMAC signature; accounts, balances, beneficiaries,
// transactions and payments come in through the engine and are read back through the SDK (the amount
// beyond a double through the exact JSON); a payout whose answers are lost twice is asked again by the
// engine under the same nonce and moves money once; a wrong secret fails the install with Modulr's reason.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { FakePsp } from '../../src/connectors/sdk/testing/fake-psp.js';
import { type ModulrWorld, newWorld, serveModulr } from '../../src/connectors/modulr/fake.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { accountsOnceThere, allPayments, exact, expectV3Error, present, rawPage } from './sdk-helpers.js';

let psp: FakePsp;
let world: ModulrWorld;
let proxy: Server;
let proxyUrl: string;
/** How many answers to POST /payments the network loses (the payment is made, the answer never arrives). */
let answersToLose = 0;
let service: TestService;
let sdk: SDK;
let connectorID: string;

const accountID = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });

/** Between the service and the fake Modulr: forwards everything, and can lose the answers of payments. */
async function startProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([name]) => !['host', 'connection', 'content-length'].includes(name))
          .map(([name, value]) => [name, String(value)]),
      );
      const method = req.method ?? 'GET';
      const upstream = await fetch(`${target}${req.url ?? '/'}`, {
        method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = await upstream.text();
      if (method === 'POST' && req.url === '/payments' && answersToLose > 0) {
        answersToLose -= 1;
        req.socket.destroy();
        return;
      }
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      res.end(body);
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const install = (name: string, apiSecret: string) =>
  sdk.payments.v3.installConnector({
    connector: 'modulr',
    v3ConnectorConfig: {
      provider: 'Modulr',
      name,
      apiKey: world.apiKey,
      apiSecret,
      endpoint: proxyUrl,
      // One poll at install; the payout below settles by the initiation's own polling.
      pollingPeriod: '1h',
    },
  });

beforeAll(async () => {
  psp = await FakePsp.start();
  world = newWorld();
  serveModulr(psp, world);
  proxy = await startProxy(psp.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // The operator names the (local) PSP host, so its answers reach API callers unredacted, as Modulr's would.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(proxyUrl).host,
  });
  sdk = new SDK({ serverURL: service.url });
});

afterAll(async () => {
  await service?.stop();
  proxy?.close();
  await psp?.stop();
});

describe('Modulr through the official SDK', () => {
  it('refuses an install with a wrong secret, answering 400 with Modulr’s reason and never the secret', async () => {
    const error = await expectV3Error(install('modulr-wrong', 'a-wrong-hmac-secret'), 400, 'VALIDATION');
    expect(error.errorMessage).toContain('Invalid signature');
    expect(JSON.stringify(error)).not.toContain('a-wrong-hmac-secret');
    expect(world.refused.map((r) => r.reason)).toEqual(['Invalid signature']);
  });

  it('refuses a config Modulr could not use with a 400 naming the field, before any call to Modulr', async () => {
    // The SDK's V3ModulrConfig has no hmacAlgorithm or customerId: sent as the console form sends them.
    const before = psp.requests.length;
    const response = await fetch(`${service.url}/api/payments/v3/connectors/install/modulr`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'modulr-bad-config',
        apiKey: world.apiKey,
        apiSecret: world.apiSecret,
        endpoint: proxyUrl,
        hmacAlgorithm: 'md5',
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errorCode?: string; errorMessage?: string };
    expect(body.errorCode).toBe('VALIDATION');
    expect(body.errorMessage).toContain('hmacAlgorithm');
    expect(psp.requests).toHaveLength(before);
  });

  it('installs and ingests accounts, balances, beneficiaries, transactions and payments, every request signed', async () => {
    world.refused.length = 0;
    connectorID = present(
      (await install('modulr-e2e', world.apiSecret)).v3InstallConnectorResponse,
      'install',
    ).data;

    const accounts = await accountsOnceThere(sdk, 7);
    const byRef = new Map(accounts.map((a) => [a.reference, a]));
    expect(byRef.get('A1000002')).toMatchObject({
      type: 'INTERNAL',
      defaultAsset: 'EUR/2',
      name: 'Euro wallet',
    });
    expect(byRef.get('B1000002')).toMatchObject({ type: 'EXTERNAL', name: 'Euro Supplier GmbH' });
    expect(byRef.get('B1000004')?.metadata).toMatchObject({ 'com.modulr.spec/approval_status': 'PENDING' });

    const balance = await eventually(async () => {
      const data = present(
        (await sdk.payments.v3.getAccountBalances({ accountID: accountID('A1000003') }))
          .v3BalancesCursorResponse,
        'balances',
      ).cursor.data;
      return data[0];
    });
    expect(balance).toMatchObject({ asset: 'GBP/2', balance: -1234n });

    const payments = await eventually(
      async () => {
        const rows = await allPayments(sdk);
        return rows.length === 14 ? rows : undefined;
      },
      30_000,
      'fourteen payments',
    );
    const payment = (reference: string) => payments.find((p) => p.reference === reference);
    expect(payment('P1000002')).toMatchObject({
      type: 'TRANSFER',
      status: 'SUCCEEDED',
      amount: 1000n,
      sourceAccountID: accountID('A1000001'),
      destinationAccountID: accountID('A1000003'),
    });
    expect(payment('P1000003')).toMatchObject({
      type: 'PAYOUT',
      status: 'FAILED',
      destinationAccountID: accountID('B1000003'),
    });
    expect(payment('P9000001')).toMatchObject({ type: 'PAY-IN', status: 'SUCCEEDED', amount: 50_000n });
    expect(payment('T1000007')?.type).toBe('OTHER');
    // Beyond 2^53 the SDK reads through a double; the exact JSON carries every digit.
    const exactRows = await rawPage<{ reference: string; amount: unknown }>(
      service.url,
      '/payments?pageSize=100',
    );
    const large = exactRows.data.find((r) => r.reference === 'P9000004');
    expect(exact(large?.amount)).toBe(9_007_199_254_740_993n);
    expect(world.refused).toEqual([]);
  }, 60_000);

  it('a payout whose answers are lost is asked again under the same nonce, marked as a retry, and moves money once', async () => {
    answersToLose = 2;
    const initiated = present(
      (
        await sdk.payments.v3.initiatePayment({
          noValidation: true,
          v3InitiatePaymentRequest: {
            reference: 'modulr-payout-1',
            connectorID,
            type: 'PAYOUT',
            amount: 4_200n,
            asset: 'GBP/2',
            description: 'Invoice 77',
            sourceAccountID: accountID('A1000001'),
            destinationAccountID: accountID('B1000001'),
            scheduledAt: new Date('0001-01-01T00:00:00Z'),
            metadata: {},
          },
        })
      ).v3InitiatePaymentResponse,
      'initiate',
    ).data;
    const id = present(initiated.paymentInitiationID, 'initiation id');
    await eventually(
      async () => {
        const pi = present(
          (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
            .v3GetPaymentInitiationResponse,
          'initiation',
        ).data;
        return pi.status === 'PROCESSED' ? pi : undefined;
      },
      60_000,
      'PROCESSED',
    );
    const posts = psp.requestsTo('POST', '/payments');
    // Two sends lost within the first call, then the engine's second call: one nonce throughout.
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(posts.map((r) => r.headers['x-mod-nonce'])).size).toBe(1);
    expect(posts[0]?.headers['x-mod-retry']).toBe('false');
    expect(posts.at(-1)?.headers['x-mod-retry']).toBe('true');
    expect(psp.movements).toHaveLength(1);
    expect(world.accounts.find((a) => a.id === 'A1000001')?.balance).toBe('1208.50');
  }, 90_000);
});
