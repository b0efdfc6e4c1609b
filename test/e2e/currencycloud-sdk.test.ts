// Currencycloud end to end: the service installs the connector through the official @formance/formance-sdk
// against a fake Currencycloud (a wrong key is refused with CC's reason), ingests accounts, balances,
// beneficiaries and transactions through the engine, and moves money: a transfer between accounts and a
// payout to a beneficiary, each sent once with the engine's key as unique_request_id, the payout settled
// by polling; a bank account forwarded becomes a beneficiary. CC has no webhook API and no reversal of a completed transfer: neither is exercised.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { FakePsp } from '../../src/connectors/sdk/testing/fake-psp.js';
import {
  configFor,
  type CurrencycloudWorld,
  HOUSE_ACCOUNT,
  newWorld,
  serveCurrencycloud,
} from '../../src/connectors/currencycloud/fake.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { accountsOnceThere, allPayments, balancesOnceThere, expectV3Error, present } from './sdk-helpers.js';

let psp: FakePsp;
let world: CurrencycloudWorld;
let service: TestService;
let sdk: SDK;
let connectorID: string;

const SUB_ACCOUNT = 'a0c1e2d3-0000-4000-8000-000000000002';
const BENEFICIARY = 'c1b2e3f4-0000-4000-8000-000000000002';

const accountID = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
const paymentID = (reference: string, type: 'PAYOUT' | 'TRANSFER' | 'PAY-IN') =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type });

const install = (name: string, config: Record<string, string>) =>
  sdk.payments.v3.installConnector({
    connector: 'currencycloud',
    v3ConnectorConfig: {
      provider: 'Currencycloud',
      name,
      loginID: config.loginID ?? '',
      apiKey: config.apiKey ?? '',
      endpoint: config.endpoint ?? '',
      pollingPeriod: '1h',
    },
  });

beforeAll(async () => {
  psp = await FakePsp.start();
  world = newWorld();
  serveCurrencycloud(psp, world);
  service = await startTestService({
    // The operator names the (local) PSP host, so its answers reach API callers unredacted, as CC's would.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(psp.url).host,
    PAYBRIDGE_INITIATION_RETRY_MAX: '2s',
  });
  sdk = new SDK({ serverURL: service.url });
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

async function initiate(reference: string, type: 'TRANSFER' | 'PAYOUT', destination: string, amount: bigint) {
  const initiated = present(
    (
      await sdk.payments.v3.initiatePayment({
        noValidation: true,
        v3InitiatePaymentRequest: {
          reference,
          connectorID,
          type,
          amount,
          asset: 'EUR/2',
          description: `${type.toLowerCase()} ${reference}`,
          sourceAccountID: accountID(HOUSE_ACCOUNT),
          destinationAccountID: accountID(destination),
          scheduledAt: new Date('0001-01-01T00:00:00Z'),
          metadata: {},
        },
      })
    ).v3InitiatePaymentResponse,
    'initiate',
  ).data;
  const id = present(initiated.paymentInitiationID, 'initiation id');
  return async () =>
    present(
      (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
        .v3GetPaymentInitiationResponse,
      'initiation',
    ).data.status;
}

describe('Currencycloud through the official SDK', () => {
  it('refuses an install with a wrong API key, answering 400 with CC’s reason', async () => {
    const wrong = 'f'.repeat(64);
    const error = await expectV3Error(
      install('currencycloud-wrong', { ...configFor(psp, world), apiKey: wrong }),
      400,
      'VALIDATION',
    );
    expect(error.errorMessage).toContain('Authentication failed with the supplied credentials');
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it('installs and ingests accounts, beneficiaries, balances and transactions, amounts exact', async () => {
    connectorID = present(
      (await install('currencycloud-e2e', configFor(psp, world))).v3InstallConnectorResponse,
      'install',
    ).data;
    const accounts = await accountsOnceThere(sdk, 6);
    const byRef = new Map(accounts.map((a) => [a.reference, a]));
    expect(byRef.get(HOUSE_ACCOUNT)).toMatchObject({ type: 'INTERNAL', name: 'Acme Ltd', connectorID });
    expect(byRef.get(HOUSE_ACCOUNT)?.metadata).toMatchObject({
      'com.currencycloud.spec/house_account': 'true',
    });
    expect(byRef.get(BENEFICIARY)).toMatchObject({
      type: 'EXTERNAL',
      name: 'Supplier Ltd',
      defaultAsset: 'GBP/2',
    });

    const balances = await balancesOnceThere(sdk, accountID(SUB_ACCOUNT), 2);
    expect(balances.map((b) => [b.asset, b.balance]).sort()).toEqual([
      ['HUF/0', 250_000n],
      ['JPY/0', 150_000n],
    ]);

    const payments = await eventually(
      async () => {
        const rows = await allPayments(sdk);
        return rows.length === 12 ? rows : undefined;
      },
      30_000,
      'twelve payments',
    );
    const byPayment = new Map(payments.map((p) => [p.reference.slice(-2), p]));
    expect(byPayment.get('02')).toMatchObject({
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: 120_050n,
      asset: 'EUR/2',
      sourceAccountID: accountID(HOUSE_ACCOUNT),
    });
    expect(byPayment.get('08')).toMatchObject({ status: 'PENDING', amount: 12_340n, asset: 'KWD/3' });
    expect(byPayment.get('07')).toMatchObject({
      type: 'TRANSFER',
      destinationAccountID: accountID(SUB_ACCOUNT),
    });
    expect(byPayment.get('11')?.status).toBe('OTHER');
    // CNH (not ISO 4217) and "1.50" JPY cannot be stored exactly: skipped and reported, not rounded.
    expect(byPayment.has('12')).toBe(false);
    expect(byPayment.has('13')).toBe(false);
  }, 60_000);

  it('transfers between accounts once, under the engine key', async () => {
    const status = await initiate('cc-transfer-1', 'TRANSFER', SUB_ACCOUNT, 2_500n);
    await eventually(async () => ((await status()) === 'PROCESSED' ? true : undefined), 30_000, 'PROCESSED');
    expect(world.transfers).toHaveLength(1);
    const transfer = world.transfers[0];
    expect(transfer).toMatchObject({
      source_account_id: HOUSE_ACCOUNT,
      destination_account_id: SUB_ACCOUNT,
      amount: '25.00',
      currency: 'EUR',
    });
    expect(String(transfer?.unique_request_id)).toMatch(/^[0-9a-f-]{36}$/);
    const payment = present(
      (await sdk.payments.v3.getPayment({ paymentID: paymentID(String(transfer?.id), 'TRANSFER') }))
        .v3GetPaymentResponse,
      'payment',
    ).data;
    expect(payment).toMatchObject({ status: 'SUCCEEDED', amount: 2_500n });
  }, 60_000);

  it('pays a beneficiary once, and settles the payout by polling CC until it completes', async () => {
    const status = await initiate('cc-payout-1', 'PAYOUT', BENEFICIARY, 4_200n);
    const made = await eventually(async () => world.payments[0], 30_000, 'the payment at CC');
    expect(made).toMatchObject({ beneficiary_id: BENEFICIARY, amount: '42.00', status: 'ready_to_send' });
    await eventually(
      async () => ((await status()) === 'PROCESSING' ? true : undefined),
      30_000,
      'PROCESSING',
    );
    made.status = 'completed';
    await eventually(async () => ((await status()) === 'PROCESSED' ? true : undefined), 60_000, 'PROCESSED');
    expect(world.payments).toHaveLength(1);
    expect(psp.requestsTo('POST', '/v2/payments/create')).toHaveLength(1);
    const payment = present(
      (await sdk.payments.v3.getPayment({ paymentID: paymentID(String(made.id), 'PAYOUT') }))
        .v3GetPaymentResponse,
      'payment',
    ).data;
    expect(payment).toMatchObject({ status: 'SUCCEEDED', amount: 4_200n, asset: 'EUR/2' });
  }, 90_000);

  it('forwards a bank account as a beneficiary, once', async () => {
    const before = world.beneficiaries.length;
    const bankAccountID = present(
      (
        await sdk.payments.v3.createBankAccount({
          name: 'Lieferant GmbH',
          iban: 'DE89370400440532013000',
          swiftBicCode: 'COBADEFFXXX',
          country: 'DE',
          metadata: { 'com.currencycloud.spec/currency': 'EUR' },
        })
      ).v3CreateBankAccountResponse,
      'create',
    ).data;
    const taskID = present(
      (
        await sdk.payments.v3.forwardBankAccount({
          bankAccountID,
          v3ForwardBankAccountRequest: { connectorID },
        })
      ).v3ForwardBankAccountResponse,
      'forward',
    ).data.taskID;
    const task = await eventually(async () => {
      const t = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
      return t.status === 'SUCCEEDED' ? t : undefined;
    }, 30_000);
    expect(world.beneficiaries).toHaveLength(before + 1);
    const made = world.beneficiaries[before];
    expect(made).toMatchObject({ iban: 'DE89370400440532013000', currency: 'EUR', bank_country: 'DE' });
    expect(task.createdObjectID).toBe(accountID(String(made?.id)));
  }, 60_000);
});
