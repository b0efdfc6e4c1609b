// Install-time config of the Increase connector: the API key and the API host (production or sandbox).
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret } from '../sdk/registry.js';

export const INCREASE_PRODUCTION = 'https://api.increase.com';
export const INCREASE_SANDBOX = 'https://sandbox.increase.com';

export const increaseConfig = z.object({
  apiKey: secret(z.string({ error: 'apiKey is required' }).min(1, { error: 'apiKey is required' })),
  endpoint: endpointField(INCREASE_PRODUCTION, { sandbox: INCREASE_SANDBOX }),
});

export type IncreaseConfig = z.infer<typeof increaseConfig>;
