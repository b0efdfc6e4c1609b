// Registers the Generic connector: any PSP, through an integration service that speaks the Generic contract.
import { registerConnector } from '../sdk/registry.js';
import { genericConfig } from './config.js';
import { GenericConnector } from './connector.js';

registerConnector({
  provider: 'generic',
  capabilities: [
    'FETCH_ACCOUNTS',
    'FETCH_BALANCES',
    'FETCH_EXTERNAL_ACCOUNTS',
    'FETCH_PAYMENTS',
    'CREATE_TRANSFER',
    'CREATE_PAYOUT',
    'ALLOW_FORMANCE_ACCOUNT_CREATION',
    'ALLOW_FORMANCE_PAYMENT_CREATION',
    'CREATE_WEBHOOKS',
    'TRANSLATE_WEBHOOKS',
  ],
  config: genericConfig,
  // The contract's own default; services may answer with smaller pages, which the listing tolerates.
  pageSize: 100,
  // The Standard Webhooks signature is checked against the secret kept in the webhook config: no call out.
  webhooks: { verification: 'local' },
  create: (config, context) => new GenericConnector(config, context),
});
