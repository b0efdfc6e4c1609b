// Registers the Modulr connector: HMAC-signed requests, accounts with balances, beneficiaries, transactions and payments, payouts and transfers.
import { z } from 'zod';
import { registerConnector } from '../sdk/registry.js';
import { modulrConfig } from './config.js';
import { ModulrConnector } from './connector.js';
import { MAX_PAGE, accountsState, transactionsState, windowState } from './listing.js';

registerConnector({
  provider: 'modulr',
  capabilities: [
    'FETCH_ACCOUNTS',
    'FETCH_BALANCES',
    'FETCH_EXTERNAL_ACCOUNTS',
    'FETCH_PAYMENTS',
    'CREATE_BANK_ACCOUNT',
    'CREATE_TRANSFER',
    'CREATE_PAYOUT',
  ],
  config: modulrConfig,
  pageSize: MAX_PAGE,
  // A state an upgrade cannot read restarts its task from scratch instead of failing every run. The
  // two FETCH_PAYMENTS nodes (payments, and transactions per account) share a schema that reads both.
  state: {
    FETCH_ACCOUNTS: accountsState,
    FETCH_EXTERNAL_ACCOUNTS: windowState,
    FETCH_PAYMENTS: z.union([transactionsState.strict(), windowState.strict()]),
  },
  create: (config, context) => new ModulrConnector(config, context),
});
