// Registers the Column connector: bank accounts, balances, counterparties, transfers of every rail, money movement and signed webhooks.
import { registerConnector } from '../sdk/registry.js';
import { columnConfig } from './config.js';
import { ColumnConnector } from './connector.js';
import { listStateSchema, transfersStateSchema } from './listing.js';

registerConnector({
  provider: 'column',
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
  config: columnConfig,
  // Column's largest page.
  pageSize: 100,
  // An HMAC with the secret the webhook config holds: no call out.
  webhooks: { verification: 'local' },
  // A state an upgrade cannot read restarts its task from scratch instead of failing every run.
  state: {
    FETCH_ACCOUNTS: listStateSchema,
    FETCH_EXTERNAL_ACCOUNTS: listStateSchema,
    FETCH_PAYMENTS: transfersStateSchema,
  },
  create: (config, context) => new ColumnConnector(config, context),
});
