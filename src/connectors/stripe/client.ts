// The only module that talks to Stripe: the official SDK, its HTTP through the engine's fetch, every error typed.
import Stripe from 'stripe';
import type { PspFetch } from '../sdk/context.js';
import { errorFromPspSdk } from '../sdk/sdk-errors.js';
import type { StripeConfig } from './config.js';

/** One page of a Stripe list, as the SDK answers it. */
export interface StripePage<T> {
  data: T[];
  has_more: boolean;
}

/** Where a list call stands: `starting_after` (older than), `ending_before` (newer than), `created`. */
export interface ListParams {
  limit: number;
  starting_after?: string;
  ending_before?: string;
  created?: number | { gte?: number };
}

/** The connected account a call is made for (Stripe-Account); undefined for the platform. */
export type On = string | undefined;

/**
 * Builds the SDK on `fetch` (the engine's instrumented fetch: budget, metrics, capture) and the config's
 * endpoint, at the API version the SDK is pinned to. The SDK does not retry (the engine retries reads on its schedule, and writes are repeated by
 * the engine with the same idempotency key), and sends no telemetry.
 */
export function stripeSdk(config: StripeConfig, fetch: PspFetch): Stripe {
  const url = new URL(config.endpoint);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.apiKey, {
    httpClient: Stripe.createFetchHttpClient((input, init) =>
      fetch(input instanceof Request ? input.url : input, init),
    ),
    host: url.hostname,
    port: url.port || (protocol === 'http' ? '80' : '443'),
    protocol,
    maxNetworkRetries: 0,
    telemetry: false,
    timeout: 60_000,
  });
}

/** Runs one SDK call and turns whatever it throws into the kit's typed errors (keys are never in them). */
export async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw errorFromPspSdk(error, { psp: 'Stripe' });
  }
}

const on = (account: On): Stripe.RequestOptions => (account ? { stripeAccount: account } : {});

export class StripeClient {
  readonly sdk: Stripe;

  constructor(config: StripeConfig, fetch: PspFetch) {
    this.sdk = stripeSdk(config, fetch);
  }

  /** The platform account (GET /v1/account): the install's credentials check. */
  platformAccount(): Promise<Stripe.Account> {
    return call(() => this.sdk.accounts.retrieveCurrent());
  }

  /** Connected accounts; `created` is always set on them (only the platform's own may lack it). */
  async connectedAccounts(params: ListParams): Promise<StripePage<Stripe.Account & { created: number }>> {
    const page = await call(() => this.sdk.accounts.list(params as Stripe.AccountListParams));
    return { ...page, data: page.data.map((a) => ({ ...a, created: a.created ?? 0 })) };
  }

  balance(account: On): Promise<Stripe.Balance> {
    return call(() => this.sdk.balance.retrieve({}, on(account)));
  }

  externalAccounts(
    account: string,
    params: ListParams,
  ): Promise<StripePage<Stripe.BankAccount | Stripe.Card>> {
    return call(() =>
      this.sdk.accounts.listExternalAccounts(account, params as Stripe.AccountListExternalAccountsParams),
    );
  }

  balanceTransactions(account: On, params: ListParams): Promise<StripePage<Stripe.BalanceTransaction>> {
    return call(() =>
      this.sdk.balanceTransactions.list(
        { ...(params as Stripe.BalanceTransactionListParams), expand: ['data.source'] },
        on(account),
      ),
    );
  }

  createTransfer(body: Stripe.TransferCreateParams, idempotencyKey: string): Promise<Stripe.Transfer> {
    return call(() => this.sdk.transfers.create(body, { idempotencyKey }));
  }

  getTransfer(id: string): Promise<Stripe.Transfer> {
    return call(() => this.sdk.transfers.retrieve(id));
  }

  /** The transfers of a transfer group (the initiation's reference), newest first. */
  async transfersOfGroup(group: string): Promise<Stripe.Transfer[]> {
    return (await call(() => this.sdk.transfers.list({ transfer_group: group, limit: 10 }))).data;
  }

  reverseTransfer(
    transfer: string,
    body: Stripe.TransferCreateReversalParams,
    idempotencyKey: string,
  ): Promise<Stripe.TransferReversal> {
    return call(() => this.sdk.transfers.createReversal(transfer, body, { idempotencyKey }));
  }

  createPayout(body: Stripe.PayoutCreateParams, account: On, idempotencyKey: string): Promise<Stripe.Payout> {
    return call(() => this.sdk.payouts.create(body, { ...on(account), idempotencyKey }));
  }

  getPayout(id: string, account: On): Promise<Stripe.Payout> {
    return call(() => this.sdk.payouts.retrieve(id, {}, on(account)));
  }

  createWebhookEndpoint(body: Stripe.WebhookEndpointCreateParams): Promise<Stripe.WebhookEndpoint> {
    return call(() => this.sdk.webhookEndpoints.create(body));
  }

  /** Every webhook endpoint of the account (Stripe allows 16), walked with starting_after. */
  async webhookEndpoints(): Promise<Stripe.WebhookEndpoint[]> {
    const all: Stripe.WebhookEndpoint[] = [];
    for (let after: string | undefined; ;) {
      const page = await call(() =>
        this.sdk.webhookEndpoints.list({ limit: 100, ...(after ? { starting_after: after } : {}) }),
      );
      all.push(...page.data);
      after = page.data.at(-1)?.id;
      if (!page.has_more || !after) return all;
    }
  }

  async deleteWebhookEndpoint(id: string): Promise<void> {
    await call(() => this.sdk.webhookEndpoints.del(id));
  }
}
