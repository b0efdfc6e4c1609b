// Install-time config of the Generic connector: where the integration service lives and its API key.
import { z } from 'zod';
import { secret } from '../sdk/registry.js';

export const genericConfig = z.object({
  apiKey: secret(z.string({ error: 'apiKey is required' }).min(1, { error: 'apiKey is required' })),
  // Required, unlike the kit's endpointField: there is no default integration service, each is the operator's own.
  endpoint: z.url({
    protocol: /^https?$/,
    error: 'endpoint must be an http:// or https:// URL',
  }),
  /**
   * Contract v0.2: register for push webhooks at install (`POST /webhooks`). Polling goes on at the
   * polling period as the safety net.
   */
  webhooks: z.boolean().optional(),
});

export type GenericConfig = z.infer<typeof genericConfig>;
