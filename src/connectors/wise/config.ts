// Install-time config of the Wise connector: the API token, the endpoint and the webhook public key.
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { multiline, secret } from '../sdk/registry.js';

export const WISE_PRODUCTION = 'https://api.wise.com';
export const WISE_SANDBOX = 'https://api.sandbox.transferwise.tech';

/** Wise's published key for webhooks from production (docs.wise.com, "Event handling"). */
export const WISE_PRODUCTION_WEBHOOK_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvO8vXV+JksBzZAY6GhSO
XdoTCfhXaaiZ+qAbtaDBiu2AGkGVpmEygFmWP4Li9m5+Ni85BhVvZOodM9epgW3F
bA5Q1SexvAF1PPjX4JpMstak/QhAgl1qMSqEevL8cmUeTgcMuVWCJmlge9h7B1CS
D4rtlimGZozG39rUBDg6Qt2K+P4wBfLblL0k4C4YUdLnpGYEDIth+i8XsRpFlogx
CAFyH9+knYsDbR43UJ9shtc42Ybd40Afihj8KnYKXzchyQ42aC8aZ/h5hyZ28yVy
Oj3Vos0VdBIs/gAyJ/4yyQFCXYte64I7ssrlbGRaco4nKF3HmaNhxwyKyJafz19e
HwIDAQAB
-----END PUBLIC KEY-----`;

/** Wise's published key for webhooks from the sandbox. */
export const WISE_SANDBOX_WEBHOOK_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwpb91cEYuyJNQepZAVfP
ZIlPZfNUefH+n6w9SW3fykqKu938cR7WadQv87oF2VuT+fDt7kqeRziTmPSUhqPU
ys/V2Q1rlfJuXbE+Gga37t7zwd0egQ+KyOEHQOpcTwKmtZ81ieGHynAQzsn1We3j
wt760MsCPJ7GMT141ByQM+yW1Bx+4SG3IGjXWyqOWrcXsxAvIXkpUD/jK/L958Cg
nZEgz0BSEh0QxYLITnW1lLokSx/dTianWPFEhMC9BgijempgNXHNfcVirg1lPSyg
z7KqoKUN0oHqWLr2U1A+7kqrl6O2nx3CKs1bj1hToT1+p4kcMoHXA7kA+VBLUpEs
VwIDAQAB
-----END PUBLIC KEY-----`;

function isPublicKey(pem: string): boolean {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

export const wiseConfig = z.object({
  apiKey: secret(z.string({ error: 'apiKey is required' }).min(1, { error: 'apiKey is required' })),
  endpoint: endpointField(WISE_PRODUCTION, { sandbox: WISE_SANDBOX }),
  // A public key is no secret; it is parsed here so a pasted key that is not one fails the install.
  webhookPublicKey: multiline(
    z.string().refine(isPublicKey, { error: 'webhookPublicKey must be an RSA public key in PEM form' }),
  )
    .optional()
    .describe(
      "Wise's RSA public key (PEM) that signs webhooks; default: Wise's published sandbox key when the endpoint is the sandbox, its production key otherwise",
    ),
});

export type WiseConfig = z.infer<typeof wiseConfig>;

/** The key webhooks are checked against: the configured one, else Wise's for the endpoint's environment. */
export function webhookKeyOf(config: WiseConfig): string {
  if (config.webhookPublicKey) return config.webhookPublicKey;
  return new URL(config.endpoint).host === new URL(WISE_SANDBOX).host
    ? WISE_SANDBOX_WEBHOOK_KEY
    : WISE_PRODUCTION_WEBHOOK_KEY;
}
