// Registers the Adyen connector: merchant accounts polled, payments from HMAC-signed standard notifications.
import { registerConnector } from '../sdk/registry.js';
import { accountsState } from './accounts.js';
import { adyenConfig } from './config.js';
import { AdyenConnector } from './connector.js';

registerConnector({
  provider: 'adyen',
  // No money movement: Adyen's payouts need the Payout API's separate credentials and a review step,
  // out of scope here (MAPPING.md).
  capabilities: ['FETCH_ACCOUNTS', 'CREATE_WEBHOOKS', 'TRANSLATE_WEBHOOKS'],
  config: adyenConfig,
  // The Management API's maximum pageSize.
  pageSize: 100,
  // HMAC per item with the key kept in the webhook config, and Basic auth: no call out. Adyen marks a
  // delivery failed (and retries it) unless the answer's body is exactly [accepted].
  webhooks: { verification: 'local', acknowledgement: { contentType: 'text/plain', body: '[accepted]' } },
  state: { FETCH_ACCOUNTS: accountsState },
  create: (config, context) => new AdyenConnector(config, context),
});
