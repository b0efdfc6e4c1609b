// Config fields every connector shares: the PSP base URL (`endpoint`), optional, defaulting to the PSP's documented one.
import { z } from 'zod';
import { secretDestination } from './registry.js';

/** The key of the PSP base URL in every HTTP connector's config (tests, sandboxes and proxies set it). */
export const ENDPOINT_FIELD = 'endpoint';

function checkedUrl(url: string, what: string): string {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new Error(`endpointField: the ${what} '${url}' is not an http:// or https:// URL`);
  }
  return url;
}

/**
 * The `endpoint` config field: an http:// or https:// URL, optional, defaulting to `defaultUrl`, the
 * base URL the PSP documents (its production API; its sandbox when the PSP has no shared production
 * host, or sandboxes are what installs use first). `sandbox` names the PSP's sandbox URL for the
 * field's description, so catalogues and forms can offer it. The field is a secret destination: an
 * update that changes it must send every secret again, and an allow list must name its host.
 *
 * ```ts
 * export const acmeConfig = z.object({
 *   apiKey: secret(z.string().min(1)),
 *   endpoint: endpointField('https://api.acme.com/v2', { sandbox: 'https://sandbox.acme.com/v2' }),
 * });
 * ```
 *
 * A connector with no shared default (Generic: every integration service is the operator's own) keeps
 * a required `z.url()` under the same name. A connector that makes no HTTP call (DummyPay reads files)
 * has no endpoint and says `http: false` in its registration.
 */
export function endpointField(defaultUrl: string, options: { sandbox?: string } = {}) {
  checkedUrl(defaultUrl, 'default');
  if (options.sandbox !== undefined) checkedUrl(options.sandbox, 'sandbox URL');
  const url = secretDestination(
    z.url({ protocol: /^https?$/, error: 'endpoint must be an http:// or https:// URL' }),
  );
  const description =
    `The PSP's base URL (default ${defaultUrl}` +
    (options.sandbox === undefined ? ')' : `; sandbox ${options.sandbox})`);
  return url.default(defaultUrl).describe(description);
}
