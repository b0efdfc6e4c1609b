// The conformance suite on the Adyen connector, against a fake Management API serving documented fixtures.
import { stringifyJson } from '../../domain/json.js';
import { describeConformance, type FakePsp } from '../sdk/testing/index.js';
import {
  type AdyenFake,
  fixture,
  type NotificationFixture,
  serveAdyen,
  signNotification,
  TEST_API_KEY,
  TEST_COMPANY,
} from './fake.js';
import './index.js';

const HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const USERNAME = 'adyen-notifications';
const PASSWORD = 'basic-auth-secret';

const fakes = new WeakMap<FakePsp, AdyenFake>();

// The amount comes first so the suite's tampering (its first digit) hits a signed field.
const authorisation = fixture<NotificationFixture[]>('notifications.json')[0];
if (!authorisation) throw new Error('notifications.json has no authorisation');
const signed = signNotification(authorisation.body, HMAC_KEY);
const body = stringifyJson({
  notificationItems: signed.notificationItems.map(({ NotificationRequestItem: item }) => {
    const { amount, ...rest } = item;
    return { NotificationRequestItem: { amount, ...rest } };
  }),
  live: signed.live,
});

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describeConformance({
  provider: 'adyen',
  config: (psp) => ({
    apiKey: TEST_API_KEY,
    companyID: TEST_COMPANY,
    endpoint: `${psp.url}/v3`,
    webhookUsername: USERNAME,
    webhookPassword: PASSWORD,
  }),
  setup: (psp) => void fakes.set(psp, serveAdyen(psp, { hmacKey: HMAC_KEY })),
  spec: { provider: 'adyen', file: 'ManagementService-v3.yaml' },
  secretFields: ['apiKey', 'webhookPassword'],
  paging: {
    expected: {
      fetch_accounts: fixture<{ id: string }[]>('merchants.json').map((m) => m.id),
    },
    // A merchant account opens (sorted into the middle of Adyen's list) and another one closes.
    change: (psp) => {
      const fake = fakes.get(psp);
      if (!fake) throw new Error('the fake Adyen was not set up');
      fake.merchants.push({
        id: 'PaybridgeGB',
        name: 'Paybridge UK',
        companyId: TEST_COMPANY,
        primarySettlementCurrency: 'GBP',
        status: 'PreActive',
      });
      const pos = fake.merchants.find((m) => m.id === 'PaybridgePOS');
      if (!pos) throw new Error('PaybridgePOS is not in the fixtures');
      pos.status = 'Closed';
      return { fetch_accounts: ['PaybridgeGB', 'PaybridgePOS'] };
    },
  },
  webhooks: {
    body,
    // Adyen's signature is the HMAC inside each item (signed above with the key the fake generates);
    // the delivery's own credential is Basic auth, which a forger does not have.
    sign: ({ forged }) => ({ authorization: basic(USERNAME, forged ? 'guessed' : PASSWORD) }),
    unsignedTime:
      "Adyen's HMAC covers the item's references, amount, event code and success, no timestamp; Adyen " +
      'retries a delivery for days, so a replay is recognised by its idempotency key instead',
  },
  uninstall: (psp) => {
    psp.assertRequests('DELETE', '/v3/companies/:companyId/webhooks/:webhookId', {
      headers: { 'x-api-key': TEST_API_KEY },
    });
  },
});
