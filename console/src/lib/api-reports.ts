// Calls to Paybridge's payment report extensions (totals, CSV export, a payment's events). Kept apart
// from api.ts's `api` object; it sends the signed-in token the same way and asks for one on a 401.
import { readResponse, UnreachableError } from './api.js';
import type { AssetTotal, PaymentEvent, PaymentEventPage } from './api-types.js';
import type { QueryExpression } from './filters.js';
import { segment } from './router.js';
import { currentToken, waitForSignIn } from './session.js';

/** GET with the token; a 401 waits for a sign-in and sends again. Answers the raw Response when ok. */
async function authorisedGet(path: string, signal?: AbortSignal): Promise<Response> {
  for (;;) {
    const token = currentToken();
    let response: Response;
    try {
      response = await fetch(path, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new UnreachableError(error);
    }
    if (response.ok) return response;
    if (response.status !== 401) {
      await readResponse(response); // throws the ApiError of the envelope
      return response;
    }
    const refusal = await readResponse(response).catch((error: unknown) => error);
    await waitForSignIn(token, refusal, refusal instanceof Error ? refusal.message : '', signal);
  }
}

const withQuery = (path: string, query: QueryExpression | undefined) =>
  query ? `${path}?query=${encodeURIComponent(JSON.stringify(query))}` : path;

export async function paymentTotals(
  query: QueryExpression | undefined,
  signal?: AbortSignal,
): Promise<AssetTotal[]> {
  const response = await authorisedGet(withQuery('/v3/payments/totals', query), signal);
  const body = (await readResponse(response)) as { data: AssetTotal[] };
  return body.data;
}

export async function paymentEvents(
  paymentID: string,
  options: { pageSize?: number; cursor?: string } = {},
  signal?: AbortSignal,
): Promise<PaymentEventPage> {
  const search = new URLSearchParams({ pageSize: String(options.pageSize ?? 50) });
  if (options.cursor) search.set('cursor', options.cursor);
  const response = await authorisedGet(`/v3/payments/${segment(paymentID)}/events?${search}`, signal);
  return ((await readResponse(response)) as { cursor: PaymentEventPage }).cursor;
}

export type { PaymentEvent };

/**
 * Downloads the CSV of every payment the filter matches. The service streams it; the browser keeps it
 * as a Blob until it is saved (a plain link could not carry the bearer token).
 */
export async function downloadPaymentsCsv(query: QueryExpression | undefined): Promise<void> {
  const response = await authorisedGet(withQuery('/v3/payments/export.csv', query));
  const blob = await response.blob();
  const name =
    /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'payments.csv';
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next turn: the click has started the download by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
