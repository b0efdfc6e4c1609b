// Install-time config of the Mangopay connector: the OAuth 2 client credentials and the API host.
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret } from '../sdk/registry.js';

export const MANGOPAY_PRODUCTION = 'https://api.mangopay.com';
export const MANGOPAY_SANDBOX = 'https://api.sandbox.mangopay.com';

export const mangopayConfig = z.object({
  // `clientID`, as Formance's SDK (V3MangopayConfig) sends it.
  clientID: z
    .string({ error: 'clientID is required' })
    .min(1, { error: 'clientID is required' })
    // It goes into every request path (/v2.01/{clientId}/…): no slash, no query.
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'clientID may hold only letters, digits, _ and -' }),
  apiKey: secret(z.string({ error: 'apiKey is required' }).min(1, { error: 'apiKey is required' })),
  endpoint: endpointField(MANGOPAY_PRODUCTION, { sandbox: MANGOPAY_SANDBOX }),
});

export type MangopayConfig = z.infer<typeof mangopayConfig>;
