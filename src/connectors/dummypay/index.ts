// Registers DummyPay, the file-backed fake PSP used by tests and demos.
import { registerConnector } from '../sdk/registry.js';
import { dummyPayConfig } from './config.js';
import { DummyPayConnector } from './connector.js';
import { PAGE_SIZE } from './paging.js';

registerConnector({
  provider: 'dummypay',
  // It reads and writes local files: no endpoint, no HTTP.
  http: false,
  capabilities: [
    'FETCH_ACCOUNTS',
    'FETCH_BALANCES',
    'FETCH_EXTERNAL_ACCOUNTS',
    'FETCH_PAYMENTS',
    'FETCH_ORDERS',
    'FETCH_CONVERSIONS',
    'ALLOW_FORMANCE_ACCOUNT_CREATION',
    'ALLOW_FORMANCE_PAYMENT_CREATION',
    'CREATE_TRANSFER',
    'CREATE_PAYOUT',
    'CREATE_BANK_ACCOUNT',
  ],
  config: dummyPayConfig,
  pageSize: PAGE_SIZE,
  hidden: true,
  create: (config, context) => new DummyPayConnector(config, context),
});
