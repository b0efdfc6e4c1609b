// Install-time config of the Adyen connector: the Management API key, the company, and the webhook's Basic auth.
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret } from '../sdk/registry.js';

/** Adyen's Management API v3 on the test platform; live is https://management-live.adyen.com/v3. */
export const ADYEN_TEST_ENDPOINT = 'https://management-test.adyen.com/v3';
export const ADYEN_LIVE_ENDPOINT = 'https://management-live.adyen.com/v3';

export const adyenConfig = z.object({
  apiKey: secret(z.string({ error: 'apiKey is required' }).min(1, { error: 'apiKey is required' })),
  companyId: z.string({ error: 'companyId is required' }).min(1, { error: 'companyId is required' }),
  // The Management API has one host per environment and no per-merchant live prefix (that is for the
  // Checkout and Payments APIs, which this connector does not call), so the endpoint alone picks test or live.
  endpoint: endpointField(ADYEN_TEST_ENDPOINT),
  /** Adyen sends these as Basic auth on every notification; a delivery without them is refused. */
  webhookUsername: z
    .string()
    .min(1)
    .refine((v) => !v.includes(':'), { error: 'webhookUsername cannot contain ":" (Basic auth separator)' })
    .optional(),
  webhookPassword: secret(z.string().min(1).optional()),
});

export type AdyenConfig = z.infer<typeof adyenConfig>;
