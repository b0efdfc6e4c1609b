// Registers the Increase connector: accounts, balances, external accounts and transactions of an Increase group, through its official SDK.
import { registerConnector } from '../sdk/registry.js';
import { increaseConfig } from './config.js';
import { IncreaseConnector } from './connector.js';
import { listStateSchema } from './listing.js';

registerConnector({
  provider: 'increase',
  capabilities: [
    'FETCH_ACCOUNTS',
    'FETCH_BALANCES',
    'FETCH_EXTERNAL_ACCOUNTS',
    'FETCH_PAYMENTS',
    'CREATE_BANK_ACCOUNT',
    'CREATE_TRANSFER',
    'CREATE_PAYOUT',
    'CREATE_WEBHOOKS',
    'TRANSLATE_WEBHOOKS',
  ],
  config: increaseConfig,
  // Increase's largest list page.
  pageSize: 100,
  // HMAC with the secret kept in the webhook config: checked while Increase's request is open, no call out.
  webhooks: { verification: 'local' },
  state: {
    FETCH_ACCOUNTS: listStateSchema,
    FETCH_EXTERNAL_ACCOUNTS: listStateSchema,
    FETCH_PAYMENTS: listStateSchema,
  },
  create: (config, context) => new IncreaseConnector(config, context),
});
