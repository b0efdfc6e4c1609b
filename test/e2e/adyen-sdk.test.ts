// Adyen end to end: a real Paybridge installs the connector against a fake Adyen, which sends its signed
// notifications to the webhook the install created; merchant accounts and the payments the notifications
// describe are read back through the official Formance SDK. Also: a wrong key is a 400 with Adyen's
// reason, a forged notification is refused, a redelivery is a duplicate, Adyen has no payment initiation,
// and uninstall deletes the webhook.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdyenFake,
  fixture,
  type NotificationFixture,
  postNotification,
  serveAdyen,
  signNotification,
  TEST_API_KEY,
  TEST_COMPANY,
} from '../../src/connectors/adyen/fake.js';
import { FakePsp } from '../../src/connectors/sdk/testing/index.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { allAccounts, allPayments, expectV3Error, present } from './sdk-helpers.js';

let psp: FakePsp;
let fake: AdyenFake;
let service: TestService;
let sdk: SDK;
let connectorID = '';

const USERNAME = 'adyen-notifications';
const PASSWORD = 'basic-auth-secret';

beforeAll(async () => {
  psp = await FakePsp.start();
  fake = serveAdyen(psp, { deliver: true });
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // The fake Adyen is on loopback: naming it lets its refusals reach the API caller in full, as a
    // public Adyen host's would (internal hosts' answers are otherwise hidden).
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(psp.url).host,
  });
  sdk = new SDK({ serverURL: service.url });
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

/** The install body as the Formance SDK's V3AdyenConfig spells it, plus the endpoint of the fake. */
const install = (apiKey: string) =>
  fetch(`${service.url}/v3/connectors/install/adyen`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      provider: 'Adyen',
      name: `adyen-${apiKey.slice(0, 5)}`,
      apiKey,
      companyID: TEST_COMPANY,
      endpoint: `${psp.url}/v3`,
      webhookUsername: USERNAME,
      webhookPassword: PASSWORD,
      pollingPeriod: '1h',
    }),
  });

async function deliveries() {
  const response = await fetch(`${service.url}/v3/connectors/${connectorID}/webhooks?pageSize=100`);
  return ((await response.json()) as { cursor: { data: { status: string }[] } }).cursor.data;
}

describe('Adyen through the Formance SDK', () => {
  it('shows its config in the catalogue the console form is built from', async () => {
    const configs = present(
      (await sdk.payments.v3.listConnectorConfigs()).v3ConnectorConfigsResponse,
      'configs catalog',
    ).data;
    expect(configs.adyen).toMatchObject({
      apiKey: { dataType: 'string', required: true },
      companyID: { dataType: 'string', required: true },
      endpoint: { dataType: 'string', required: false },
      liveEndpointPrefix: { dataType: 'string', required: false },
      webhookUsername: { dataType: 'string', required: false },
      webhookPassword: { dataType: 'string', required: false },
    });
  });

  it("refuses an install with a wrong key: 400 with Adyen's reason, nothing created", async () => {
    const refused = await install('wrong-key');
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { errorCode: string; errorMessage: string };
    expect(body.errorCode).toBe('VALIDATION');
    expect(body.errorMessage).toContain('HTTP Status Response - Unauthorized');
    expect(body.errorMessage).not.toContain('wrong-key');
    expect(fake.webhooks).toEqual([]);
  });

  it('installs, creates the company webhook at the public URL, and ingests the merchant accounts', async () => {
    const installed = await install(TEST_API_KEY);
    expect(installed.status).toBe(202);
    connectorID = ((await installed.json()) as { data: string }).data;
    const accounts = await eventually(
      async () => {
        const rows = await allAccounts(sdk);
        return rows.length === fake.merchants.length ? rows : undefined;
      },
      30_000,
      'the merchant accounts',
    );
    const iceland = accounts.find((a) => a.reference === 'PaybridgeISK');
    expect(iceland).toMatchObject({
      connectorID,
      provider: 'adyen',
      type: 'INTERNAL',
      name: 'Paybridge Iceland',
      defaultAsset: 'ISK/2',
      metadata: expect.objectContaining({ 'com.adyen.spec/status': 'Active' }),
    });
    expect(fake.webhooks).toHaveLength(1);
    expect(fake.webhooks[0]).toMatchObject({
      url: `${service.url}/api/payments/v3/connectors/webhooks/${connectorID}/standard`,
      type: 'standard',
      username: USERNAME,
      password: PASSWORD,
    });
  });

  it('takes in every notification Adyen sends, answering [accepted], and shows the payments they describe', async () => {
    // The status each payment ends in once every notification is in (deliveries are processed in the
    // background, in any order).
    const finalStatus: Record<string, string> = {
      QFQTPCQ8HXSKGK82: 'REFUNDED_FAILURE',
      GXVB9QJVHR2BB982: 'FAILED',
      KKGXW7PXHWKJ5R82: 'DISPUTE',
      ZC4TG9VS6LXBMR82: 'SUCCEEDED',
      N4Z7VQX2KL8PTR82: 'CANCELLED',
    };
    const payments = await eventually(
      async () => {
        const rows = await allPayments(sdk);
        const done =
          rows.length === Object.keys(finalStatus).length &&
          rows.every((p) => finalStatus[p.reference] === p.status) &&
          fake.deliveries.filter((d) => d.status === 200).length === fake.notifications.length;
        return done ? rows : undefined;
      },
      60_000,
      'the payments of the notifications',
    );
    const byReference = new Map(payments.map((p) => [p.reference, p]));
    // Authorised 100.00, captured 100.00, refunded 25.00, then a refund of 90.00 failed: not a refund.
    const card = byReference.get('QFQTPCQ8HXSKGK82');
    expect(card).toMatchObject({ type: 'PAY-IN', asset: 'EUR/2', scheme: 'CARD_VISA', amount: 7500n });
    const detail = present(
      (await sdk.payments.v3.getPayment({ paymentID: card?.id ?? '' })).v3GetPaymentResponse,
      'payment',
    ).data;
    expect(detail.adjustments?.map((a) => a.status)).toEqual(
      expect.arrayContaining(['AUTHORISATION', 'CAPTURE', 'REFUNDED', 'REFUNDED_FAILURE']),
    );
    expect(byReference.get('GXVB9QJVHR2BB982')?.status).toBe('FAILED');
    expect(byReference.get('KKGXW7PXHWKJ5R82')).toMatchObject({ asset: 'ISK/2', status: 'DISPUTE' });
    expect(byReference.get('ZC4TG9VS6LXBMR82')).toMatchObject({
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: 50000n,
    });
    expect(byReference.get('N4Z7VQX2KL8PTR82')?.status).toBe('CANCELLED');
    const accounts = new Map((await allAccounts(sdk)).map((a) => [a.reference, a.id]));
    expect(card?.destinationAccountID).toBe(accounts.get('PaybridgeECOM'));
    expect(byReference.get('ZC4TG9VS6LXBMR82')?.sourceAccountID).toBe(accounts.get('PaybridgeECOM'));
    const answered = fake.deliveries.filter((d) => d.status === 200);
    expect(answered.length).toBe(fake.notifications.length);
    expect(answered.every((d) => d.body === '[accepted]')).toBe(true);
  });

  it('refuses a forged notification and treats a redelivery as a duplicate', async () => {
    const webhook = fake.webhooks[0];
    if (!webhook?.hmacKey) throw new Error('no webhook with a key');
    const authorisation = fixture<NotificationFixture[]>('notifications.json')[0];
    if (!authorisation) throw new Error('no authorisation fixture');
    const forged = await postNotification(webhook, signNotification(authorisation.body, 'AB'.repeat(32)));
    expect(forged.status).toBe(401);
    const noAuth = await postNotification(
      { url: webhook.url },
      signNotification(authorisation.body, webhook.hmacKey),
    );
    expect(noAuth.status).toBe(401);
    const again = await postNotification(webhook, signNotification(authorisation.body, webhook.hmacKey));
    expect(again).toEqual({ status: 200, body: '[accepted]' });
    await eventually(
      async () => ((await deliveries()).some((d) => d.status === 'DUPLICATE') ? true : undefined),
      20_000,
      'the redelivery to be recorded as a duplicate',
    );
    expect((await deliveries()).filter((d) => d.status === 'REJECTED')).toEqual([]);
    expect((await allPayments(sdk)).length).toBe(5);
  });

  it('has no payment initiation: the SDK call is refused as an unsupported capability', async () => {
    const accounts = await allAccounts(sdk);
    const source = accounts.find((a) => a.reference === 'PaybridgeECOM');
    const destination = accounts.find((a) => a.reference === 'PaybridgeUS');
    const error = await expectV3Error(
      sdk.payments.v3.initiatePayment({
        v3InitiatePaymentRequest: {
          reference: 'adyen-payout-1',
          connectorID,
          type: 'PAYOUT',
          amount: 100n,
          asset: 'EUR/2',
          description: 'not supported',
          sourceAccountID: source?.id ?? '',
          destinationAccountID: destination?.id ?? '',
          // Formance's zero time: not scheduled, initiate now.
          scheduledAt: new Date('0001-01-01T00:00:00Z'),
          metadata: {},
        },
      }),
      400,
      'CONNECTOR_CAPABILITY_NOT_SUPPORTED',
    );
    expect(error.errorMessage).toMatch(/CREATE_PAYOUT/);
  });

  it('uninstalls: the webhook is deleted at Adyen and later deliveries are refused', async () => {
    const task = present(
      (await sdk.payments.v3.uninstallConnector({ connectorID })).v3UninstallConnectorResponse,
      'uninstall',
    ).data.taskID;
    await eventually(async () => {
      const t = present((await sdk.payments.v3.getTask({ taskID: task })).v3GetTaskResponse, 'task').data;
      return t.status === 'SUCCEEDED' ? true : undefined;
    }, 30_000);
    expect(fake.webhooks).toEqual([]);
    const late = await fetch(`${service.url}/api/payments/v3/connectors/webhooks/${connectorID}/standard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(late.status).toBe(404);
  });
});
