// Registers the Mangopay connector: wallets, bank accounts and transactions of a Mangopay client, through the official SDK.
import { registerConnector } from '../sdk/registry.js';
import { mangopayConfig } from './config.js';
import { MangopayConnector, paymentsState } from './connector.js';
import { creationCursor } from './paging.js';

registerConnector({
  provider: 'mangopay',
  capabilities: [
    'FETCH_OTHERS',
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
  config: mangopayConfig,
  // Mangopay's largest per_page.
  pageSize: 100,
  // Notifications are unsigned GETs; verifying one reads the resource from the API, so it runs in the job.
  webhooks: { verification: 'network', methods: ['GET'] },
  state: {
    FETCH_OTHERS: creationCursor,
    FETCH_ACCOUNTS: creationCursor,
    FETCH_EXTERNAL_ACCOUNTS: creationCursor,
    FETCH_PAYMENTS: paymentsState,
  },
  create: (config, context) => new MangopayConnector(config, context),
});
