// The files `connector new` writes: a connector folder in the house shape, compiling and registering as generated.
import type { Capability } from '../../connectors/sdk/capabilities.js';

/** What an author can ask `connector new` for, by the name `--capabilities` takes. */
export const PARTS = {
  accounts: { capabilities: ['FETCH_ACCOUNTS'], file: 'accounts.ts' },
  balances: { capabilities: ['FETCH_BALANCES'], file: 'balances.ts' },
  'external-accounts': { capabilities: ['FETCH_EXTERNAL_ACCOUNTS'], file: 'external-accounts.ts' },
  payments: { capabilities: ['FETCH_PAYMENTS'], file: 'payments.ts' },
  transfers: { capabilities: ['CREATE_TRANSFER'], file: 'transfers.ts' },
  payouts: { capabilities: ['CREATE_PAYOUT'], file: 'payouts.ts' },
  'bank-accounts': { capabilities: ['CREATE_BANK_ACCOUNT'], file: 'bank-accounts.ts' },
  webhooks: { capabilities: ['CREATE_WEBHOOKS', 'TRANSLATE_WEBHOOKS'], file: 'webhooks.ts' },
} as const satisfies Record<string, { capabilities: Capability[]; file: string }>;

export type Part = keyof typeof PARTS;
export const PART_NAMES = Object.keys(PARTS) as Part[];
/** Formance's template set: the four listings, transfers and payouts. */
export const DEFAULT_PARTS: Part[] = [
  'accounts',
  'balances',
  'external-accounts',
  'payments',
  'transfers',
  'payouts',
];

export interface Names {
  /** `acme`: provider id, folder, and the prefix of exported values (`acmeConfig`). */
  provider: string;
  /** `Acme`: the prefix of classes and types. */
  type: string;
}

export function namesOf(provider: string): Names {
  return { provider, type: provider.charAt(0).toUpperCase() + provider.slice(1) };
}

const has = (parts: Part[], ...wanted: Part[]) => wanted.some((part) => parts.includes(part));
const lines = (...chunks: (string | false)[]) => chunks.filter((c) => c !== false).join('\n');

export function indexFile(n: Names, parts: Part[]): string {
  const capabilities = parts.flatMap((part) => PARTS[part].capabilities);
  return lines(
    `// Registers the ${n.type} connector: provider id, capabilities, config schema, page size and factory.`,
    `import { registerConnector } from '../sdk/registry.js';`,
    `import { ${n.provider}Config } from './config.js';`,
    `import { ${n.type}Connector } from './connector.js';`,
    ``,
    `registerConnector({`,
    `  provider: '${n.provider}',`,
    `  capabilities: [${capabilities.map((c) => `'${c}'`).join(', ')}],`,
    `  config: ${n.provider}Config,`,
    `  // TODO: the largest page ${n.type}'s list endpoints serve.`,
    `  pageSize: 100,`,
    has(parts, 'webhooks') &&
      `  // verifyWebhook checks an HMAC against the secret kept in the webhook config: no call out.\n  webhooks: { verification: 'local' },`,
    `  create: (config, context) => new ${n.type}Connector(config, context),`,
    `});`,
    ``,
  );
}

/**
 * The config: a secret apiKey and the endpoint. With the SDK's `endpointField` (sdk/config.ts) the
 * endpoint is that field; in a checkout without it, a plain optional URL with the same default.
 */
export function configFile(n: Names, endpointField: boolean): string {
  const endpoint = endpointField
    ? `  // Every connector takes an endpoint, so tests, sandboxes and proxies can point it elsewhere.\n  endpoint: endpointField(DEFAULT_ENDPOINT),`
    : `  // Every connector takes an endpoint, so tests, sandboxes and proxies can point it elsewhere.\n  endpoint: z\n    .url({ protocol: /^https?$/, error: 'endpoint must be an http:// or https:// URL' })\n    .default(DEFAULT_ENDPOINT),`;
  return lines(
    `// Install-time config of the ${n.type} connector: its API key (a secret) and its base URL.`,
    `import { z } from 'zod';`,
    endpointField && `import { endpointField } from '../sdk/config.js';`,
    `import { secret } from '../sdk/registry.js';`,
    ``,
    `/** TODO: ${n.type}'s documented production (or sandbox) base URL. */`,
    `export const DEFAULT_ENDPOINT = 'https://api.${n.provider}.example';`,
    ``,
    `export const ${n.provider}Config = z.object({`,
    `  apiKey: secret(z.string({ error: 'apiKey is required' }).min(1, { error: 'apiKey is required' })),`,
    endpoint,
    `});`,
    ``,
    `export type ${n.type}Config = z.infer<typeof ${n.provider}Config>;`,
    ``,
  );
}

export function workflowFile(n: Names, parts: Part[]): string {
  const node = (type: string, name: string, children = '[]', periodic = true) =>
    `{ type: '${type}', name: '${name}', periodic: ${periodic}, children: ${children} }`;
  const roots: string[] = [];
  if (has(parts, 'webhooks')) roots.push(node('CREATE_WEBHOOKS', 'create_webhooks', '[]', false));
  if (has(parts, 'accounts')) {
    const children = has(parts, 'balances') ? `[${node('FETCH_BALANCES', 'fetch_balances')}]` : '[]';
    roots.push(node('FETCH_ACCOUNTS', 'fetch_accounts', children));
  }
  if (has(parts, 'external-accounts')) roots.push(node('FETCH_EXTERNAL_ACCOUNTS', 'fetch_external_accounts'));
  if (has(parts, 'payments')) roots.push(node('FETCH_PAYMENTS', 'fetch_payments'));
  const shape = roots.length
    ? 'polled listings; a child node runs once per item of its parent'
    : 'no listings (writes only)';
  return `// The ${n.type} task tree: ${shape}.
import type { TaskNode } from '../sdk/contract.js';

export function ${n.provider}Workflow(): TaskNode[] {
  return [${roots.join(', ')}];
}
`;
}

export function clientFile(n: Names, parts: Part[]): string {
  const listing = has(parts, 'accounts', 'external-accounts', 'payments');
  const writes = has(parts, 'transfers', 'payouts', 'bank-accounts', 'webhooks');
  const reads = listing || has(parts, 'balances');
  const methods: string[] = [];
  if (has(parts, 'accounts'))
    methods.push(
      `listAccounts(query: PageQuery): Promise<unknown> {\n    return this.get('/accounts', query);\n  }`,
    );
  if (has(parts, 'balances'))
    methods.push(
      `balances(accountId: string): Promise<unknown> {\n    return this.get(\`/accounts/\${encodeURIComponent(accountId)}/balances\`);\n  }`,
    );
  if (has(parts, 'external-accounts'))
    methods.push(
      `listExternalAccounts(query: PageQuery): Promise<unknown> {\n    return this.get('/beneficiaries', query);\n  }`,
    );
  if (has(parts, 'payments'))
    methods.push(
      `listPayments(query: PageQuery): Promise<unknown> {\n    return this.get('/transactions', query);\n  }`,
    );
  if (has(parts, 'transfers'))
    methods.push(
      `createTransfer(body: unknown, idempotencyKey: string): Promise<unknown> {\n    return this.post('/transfers', body, idempotencyKey);\n  }`,
    );
  if (has(parts, 'payouts'))
    methods.push(
      `createPayout(body: unknown, idempotencyKey: string): Promise<unknown> {\n    return this.post('/payouts', body, idempotencyKey);\n  }`,
    );
  if (has(parts, 'bank-accounts'))
    methods.push(
      `createBankAccount(body: unknown, idempotencyKey: string): Promise<unknown> {\n    return this.post('/bank-accounts', body, idempotencyKey);\n  }`,
    );
  if (has(parts, 'webhooks'))
    methods.push(
      `/** Registering the same URL again must answer the same registration (the task may run twice). */\n  createWebhook(url: string): Promise<unknown> {\n    return this.post('/webhooks', { url }, url);\n  }`,
      `async deleteWebhook(id: string): Promise<void> {\n    await this.call(\`/webhooks/\${encodeURIComponent(id)}\`, { method: 'DELETE', headers: this.headers, retry: WRITE_RETRY });\n  }`,
    );
  if (reads)
    methods.push(`private get(path: string, query?: PageQuery): Promise<unknown> {
    const search = query
      ? \`?\${new URLSearchParams({ page: String(query.page), pageSize: String(query.pageSize) }).toString()}\`
      : '';
    return this.call(\`\${path}\${search}\`, { method: 'GET', headers: this.headers, retry: READ_RETRY });
  }`);
  if (writes)
    methods.push(`/** TODO: how ${n.type} takes an idempotency key (a header here; some PSPs want a body field). */
  private post(path: string, body: unknown, idempotencyKey: string): Promise<unknown> {
    return this.call(path, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      retry: WRITE_RETRY,
    });
  }`);
  methods.push(`/**
   * One cheap authenticated read (TODO: the cheapest ${n.type} has). Install calls it, so a wrong endpoint
   * or key is refused then, with the PSP's reason, instead of failing every run afterwards.
   */
  async check(): Promise<void> {
    await this.call('/accounts?page=1&pageSize=1', { method: 'GET', headers: this.headers });
  }`);
  methods.push(`private call(path: string, options: PspRequestOptions): Promise<unknown> {
    // Through the context's fetch, never the global one: the engine and the runner see every call.
    return pspRequest(this.fetch, \`\${this.base}\${path}\`, options);
  }`);
  return lines(
    `// The only module that speaks HTTP to ${n.type}: its base URL, credentials, and one method per endpoint used.`,
    `import type { PspFetch } from '../sdk/context.js';`,
    `import { pspRequest, type PspRequestOptions } from '../sdk/http.js';`,
    `import type { ${n.type}Config } from './config.js';`,
    ``,
    reads && `// Reads are safe to repeat, so a blip is ridden out inside the call.`,
    reads && `const READ_RETRY = { attempts: 3, baseDelayMs: 100 };`,
    writes && `// Writes carry an idempotency key the PSP honours, so repeating one cannot move money twice.`,
    writes && `const WRITE_RETRY = { attempts: 2, baseDelayMs: 200 };`,
    (reads || writes) && ``,
    listing &&
      `/** TODO: ${n.type}'s paging parameters (page/size here; a cursor or \`starting_after\` elsewhere). */`,
    listing && `export interface PageQuery {\n  page: number;\n  pageSize: number;\n}\n`,
    !listing && has(parts, 'balances') && `interface PageQuery {\n  page: number;\n  pageSize: number;\n}\n`,
    `export class ${n.type}Client {`,
    `  private readonly base: string;`,
    `  private readonly headers: Record<string, string>;`,
    ``,
    `  constructor(`,
    `    config: ${n.type}Config,`,
    `    private readonly fetch: PspFetch,`,
    `  ) {`,
    `    this.base = config.endpoint.replace(/\\/+$/, '');`,
    `    // TODO: ${n.type}'s authentication scheme.`,
    `    this.headers = { authorization: \`Bearer \${config.apiKey}\`, accept: 'application/json' };`,
    `  }`,
    ``,
    `  ${methods.join('\n\n  ')}`,
    `}`,
    ``,
  );
}

export function pagingFile(n: Names): string {
  return `// Page-number paging shared by the ${n.type} listings: the state a listing keeps and how a page maps.
import { z } from 'zod';
import type { SkippedRecord } from '../sdk/contract.js';
import { UpstreamError } from '../sdk/errors.js';

/**
 * Where a listing stopped: the next page to read. TODO: a cursor or a timestamp watermark if ${n.type} has
 * one; page numbers re-read the last page on every poll (items come again, which the engine absorbs).
 */
const pageState = z.object({ page: z.number().int().min(1) });
export type PageState = z.infer<typeof pageState>;

/** The state a listing saved, or the first page (no state yet, or a state of an older shape). */
export function readPageState(state: unknown): PageState {
  const parsed = pageState.safeParse(state);
  return parsed.success ? parsed.data : { page: 1 };
}

/** A list answer as its records, or an UpstreamError naming the endpoint. */
export function asPage(body: unknown, endpoint: string): unknown[] {
  if (!Array.isArray(body)) throw new UpstreamError(\`\${endpoint} did not answer with a JSON array\`);
  return body;
}

/** A full page may have more behind it; a short one ends the listing until the next poll. */
export function nextPage(state: PageState, count: number, pageSize: number) {
  const full = count >= pageSize;
  return { newState: { page: full ? state.page + 1 : state.page }, hasMore: full };
}

/**
 * Maps records one by one: a record that does not parse, or that \`map\` refuses (undefined), is skipped
 * and reported on the run, never fatal to the page.
 */
export function mapRecords<R, T>(
  records: unknown[],
  schema: z.ZodType<R>,
  map: (record: R, raw: Record<string, unknown>) => T | string,
): { items: T[]; skipped: SkippedRecord[] } {
  const items: T[] = [];
  const skipped: SkippedRecord[] = [];
  records.forEach((raw, position) => {
    const id = z.object({ id: z.string() }).safeParse(raw);
    const reference = id.success ? id.data.id : \`#\${position}\`;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      skipped.push({ reference, reason: parsed.error.issues.map((i) => \`\${i.path.join('.')}: \${i.message}\`).join('; ') });
      return;
    }
    const mapped = map(parsed.data, raw as Record<string, unknown>);
    if (typeof mapped === 'string') skipped.push({ reference, reason: mapped });
    else items.push(mapped);
  });
  return { items, skipped };
}
`;
}

export function mappingFile(n: Names): string {
  return `// ${n.type} values to Paybridge's: statuses, types and assets (each table is in MAPPING.md too).
import { assetFromCurrency } from '../../domain/assets.js';
import type { PaymentStatus, PaymentType } from '../../domain/enums.js';

/** TODO: every status ${n.type} documents; one missing here maps to OTHER. */
export const STATUSES: Record<string, PaymentStatus> = {
  pending: 'PENDING',
  succeeded: 'SUCCEEDED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
};

/** TODO: every payment type ${n.type} documents; one missing here maps to OTHER. */
export const TYPES: Record<string, PaymentType> = {
  payin: 'PAY-IN',
  payout: 'PAYOUT',
  transfer: 'TRANSFER',
};

export function toPaymentStatus(status: string): PaymentStatus {
  return STATUSES[status] ?? 'OTHER';
}

export function toPaymentType(type: string): PaymentType {
  return TYPES[type] ?? 'OTHER';
}

/** An ISO 4217 code as an asset with its minor units (\`EUR\` → \`EUR/2\`); undefined for an unknown code. */
export function toAsset(currency: string): string | undefined {
  return assetFromCurrency(currency.toUpperCase());
}

/** Metadata keys this connector adds to what the PSP sends live under its own namespace. */
export const METADATA_PREFIX = 'com.${n.provider}.spec/';
`;
}

export function accountListingFile(n: Names, kind: 'accounts' | 'external-accounts'): string {
  const external = kind === 'external-accounts';
  const fn = external ? 'fetchExternalAccounts' : 'fetchAccounts';
  const call = external ? 'listExternalAccounts' : 'listAccounts';
  const endpoint = external ? 'GET /beneficiaries' : 'GET /accounts';
  const what = external ? 'beneficiaries (external accounts)' : 'accounts';
  return `// ${n.type} ${what} → PspAccount, one page per call (fields in MAPPING.md).
import { z } from 'zod';
import type { FetchNextRequest, FetchNextResponse, PspAccount } from '../sdk/contract.js';
import type { ${n.type}Client } from './client.js';
import { toAsset } from './mapping.js';
import { asPage, mapRecords, nextPage, readPageState } from './paging.js';

/** TODO: ${external ? 'a beneficiary' : 'an account'} as ${n.type}'s API documents it (only what the mapping reads). */
const record = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  currency: z.string().optional(),
  created_at: z.iso.datetime({ offset: true }),
});

export async function ${fn}(
  client: ${n.type}Client,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const state = readPageState(request.state);
  const records = asPage(await client.${call}({ page: state.page, pageSize: request.pageSize }), '${endpoint}');
  const { items, skipped } = mapRecords(records, record, (account, raw): PspAccount | string => {
    const defaultAsset = account.currency === undefined ? undefined : toAsset(account.currency);
    if (account.currency !== undefined && defaultAsset === undefined) return \`unknown currency \${account.currency}\`;
    return {
      reference: account.id,
      createdAt: new Date(account.created_at),
      ...(account.name === undefined ? {} : { name: account.name }),
      ...(defaultAsset === undefined ? {} : { defaultAsset }),
      metadata: {},
      raw,
    };
  });
  return { items, skipped, ...nextPage(state, records.length, request.pageSize) };
}
`;
}

export function balancesFile(n: Names): string {
  return `// ${n.type} balances → PspBalance: one call per account (a child of fetch_accounts), no paging.
import { z } from 'zod';
import type { Clock } from '../sdk/context.js';
import type { FetchNextRequest, FetchNextResponse, PspBalance } from '../sdk/contract.js';
import { MissingFromPayloadError } from '../sdk/errors.js';
import type { ${n.type}Client } from './client.js';
import { toAsset } from './mapping.js';
import { asPage, mapRecords } from './paging.js';

/** The parent account, as the engine hands it to a child task. */
const parentAccount = z.object({ reference: z.string().min(1) });

/** TODO: a balance as ${n.type}'s API documents it; \`amount\` in minor units as an integer string. */
const record = z.object({ currency: z.string(), amount: z.string().regex(/^-?\\d+$/) });

export async function fetchBalances(
  client: ${n.type}Client,
  clock: Clock,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspBalance>> {
  const parent = parentAccount.safeParse(request.fromPayload?.payload);
  if (!parent.success) throw new MissingFromPayloadError();
  const reference = parent.data.reference;
  const records = asPage(await client.balances(reference), 'GET /accounts/{id}/balances');
  const at = clock.now();
  const { items, skipped } = mapRecords(records, record, (balance): PspBalance | string => {
    const asset = toAsset(balance.currency);
    if (asset === undefined) return \`unknown currency \${balance.currency}\`;
    return { accountReference: reference, createdAt: at, amount: BigInt(balance.amount), asset };
  });
  return { items, skipped, newState: {}, hasMore: false };
}
`;
}

export function paymentsFile(n: Names): string {
  return `// ${n.type} transactions → PspPayment, one page per call (fields and statuses in MAPPING.md).
import { z } from 'zod';
import type { FetchNextRequest, FetchNextResponse, PspPayment } from '../sdk/contract.js';
import type { ${n.type}Client } from './client.js';
import { toAsset, toPaymentStatus, toPaymentType } from './mapping.js';
import { asPage, mapRecords, nextPage, readPageState } from './paging.js';

/** TODO: a transaction as ${n.type}'s API documents it; \`amount\` in minor units as an integer string. */
const record = z.object({
  id: z.string().min(1),
  type: z.string(),
  status: z.string(),
  amount: z.string().regex(/^\\d+$/),
  currency: z.string(),
  created_at: z.iso.datetime({ offset: true }),
  source_account_id: z.string().optional(),
  destination_account_id: z.string().optional(),
});

export async function fetchPayments(
  client: ${n.type}Client,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspPayment>> {
  const state = readPageState(request.state);
  const records = asPage(await client.listPayments({ page: state.page, pageSize: request.pageSize }), 'GET /transactions');
  const { items, skipped } = mapRecords(records, record, (tx, raw): PspPayment | string => {
    const asset = toAsset(tx.currency);
    if (asset === undefined) return \`unknown currency \${tx.currency}\`;
    return {
      reference: tx.id,
      createdAt: new Date(tx.created_at),
      type: toPaymentType(tx.type),
      amount: BigInt(tx.amount),
      asset,
      scheme: 'OTHER',
      status: toPaymentStatus(tx.status),
      ...(tx.source_account_id === undefined ? {} : { sourceAccountReference: tx.source_account_id }),
      ...(tx.destination_account_id === undefined
        ? {}
        : { destinationAccountReference: tx.destination_account_id }),
      metadata: {},
      raw,
    };
  });
  return { items, skipped, ...nextPage(state, records.length, request.pageSize) };
}
`;
}

export function movementFile(n: Names, kind: 'transfers' | 'payouts'): string {
  const payout = kind === 'payouts';
  const type = payout ? 'PAYOUT' : 'TRANSFER';
  const fn = payout ? 'createPayout' : 'createTransfer';
  const noun = payout ? 'payout' : 'transfer';
  return `// ${n.type} ${kind}: a payment initiation → POST /${kind}, the answer → PspPayment.
import { z } from 'zod';
import type { CreateTransferRequest, CreateTransferResponse } from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import type { ${n.type}Client } from './client.js';
import { toPaymentStatus } from './mapping.js';

/** TODO: ${n.type}'s answer to a ${noun} (only what the mapping reads). */
const answer = z.object({ id: z.string().min(1), status: z.string(), created_at: z.iso.datetime({ offset: true }) });

export async function ${fn}(
  client: ${n.type}Client,
  request: CreateTransferRequest,
): Promise<CreateTransferResponse> {
  const pi = request.paymentInitiation;
  // Refusals here never reach the PSP, so nothing can have moved.
  if (!pi.sourceAccount) throw new InvalidRequestError('a source account is required');
  if (!pi.destinationAccount) throw new InvalidRequestError('a destination account is required');
  if (pi.amount <= 0n) throw new InvalidRequestError('the amount must be greater than zero');
  // TODO: ${n.type}'s request body.
  const raw = await client.${fn}(
    {
      reference: pi.reference,
      amount: pi.amount.toString(),
      asset: pi.asset,
      source: pi.sourceAccount.reference,
      destination: pi.destinationAccount.reference,
      description: pi.description,
      metadata: pi.metadata,
    },
    request.idempotencyKey,
  );
  const parsed = answer.safeParse(raw);
  // The PSP took the request but its answer is unreadable: the outcome is unknown, not a refusal.
  if (!parsed.success) throw new UpstreamError(\`the ${noun} answer is unreadable: \${parsed.error.message}\`);
  return {
    payment: {
      reference: parsed.data.id,
      createdAt: new Date(parsed.data.created_at),
      type: '${type}',
      amount: pi.amount,
      asset: pi.asset,
      scheme: 'OTHER',
      status: toPaymentStatus(parsed.data.status),
      sourceAccountReference: pi.sourceAccount.reference,
      destinationAccountReference: pi.destinationAccount.reference,
      metadata: pi.metadata,
      raw,
    },
  };
}
`;
}

export function bankAccountsFile(n: Names): string {
  return `// ${n.type} bank accounts: Paybridge's bank account → POST /bank-accounts, the answer → the related PspAccount.
import { z } from 'zod';
import type { CreateBankAccountRequest, CreateBankAccountResponse } from '../sdk/contract.js';
import { UpstreamError } from '../sdk/errors.js';
import type { ${n.type}Client } from './client.js';

/** TODO: ${n.type}'s answer to a new bank account (only what the mapping reads). */
const answer = z.object({ id: z.string().min(1), created_at: z.iso.datetime({ offset: true }) });

export async function createBankAccount(
  client: ${n.type}Client,
  request: CreateBankAccountRequest,
): Promise<CreateBankAccountResponse> {
  const account = request.bankAccount;
  // TODO: ${n.type}'s request body. Send only what the PSP needs: these are personal data.
  const raw = await client.createBankAccount(
    {
      name: account.name,
      account_number: account.accountNumber,
      iban: account.iban,
      bic: account.swiftBicCode,
      country: account.country,
    },
    request.idempotencyKey,
  );
  const parsed = answer.safeParse(raw);
  if (!parsed.success) throw new UpstreamError(\`the bank account answer is unreadable: \${parsed.error.message}\`);
  return {
    relatedAccount: {
      reference: parsed.data.id,
      createdAt: new Date(parsed.data.created_at),
      name: account.name,
      metadata: {},
      raw: parsed.data,
    },
  };
}
`;
}

export function webhooksFile(n: Names): string {
  return `// ${n.type} webhooks: registration (CREATE_WEBHOOKS), signature verification and translation into items.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type {
  CreateWebhooksRequest,
  CreateWebhooksResponse,
  TranslateWebhookResponse,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  WebhookConfig,
} from '../sdk/contract.js';
import { UpstreamError, WebhookVerificationError } from '../sdk/errors.js';
import type { ${n.type}Client } from './client.js';

/** TODO: ${n.type}'s answer to a webhook registration. */
const registration = z.object({ id: z.string().min(1), secret: z.string().min(1) });

/** TODO: the header ${n.type} signs deliveries in. */
const SIGNATURE_HEADER = 'x-${n.provider}-signature';

export async function createWebhooks(
  client: ${n.type}Client,
  request: CreateWebhooksRequest,
): Promise<CreateWebhooksResponse> {
  const urlPath = '/events';
  const parsed = registration.safeParse(await client.createWebhook(\`\${request.webhookBaseUrl}\${urlPath}\`));
  if (!parsed.success) throw new UpstreamError(\`the webhook registration answer is unreadable\`);
  return {
    configs: [{ name: 'events', urlPath, metadata: { webhookId: parsed.data.id, secret: parsed.data.secret } }],
    others: [],
  };
}

export async function deleteWebhooks(client: ${n.type}Client, configs: WebhookConfig[]): Promise<void> {
  for (const config of configs) {
    const id = config.metadata.webhookId;
    if (id) await client.deleteWebhook(id);
  }
}

/**
 * An HMAC-SHA256 of the body with the registration's secret, compared in constant time. TODO: check a
 * signed timestamp against \`receivedAt\` (stale deliveries) and answer the event id as the idempotency key
 * (replays), as ${n.type} documents them.
 */
export function verifyWebhook(request: VerifyWebhookRequest): VerifyWebhookResponse {
  const secret = request.config.metadata.secret;
  const signature = request.webhook.headers[SIGNATURE_HEADER]?.[0];
  if (!secret || !signature) throw new WebhookVerificationError('the delivery is not signed');
  const expected = Buffer.from(createHmac('sha256', secret).update(request.webhook.body).digest('hex'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new WebhookVerificationError('the signature does not match');
  return {};
}

/** TODO: each ${n.type} event type as the items it changes (see MAPPING.md, Webhooks). */
export function translateWebhook(_request: VerifyWebhookRequest): TranslateWebhookResponse {
  return { responses: [] };
}
`;
}

export function connectorFile(n: Names, parts: Part[]): string {
  const contract = new Set(['InstallResponse']);
  const imports: string[] = [];
  const methods: string[] = [];
  const fetchMethod = (method: string, item: string, call: string) => {
    contract.add('FetchNextRequest').add('FetchNextResponse').add(item);
    methods.push(
      `override ${method}(request: FetchNextRequest): Promise<FetchNextResponse<${item}>> {\n    return ${call};\n  }`,
    );
  };
  if (has(parts, 'accounts')) {
    imports.push(`import { fetchAccounts } from './accounts.js';`);
    fetchMethod('fetchNextAccounts', 'PspAccount', 'fetchAccounts(this.client, request)');
  }
  if (has(parts, 'balances')) {
    imports.push(`import { fetchBalances } from './balances.js';`);
    fetchMethod('fetchNextBalances', 'PspBalance', 'fetchBalances(this.client, this.clock, request)');
  }
  if (has(parts, 'external-accounts')) {
    imports.push(`import { fetchExternalAccounts } from './external-accounts.js';`);
    fetchMethod('fetchNextExternalAccounts', 'PspAccount', 'fetchExternalAccounts(this.client, request)');
  }
  if (has(parts, 'payments')) {
    imports.push(`import { fetchPayments } from './payments.js';`);
    fetchMethod('fetchNextPayments', 'PspPayment', 'fetchPayments(this.client, request)');
  }
  for (const [part, fn] of [
    ['transfers', 'createTransfer'],
    ['payouts', 'createPayout'],
  ] as const) {
    if (!has(parts, part)) continue;
    contract.add('CreateTransferRequest').add('CreateTransferResponse');
    imports.push(`import { ${fn} } from './${part}.js';`);
    methods.push(
      `override ${fn}(request: CreateTransferRequest): Promise<CreateTransferResponse> {\n    return ${fn}(this.client, request);\n  }`,
    );
  }
  if (has(parts, 'bank-accounts')) {
    contract.add('CreateBankAccountRequest').add('CreateBankAccountResponse');
    imports.push(`import { createBankAccount } from './bank-accounts.js';`);
    methods.push(
      `override createBankAccount(request: CreateBankAccountRequest): Promise<CreateBankAccountResponse> {\n    return createBankAccount(this.client, request);\n  }`,
    );
  }
  const webhooks = has(parts, 'webhooks');
  if (webhooks) {
    for (const t of [
      'CreateWebhooksRequest',
      'CreateWebhooksResponse',
      'VerifyWebhookRequest',
      'VerifyWebhookResponse',
      'TranslateWebhookResponse',
      'UninstallRequest',
    ])
      contract.add(t);
    imports.push(
      `import { createWebhooks, deleteWebhooks, translateWebhook, verifyWebhook } from './webhooks.js';`,
    );
    methods.push(
      `override createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse> {\n    return createWebhooks(this.client, request);\n  }`,
      `override async verifyWebhook(request: VerifyWebhookRequest): Promise<VerifyWebhookResponse> {\n    return verifyWebhook(request);\n  }`,
      `override async translateWebhook(request: VerifyWebhookRequest & { name: string }): Promise<TranslateWebhookResponse> {\n    return translateWebhook(request);\n  }`,
    );
  }
  const uninstall = webhooks
    ? `// The registrations CREATE_WEBHOOKS made are removed at the PSP.\n  override async uninstall(request: UninstallRequest): Promise<void> {\n    await deleteWebhooks(this.client, request.webhookConfigs);\n  }`
    : `override async uninstall(): Promise<void> {\n    // Nothing was created at the PSP, so nothing to remove.\n  }`;
  const usesClock = has(parts, 'balances');
  return lines(
    `// The ${n.type} connector: each operation delegates to the module of its capability.`,
    `import { BaseConnector } from '../sdk/base.js';`,
    `import type { ${usesClock ? 'Clock, ' : ''}ConnectorContext } from '../sdk/context.js';`,
    `import type { ${[...contract].sort().join(', ')} } from '../sdk/contract.js';`,
    ...imports.sort(),
    `import { ${n.type}Client } from './client.js';`,
    `import type { ${n.type}Config } from './config.js';`,
    `import { ${n.provider}Workflow } from './workflow.js';`,
    ``,
    `export class ${n.type}Connector extends BaseConnector {`,
    `  private readonly client: ${n.type}Client;`,
    usesClock && `  private readonly clock: Clock;`,
    ``,
    `  constructor(config: ${n.type}Config, context: ConnectorContext) {`,
    `    super();`,
    `    this.client = new ${n.type}Client(config, context.fetch);`,
    usesClock && `    this.clock = context.clock;`,
    `  }`,
    ``,
    `  // Install proves the endpoint and the key with one read and creates nothing at the PSP (it runs again`,
    `  // at every config update); CREATE_WEBHOOKS creates.`,
    `  async install(): Promise<InstallResponse> {`,
    `    await this.client.check();`,
    `    return { workflow: ${n.provider}Workflow() };`,
    `  }`,
    ``,
    `  ${uninstall}`,
    ...methods.map((m) => `\n  ${m}`),
    `}`,
    ``,
  );
}

export function conformanceTestFile(n: Names): string {
  return `// ${n.type} against the connector conformance suite; its cases stay todo until fixtures/ holds the PSP's answers.
import { describeConformance } from '../sdk/testing/index.js';
import './index.js';

describeConformance({
  provider: '${n.provider}',
  config: (psp) => ({ apiKey: 'test-key', endpoint: psp.url }),
  todo: true,
});
`;
}

export function mappingDoc(n: Names, parts: Part[]): string {
  const sections: string[] = [
    `# ${n.type}: mapping`,
    '',
    `TODO: one paragraph: what ${n.type} is, which of its APIs this connector uses (with links to the`,
    'documentation), and which account or product it needs.',
    '',
    '## Config',
    '',
    '| Field      | Meaning                                                                  |',
    '| ---------- | ------------------------------------------------------------------------ |',
    '| `apiKey`   | TODO: where to find it, which permissions it needs; secret: encrypted, masked |',
    `| \`endpoint\` | base URL, default \`https://api.${n.provider}.example\` (TODO: production, sandbox) |`,
    '',
    '## Endpoints and task tree',
    '',
    '| Task / operation | Request | Paging |',
    '| ---------------- | ------- | ------ |',
  ];
  const rows: [Part, string, string, string][] = [
    ['accounts', '`fetch_accounts`', '`GET /accounts`', 'page/pageSize'],
    ['balances', '`fetch_balances` (child, per account)', '`GET /accounts/{id}/balances`', 'none'],
    ['external-accounts', '`fetch_external_accounts`', '`GET /beneficiaries`', 'page/pageSize'],
    ['payments', '`fetch_payments`', '`GET /transactions`', 'page/pageSize'],
    ['transfers', 'transfer', '`POST /transfers`', '-'],
    ['payouts', 'payout', '`POST /payouts`', '-'],
    ['bank-accounts', 'bank account', '`POST /bank-accounts`', '-'],
    ['webhooks', '`create_webhooks`', '`POST /webhooks`', '-'],
  ];
  for (const [part, task, request, paging] of rows)
    if (has(parts, part)) sections.push(`| ${task} | ${request} | ${paging} |`);
  sections.push('', '## Fields', '');
  if (has(parts, 'accounts', 'external-accounts'))
    sections.push(
      '### Account → PspAccount',
      '',
      '| PSP field    | Paybridge field | Rule |',
      '| ------------ | --------------- | ---- |',
      '| `id`         | `reference`     |      |',
      '| `created_at` | `createdAt`     | RFC 3339 |',
      '| `name`       | `name`          | optional |',
      '| `currency`   | `defaultAsset`  | ISO 4217 → `EUR/2`; unknown: skipped |',
      '',
    );
  if (has(parts, 'balances'))
    sections.push(
      '### Balance → PspBalance',
      '',
      '| PSP field  | Paybridge field | Rule |',
      '| ---------- | --------------- | ---- |',
      '| (parent)   | `accountReference` | the account asked for |',
      '| `amount`   | `amount`        | minor units, integer string |',
      '| `currency` | `asset`         | ISO 4217 → `EUR/2` |',
      '| —          | `createdAt`     | when it was read |',
      '',
    );
  if (has(parts, 'payments'))
    sections.push(
      '### Transaction → PspPayment',
      '',
      '| PSP field | Paybridge field | Rule |',
      '| --------- | --------------- | ---- |',
      '| `id`      | `reference`     |      |',
      '| `type`    | `type`          | see Payment types |',
      '| `status`  | `status`        | see Statuses |',
      '| `amount`  | `amount`        | minor units, integer string |',
      '| `currency` | `asset`        | ISO 4217 → `EUR/2` |',
      '',
    );
  sections.push(
    '## Statuses',
    '',
    `Every status ${n.type} documents, and what it becomes (\`mapping.ts\` \`STATUSES\`); any other is \`OTHER\`.`,
    '',
    `| ${n.type} status | Paybridge status |`,
    '| --- | --- |',
    '| `pending` | `PENDING` |',
    '| `succeeded` | `SUCCEEDED` |',
    '| `failed` | `FAILED` |',
    '| `cancelled` | `CANCELLED` |',
    '',
    '## Payment types',
    '',
    `| ${n.type} type | Paybridge type |`,
    '| --- | --- |',
    '| `payin` | `PAY-IN` |',
    '| `payout` | `PAYOUT` |',
    '| `transfer` | `TRANSFER` |',
    '',
    '## Metadata keys',
    '',
    `Keys this connector adds live under \`com.${n.provider}.spec/\`. TODO: list them.`,
    '',
  );
  if (has(parts, 'webhooks'))
    sections.push(
      '## Webhooks',
      '',
      `TODO: the events ${n.type} sends, how they are signed (header \`x-${n.provider}-signature\`, HMAC-SHA256 of`,
      'the body here), the timestamp and event id used against stale and replayed deliveries, and what each',
      'event becomes.',
      '',
    );
  sections.push(
    '## Known gaps',
    '',
    '- TODO: what the connector does not do yet, and PSP behaviours it works around.',
    '- Page-number paging re-reads the last page on every poll (its items come again).',
    '',
  );
  return sections.join('\n');
}

export function fixturesReadme(n: Names): string {
  return `# ${n.type} fixtures

${n.type}'s answers, as its API documents them, for the conformance suite and unit tests. Record a sandbox
session with

    paybridge connector run ${n.provider} --config sandbox.json --record src/connectors/${n.provider}/fixtures/session

(credentials and secret config values are redacted), replay it offline with \`--replay\`, and trim it to
what the tests need. Never commit an unredacted answer.
`;
}
