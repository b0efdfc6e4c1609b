// Registers the Stripe connector: the platform and its Connect accounts through the official SDK.
import { registerConnector } from '../sdk/registry.js';
import { stripeConfig } from './config.js';
import { StripeConnector, accountsStateSchema, externalAccountsStateSchema } from './connector.js';
import { listStateSchema } from './listing.js';

registerConnector({
  provider: 'stripe',
  capabilities: [
    'FETCH_ACCOUNTS',
    'FETCH_BALANCES',
    'FETCH_EXTERNAL_ACCOUNTS',
    'FETCH_PAYMENTS',
    'CREATE_TRANSFER',
    'CREATE_PAYOUT',
    'CREATE_WEBHOOKS',
    'TRANSLATE_WEBHOOKS',
  ],
  config: stripeConfig,
  // Stripe's largest list page.
  pageSize: 100,
  // The signature is checked against the secret kept in the webhook config: no call out.
  webhooks: { verification: 'local' },
  state: {
    FETCH_ACCOUNTS: accountsStateSchema,
    FETCH_PAYMENTS: listStateSchema,
    FETCH_EXTERNAL_ACCOUNTS: externalAccountsStateSchema,
  },
  create: (config, context) => new StripeConnector(config, context),
});
