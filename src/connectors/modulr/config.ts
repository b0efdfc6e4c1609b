// Install-time config of the Modulr connector: the API key and its HMAC secret, the signing algorithm, an optional customer, the endpoint.
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret } from '../sdk/registry.js';

/** Modulr's HMAC-authenticated sandbox (the token-authenticated one is `/api-sandbox-token`). */
export const MODULR_SANDBOX = 'https://api-sandbox.modulrfinance.com/api-sandbox';

/** The algorithms Modulr's published signing helpers name (`algorithm="…"` in the Authorization header). */
export const HMAC_ALGORITHMS = ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

const required = (field: string) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, { error: `${field} is required` });

export const modulrConfig = z.object({
  apiKey: secret(required('apiKey').describe("Modulr's API key (the keyId of every signed request)")),
  apiSecret: secret(required('apiSecret').describe('The HMAC secret that goes with the API key')),
  hmacAlgorithm: z
    .enum(HMAC_ALGORITHMS, { error: `hmacAlgorithm must be one of ${HMAC_ALGORITHMS.join(', ')}` })
    .default('hmac-sha1')
    .describe('The HMAC algorithm Modulr expects for this key (default hmac-sha1, as in its helpers)'),
  customerId: z
    .string()
    .trim()
    .regex(/^C[0-9A-Z]+$/, { error: "customerId must be a Modulr customer id such as 'C1234567'" })
    .optional()
    .describe('Restricts accounts, beneficiaries and payments to this customer (default: all the key sees)'),
  // Modulr gives production hosts at onboarding (they are IP-restricted): the sandbox is the default.
  endpoint: endpointField(MODULR_SANDBOX),
});

export type ModulrConfig = z.infer<typeof modulrConfig>;
