// Registers the Currencycloud connector: accounts, balances, beneficiaries and transactions, transfers, payouts and beneficiary creation; no webhooks (CC's API has no subscription endpoint).
import { registerConnector } from '../sdk/registry.js';
import { currencycloudConfig } from './config.js';
import { CurrencycloudConnector } from './connector.js';
import { balancesState, relistState, transactionsState } from './listing.js';

registerConnector({
  provider: 'currencycloud',
  capabilities: [
    'FETCH_ACCOUNTS',
    'FETCH_BALANCES',
    'FETCH_EXTERNAL_ACCOUNTS',
    'FETCH_PAYMENTS',
    'CREATE_BANK_ACCOUNT',
    'CREATE_TRANSFER',
    'CREATE_PAYOUT',
  ],
  config: currencycloudConfig,
  // CC documents no maximum per_page; Formance uses 25 and so do we.
  pageSize: 25,
  // A state an upgrade cannot read restarts its task from scratch instead of failing every run.
  state: {
    FETCH_ACCOUNTS: relistState,
    FETCH_BALANCES: balancesState,
    FETCH_EXTERNAL_ACCOUNTS: relistState,
    FETCH_PAYMENTS: transactionsState,
  },
  create: (config, context) => new CurrencycloudConnector(config, context),
});
