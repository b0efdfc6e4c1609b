// The official Formance SDK with auth on, exactly as a Formance user calls it: OAuth2 client credentials
// (`security: { clientID, clientSecret }`), the client made by `paybridge clients create --json`. The SDK
// fetches its tokens from its default token URL (/api/auth/oauth/token on the server URL) by itself.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { expectV3Error, present } from '../e2e/sdk-helpers.js';
import { createClient, type TestClient } from '../support/auth.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

let service: TestService;
let dir: string;
let writer: TestClient;
let reader: TestClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-sdk-auth-'));
  const opened = '2025-01-01T00:00:00Z';
  const write = (name: string, value: unknown) => writeFile(join(dir, name), stringifyJson(value));
  await write('accounts.json', [{ id: 'main', name: 'Main', opening_date: opened, currency: 'EUR' }]);
  await write('external_accounts.json', [
    { id: 'supplier', name: 'Supplier', created_at: opened, currency: 'EUR' },
  ]);
  await write('balances.json', [{ account_id: 'main', amount_in_minors: 1_000_000, currency: 'EUR' }]);
  await write('payments.json', []);
  service = await startTestService({
    PAYBRIDGE_AUTH_ENABLED: 'true',
    PAYBRIDGE_INITIATION_RETRY_MIN: '100ms',
    PAYBRIDGE_INITIATION_RETRY_MAX: '500ms',
  });
  [writer, reader] = await Promise.all([
    createClient(service, 'sdk-e2e'),
    createClient(service, 'read-only', 'payments:read'),
  ]);
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sdkFor = (client: TestClient) =>
  new SDK({
    serverURL: service.url,
    security: { clientID: client.clientId, clientSecret: client.clientSecret },
  });

describe('the official SDK with client credentials', () => {
  it('creates clients whose JSON carries the id, the secret and the scopes', () => {
    expect(writer.clientId).toMatch(/^pbc_[0-9a-f]{24}$/);
    expect(Buffer.from(writer.clientSecret, 'base64url')).toHaveLength(32);
    expect(writer.scopes).toEqual(['payments:read', 'payments:write']);
    expect(reader.scopes).toEqual(['payments:read']);
  });

  it('lists connectors, installs DummyPay, initiates a payout, approves it and sees it processed', async () => {
    const sdk = sdkFor(writer);
    const before = present((await sdk.payments.v3.listConnectors({})).v3ConnectorsCursorResponse, 'list');
    expect(before.cursor.data).toEqual([]);

    const connectorID = present(
      (
        await sdk.payments.v3.installConnector({
          connector: 'dummypay',
          v3ConnectorConfig: { provider: 'Dummypay', name: 'with-auth', directory: dir, pollingPeriod: '1s' },
        })
      ).v3InstallConnectorResponse,
      'install',
    ).data;
    const listed = present((await sdk.payments.v3.listConnectors({})).v3ConnectorsCursorResponse, 'list');
    expect(listed.cursor.data.map((c) => c.id)).toEqual([connectorID]);

    const account = (reference: string) =>
      accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
    await eventually(async () => {
      const page = present(
        (await sdk.payments.v3.listAccounts({ pageSize: 10 })).v3AccountsCursorResponse,
        'a',
      );
      return page.cursor.data.length === 2 ? true : undefined;
    });

    const initiated = present(
      (
        await sdk.payments.v3.initiatePayment({
          v3InitiatePaymentRequest: {
            reference: 'payout-with-auth',
            connectorID,
            type: 'PAYOUT',
            amount: 12_345n,
            asset: 'EUR/2',
            description: 'payout through the SDK with auth on',
            sourceAccountID: account('main'),
            destinationAccountID: account('supplier'),
            scheduledAt: new Date('0001-01-01T00:00:00Z'),
            metadata: {},
          },
        })
      ).v3InitiatePaymentResponse,
      'initiate',
    ).data;
    const id = present(initiated.paymentInitiationID, 'id');
    const get = async () =>
      present(
        (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
          .v3GetPaymentInitiationResponse,
        'get',
      ).data;
    expect((await get()).status).toBe('WAITING_FOR_VALIDATION');

    await sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id });
    const processed = await eventually(
      async () => {
        const pi = await get();
        return pi.status === 'PROCESSED' ? pi : undefined;
      },
      30_000,
      'the payout to be processed',
    );
    expect(processed).toMatchObject({ type: 'PAYOUT', amount: 12_345n, asset: 'EUR/2' });
  });

  it('lets a read-only client list, and answers its install with 403 naming the scope', async () => {
    const sdk = sdkFor(reader);
    const listed = present((await sdk.payments.v3.listConnectors({})).v3ConnectorsCursorResponse, 'list');
    expect(listed.cursor.data).toHaveLength(1);
    const error = await expectV3Error(
      sdk.payments.v3.installConnector({
        connector: 'dummypay',
        v3ConnectorConfig: { provider: 'Dummypay', name: 'refused', directory: dir, pollingPeriod: '1s' },
      }),
      403,
      'VALIDATION',
    );
    expect(error.errorMessage).toBe('forbidden: this operation needs payments:write');
    const after = present((await sdk.payments.v3.listConnectors({})).v3ConnectorsCursorResponse, 'list');
    expect(after.cursor.data.map((c) => c.name)).toEqual(['with-auth']);
  });

  it('answers an SDK without credentials with 401', async () => {
    const sdk = new SDK({ serverURL: service.url });
    const error = await expectV3Error(sdk.payments.v3.listConnectors({}), 401, 'VALIDATION');
    expect(error.errorMessage).toMatch(/^authentication required/);
  });

  it('refuses an SDK whose client secret is wrong, at the token endpoint', async () => {
    const sdk = sdkFor({ ...writer, clientSecret: reader.clientSecret });
    await expect(sdk.payments.v3.listConnectors({})).rejects.toThrow(/401.*invalid_client/);
  });
});
