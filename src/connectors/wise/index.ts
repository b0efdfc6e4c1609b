// Registers the Wise connector: profiles, balance accounts, recipients and transfers, payouts, and signed webhooks.
import { registerConnector } from '../sdk/registry.js';
import { wiseConfig } from './config.js';
import { WiseConnector } from './connector.js';
import { recipientsState, seenState, transfersState } from './listing.js';

registerConnector({
  provider: 'wise',
  capabilities: [
    'FETCH_OTHERS',
    'FETCH_ACCOUNTS',
    'FETCH_BALANCES',
    'FETCH_EXTERNAL_ACCOUNTS',
    'FETCH_PAYMENTS',
    'CREATE_PAYOUT',
    'CREATE_WEBHOOKS',
    'TRANSLATE_WEBHOOKS',
  ],
  config: wiseConfig,
  // Wise's transfer list takes larger pages, but recipients stop at 20 (the listing caps them itself).
  pageSize: 100,
  // The signature is checked against a public key the connector holds: no call out.
  webhooks: { verification: 'local' },
  // A state an upgrade cannot read restarts its task from scratch instead of failing every run.
  state: {
    FETCH_OTHERS: seenState,
    FETCH_ACCOUNTS: seenState,
    FETCH_EXTERNAL_ACCOUNTS: recipientsState,
    FETCH_PAYMENTS: transfersState,
  },
  create: (config, context) => new WiseConnector(config, context),
});
