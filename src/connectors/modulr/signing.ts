// Modulr's HMAC request signing: the Date, x-mod-nonce, x-mod-retry and Authorization headers of one request.
import { createHmac, randomUUID } from 'node:crypto';
import type { HmacAlgorithm } from './config.js';

export interface SigningKey {
  apiKey: string;
  apiSecret: string;
  algorithm: HmacAlgorithm;
}

/** Node's digest name of each algorithm Modulr names. */
const DIGEST: Record<HmacAlgorithm, string> = {
  'hmac-sha1': 'sha1',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
};

/**
 * The signature of a request as Modulr defines it: HMAC of `date: <Date>\nx-mod-nonce: <nonce>` with the
 * secret, base64, then URL-encoded (Modulr's helpers use URLEncoder / encodeURIComponent).
 */
export function signatureOf(key: SigningKey, date: string, nonce: string): string {
  const signed = `date: ${date}\nx-mod-nonce: ${nonce}`;
  const digest = createHmac(DIGEST[key.algorithm], key.apiSecret).update(signed, 'utf8').digest('base64');
  return encodeURIComponent(digest);
}

/**
 * The authentication headers of one request. `nonce` must be unique per request, except when the
 * request repeats an earlier one (`retry`): Modulr then answers what it answered the first time
 * instead of acting again, which is what makes payments idempotent.
 */
export function signedHeaders(
  key: SigningKey,
  options: { at: Date; nonce?: string; retry?: boolean },
): Record<string, string> {
  const date = options.at.toUTCString();
  const nonce = options.nonce ?? randomUUID();
  const signature = signatureOf(key, date, nonce);
  return {
    date,
    'x-mod-nonce': nonce,
    'x-mod-retry': String(options.retry ?? false),
    authorization: `Signature keyId="${key.apiKey}",algorithm="${key.algorithm}",headers="date x-mod-nonce",signature="${signature}"`,
  };
}
