// Install-time config of the Adyen connector: the Management API key, the company, and the webhook's Basic auth.
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret, secretDestination } from '../sdk/registry.js';

/** Adyen's Management API v3 on the test platform; live is https://management-live.adyen.com/v3. */
export const ADYEN_TEST_ENDPOINT = 'https://management-test.adyen.com/v3';
export const ADYEN_LIVE_ENDPOINT = 'https://management-live.adyen.com/v3';

export const adyenConfig = z.object({
  apiKey: secret(z.string({ error: 'apiKey is required' }).min(1, { error: 'apiKey is required' })),
  // Spelled as Formance's config (and the Formance SDK's V3AdyenConfig) spells it.
  companyID: z.string({ error: 'companyID is required' }).min(1, { error: 'companyID is required' }),
  endpoint: endpointField(ADYEN_TEST_ENDPOINT),
  /**
   * Formance's switch to the live environment. The prefix itself only builds the live hosts of the
   * Checkout and Payments APIs, which this connector does not call; the Management API has one live host,
   * so setting it selects https://management-live.adyen.com/v3 when `endpoint` is left at its default.
   */
  liveEndpointPrefix: secretDestination(
    z
      .string()
      .regex(/^[a-z0-9-]+$/i, {
        error: 'liveEndpointPrefix is the [random]-[company name] part of the live URL',
      })
      .optional(),
  ),
  /** Adyen sends these as Basic auth on every notification; a delivery without them is refused. */
  webhookUsername: z
    .string()
    .min(1)
    .refine((v) => !v.includes(':'), { error: 'webhookUsername cannot contain ":" (Basic auth separator)' })
    .optional(),
  webhookPassword: secret(z.string().min(1).optional()),
});

export type AdyenConfig = z.infer<typeof adyenConfig>;

/** The Management API base URL a config talks to: live when Formance's liveEndpointPrefix asks for it. */
export function managementEndpoint(config: Pick<AdyenConfig, 'endpoint' | 'liveEndpointPrefix'>): string {
  const endpoint = config.endpoint.replace(/\/+$/, '');
  return config.liveEndpointPrefix && endpoint === ADYEN_TEST_ENDPOINT ? ADYEN_LIVE_ENDPOINT : endpoint;
}
