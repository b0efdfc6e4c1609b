// The conformance suite on the Mangopay connector, against the fake Mangopay serving the fixtures (records sharing CreationDate seconds included).
import { describeConformance, type FakePsp } from '../sdk/testing/index.js';
import { specMetadataKey } from '../sdk/money.js';
import {
  FAKE_API_KEY,
  FAKE_CLIENT_ID,
  IDEMPOTENCY_HEADER,
  fixtureData,
  serveMangopay,
  type MangopayData,
} from './fake.js';
import './index.js';

const T = 1772323200;
const userId = specMetadataKey('mangopay', 'userId');
const datas = new WeakMap<FakePsp, MangopayData>();

const wallet = (reference: string) => ({
  reference,
  createdAt: new Date((T + 10) * 1000),
  metadata: { [userId]: 'user_m_01' },
  raw: {},
});

const transfer = {
  reference: 'pi-transfer-1',
  createdAt: new Date('2026-03-02T08:00:00.000Z'),
  description: 'conformance transfer',
  sourceAccount: wallet('wlt_m_01'),
  destinationAccount: wallet('wlt_m_03'),
  amount: 1000n,
  asset: 'EUR/2',
  metadata: {},
};

const payout = {
  ...transfer,
  reference: 'pi-payout-1',
  description: 'conformance payout',
  destinationAccount: { reference: 'bankacc_m_01', createdAt: new Date((T + 20) * 1000), raw: {} },
  amount: 500n,
};

describeConformance({
  provider: 'mangopay',
  config: (psp) => ({ clientID: FAKE_CLIENT_ID, apiKey: FAKE_API_KEY, endpoint: psp.url }),
  setup: (psp) => void datas.set(psp, serveMangopay(psp, fixtureData())),
  tokenEndpoint: { method: 'POST', path: '/v2.01/oauth/token' },
  statuses: ['CREATED', 'SUCCEEDED', 'FAILED'],
  paging: {
    expected: {
      fetch_users: ['user_m_01', 'user_m_02', 'user_m_03'],
      'fetch_users/fetch_wallets': ['wlt_m_01', 'wlt_m_02', 'wlt_m_03', 'wlt_m_04'],
      'fetch_users/fetch_wallets/fetch_balances': [
        'wlt_m_01/EUR/2',
        'wlt_m_02/JPY/0',
        'wlt_m_03/EUR/2',
        'wlt_m_04/GBP/2',
      ],
      // transfer_m_01 is listed under both wallets it joins and taken once, from the debited one.
      'fetch_users/fetch_wallets/fetch_payments': [
        'payin_m_01',
        'transfer_m_01',
        'payout_m_01',
        'refund_m_01',
        'refund_m_02',
        'payin_m_02',
        'payin_m_03',
      ],
      'fetch_users/fetch_bank_accounts': ['bankacc_m_01', 'bankacc_m_02', 'bankacc_m_03'],
    },
    // A user arrives stamped with the very second of two users already listed, and sorted before them
    // (ties have no order at Mangopay): a watermark "after the newest second" would never see it.
    change: (psp) => {
      const data = datas.get(psp);
      if (!data) throw new Error('the fake Mangopay was not set up');
      data.users.push({ Id: 'user_m_00', CreationDate: T + 60, PersonType: 'NATURAL' });
      data.wallets.user_m_00 = [
        {
          Id: 'wlt_m_05',
          Owners: ['user_m_00'],
          Description: 'Late wallet',
          Balance: { Currency: 'EUR', Amount: 700 },
          Currency: 'EUR',
          FundsType: 'DEFAULT',
          CreationDate: T + 90,
        },
      ];
      data.transactions.wlt_m_05 = [
        {
          Id: 'payin_m_05',
          CreationDate: T + 500,
          AuthorId: 'user_m_00',
          DebitedFunds: { Currency: 'EUR', Amount: 700 },
          CreditedFunds: { Currency: 'EUR', Amount: 700 },
          Fees: { Currency: 'EUR', Amount: 0 },
          Status: 'SUCCEEDED',
          ExecutionDate: T + 501,
          Type: 'PAYIN',
          Nature: 'REGULAR',
          CreditedWalletId: 'wlt_m_05',
          DebitedWalletId: null,
        },
      ];
      return {
        fetch_users: ['user_m_00'],
        'fetch_users/fetch_wallets': ['wlt_m_05'],
        'fetch_users/fetch_wallets/fetch_payments': ['payin_m_05'],
      };
    },
  },
  writes: {
    idempotencyKey: IDEMPOTENCY_HEADER,
    transfer,
    payout,
    bankAccount: {
      id: 'ba-conformance',
      createdAt: new Date('2026-03-02T08:00:00.000Z'),
      name: 'Ada Martin',
      iban: 'FR7630006000011234567890189',
      swiftBicCode: 'AGRIFRPP',
      country: 'FR',
      metadata: {
        [userId]: 'user_m_01',
        [specMetadataKey('mangopay', 'ownerAddress.addressLine1')]: '1 rue de la Paix',
        [specMetadataKey('mangopay', 'ownerAddress.city')]: 'Paris',
        [specMetadataKey('mangopay', 'ownerAddress.postalCode')]: '75002',
      },
    },
  },
  // Mangopay signs nothing: a notification is a GET whose query names a resource, which the connector
  // reads back. "Forged" is a notification for a pay-in the API does not know.
  webhooks: {
    body: '',
    sign: () => ({}),
    query: ({ config, at, forged }) => ({
      EventType: config.name,
      RessourceId: forged ? 'payin_forged_1' : 'payin_m_01',
      Date: String(Math.floor(at.getTime() / 1000)),
    }),
  },
  uninstall: (psp) => {
    psp.assertRequests('PUT', `/v2.01/${FAKE_CLIENT_ID}/hooks/:id`, {
      headers: { authorization: /^Bearer token-/ },
      jsonBody: { Status: 'DISABLED' },
    });
  },
});
