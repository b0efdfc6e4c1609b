// Install-time config of the Currencycloud connector: the login id, the API key (secret) and the endpoint.
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret } from '../sdk/registry.js';

export const CURRENCYCLOUD_PRODUCTION = 'https://api.currencycloud.com';
export const CURRENCYCLOUD_SANDBOX = 'https://devapi.currencycloud.com';

export const currencycloudConfig = z.object({
  loginID: z
    .string({ error: 'loginID is required' })
    .min(1, { error: 'loginID is required' })
    .describe('The login id of the API user (usually an email address)'),
  apiKey: secret(
    z
      .string({ error: 'apiKey is required' })
      .min(1, { error: 'apiKey is required' })
      .describe("The API user's API key"),
  ),
  // Without /v2: the client adds the API version to every path.
  endpoint: endpointField(CURRENCYCLOUD_PRODUCTION, { sandbox: CURRENCYCLOUD_SANDBOX }),
});

export type CurrencycloudConfig = z.infer<typeof currencycloudConfig>;
