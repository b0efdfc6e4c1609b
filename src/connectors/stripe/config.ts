// Install-time config of the Stripe connector: the secret (or restricted) API key and the API host.
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret } from '../sdk/registry.js';

export const stripeConfig = z.object({
  apiKey: secret(
    z
      .string({ error: 'apiKey is required' })
      .min(1, { error: 'apiKey is required' })
      // A publishable key (pk_) cannot read balances or move money: refuse it before any call.
      .refine((key) => !/^pk_/.test(key), { error: 'apiKey must be a secret (sk_) or restricted (rk_) key' }),
  ),
  endpoint: endpointField('https://api.stripe.com'),
});

export type StripeConfig = z.infer<typeof stripeConfig>;
