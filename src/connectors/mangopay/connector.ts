// The Mangopay connector: users → wallets (accounts, balances, transactions) and bank accounts, money movement with Idempotency-Key, and hooks as hints re-read from the API.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { assetFromCurrency } from '../../domain/assets.js';
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
import type {
  BankAccountDetails,
  CreateBankAccountRequest,
  CreateBankAccountResponse,
  CreateTransferRequest,
  CreateTransferResponse,
  CreateWebhooksRequest,
  CreateWebhooksResponse,
  FetchNextRequest,
  FetchNextResponse,
  InstallResponse,
  PollTransferStatusRequest,
  PollTransferStatusResponse,
  PspAccount,
  PspBalance,
  PspOther,
  PspPayment,
  PspPaymentInitiation,
  ReverseTransferRequest,
  ReverseTransferResponse,
  SkippedRecord,
  TranslateWebhookResponse,
  UninstallRequest,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  WebhookConfig,
} from '../sdk/contract.js';
import {
  InvalidRequestError,
  MissingFromPayloadError,
  UpstreamError,
  WebhookVerificationError,
} from '../sdk/errors.js';
import { specMetadataKey } from '../sdk/money.js';
import { MangopayClient, type ResourceKind } from './client.js';
import type { MangopayConfig } from './config.js';
import {
  bankAccountToExternal,
  isAdjustment,
  mangopayBankAccount,
  mangopayTransaction,
  mangopayUser,
  mangopayWallet,
  PROVIDER,
  transactionToPayment,
  userToOther,
  walletBalance,
  walletToAccount,
  zodReason,
  type MangopayTransaction,
} from './mapping.js';
import { advance, creationCursor, pageRequest, resumeCursor, type CreationCursor } from './paging.js';
import { checkResource, HOOK_EVENTS, hookConfig, readHint, urlPathOf, type Hint } from './webhooks.js';
import { mangopayWorkflow } from './workflow.js';

/** FETCH_PAYMENTS state: the listing cursor, and transactions last seen CREATED, re-read until they settle. */
export const paymentsState = z.object({
  cursor: creationCursor,
  pending: z.record(z.string(), z.enum(['payin', 'payout', 'transfer', 'refund'])),
});
export type PaymentsState = z.infer<typeof paymentsState>;

/** Pending transactions re-read per pass at most (the oldest first); the rest wait for the next pass. */
export const PENDING_PER_PASS = 50;

const parent = z.object({ id: z.string().min(1) });

type Listed = { raw: unknown; index: number };

const userIdKey = specMetadataKey(PROVIDER, 'userId');

export class MangopayConnector extends BaseConnector {
  private readonly client: MangopayClient;
  /** Resources read while verifying a hint, for the translation that follows in the same job. */
  private readonly verified = new Map<string, unknown>();

  constructor(
    config: MangopayConfig,
    private readonly context: Pick<ConnectorContext, 'fetch' | 'clock'>,
  ) {
    super();
    this.client = new MangopayClient(config, context.fetch);
  }

  /** One cheap authenticated call (a token, then one user): wrong credentials fail the install with Mangopay's reason. */
  async install(): Promise<InstallResponse> {
    await this.client.users({ page: 1, perPage: 1 });
    return { workflow: mangopayWorkflow() };
  }

  override async uninstall(request: UninstallRequest): Promise<void> {
    // Mangopay cannot delete a hook: it is disabled, and re-enabled by the next install.
    for (const config of request.webhookConfigs) {
      const hookId = config.metadata.hookId;
      if (!hookId) continue;
      try {
        await this.client.updateHook(hookId, { Status: 'DISABLED' });
      } catch (error) {
        if (error instanceof InvalidRequestError && error.status === 404) continue;
        throw error;
      }
    }
  }

  // ---- Listings ----

  /** Pages a listing with the creation cursor, parsing each record; unparseable ones are reported skipped. */
  private async page<T, R>(
    state: unknown,
    pageSize: number,
    list: (request: ReturnType<typeof pageRequest>) => Promise<unknown>,
    schema: z.ZodType<T>,
    map: (record: T, raw: unknown) => R | Promise<R>,
    filtered = false,
  ): Promise<{ items: R[]; skipped: SkippedRecord[]; cursor: CreationCursor; hasMore: boolean }> {
    const cursor = resumeCursor(state as CreationCursor | undefined, pageSize);
    const answer = await list(pageRequest(cursor, filtered));
    if (!Array.isArray(answer)) throw new UpstreamError('Mangopay answered a list request with no list');
    const listed: Listed[] = answer.map((raw, index) => ({ raw, index }));
    const { emit, next, hasMore } = advance(
      cursor,
      listed,
      ({ raw, index }) => {
        const record = raw as { Id?: unknown; CreationDate?: unknown };
        return {
          id: typeof record.Id === 'string' ? record.Id : `page-${cursor.page}-item-${index}`,
          creationDate:
            typeof record.CreationDate === 'number'
              ? record.CreationDate
              : (cursor.newest ?? cursor.from ?? 0),
        };
      },
      filtered,
    );
    const items: R[] = [];
    const skipped: SkippedRecord[] = [];
    for (const { raw, index } of emit) {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { Id?: unknown } | null)?.Id;
        skipped.push({
          reference: typeof id === 'string' ? id : `page ${cursor.page} item ${index}`,
          reason: zodReason(parsed.error),
        });
        continue;
      }
      items.push(await map(parsed.data, raw));
    }
    return { items, skipped, cursor: next, hasMore };
  }

  override async fetchNextOthers(request: FetchNextRequest): Promise<FetchNextResponse<PspOther>> {
    const page = await this.page(
      request.state,
      request.pageSize,
      (p) => this.client.users(p),
      mangopayUser,
      (user) => userToOther(user),
    );
    return { items: page.items, newState: page.cursor, hasMore: page.hasMore, skipped: page.skipped };
  }

  override async fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    const userId = parentId(request);
    const page = await this.page(
      request.state,
      request.pageSize,
      (p) => this.client.wallets(userId, p),
      mangopayWallet,
      (wallet, raw) => walletToAccount({ ...wallet, Owners: wallet.Owners ?? [userId] }, raw),
    );
    return { items: page.items, newState: page.cursor, hasMore: page.hasMore, skipped: page.skipped };
  }

  override async fetchNextExternalAccounts(
    request: FetchNextRequest,
  ): Promise<FetchNextResponse<PspAccount>> {
    const userId = parentId(request);
    const page = await this.page(
      request.state,
      request.pageSize,
      (p) => this.client.bankAccounts(userId, p),
      mangopayBankAccount,
      (account, raw) => bankAccountToExternal({ ...account, UserId: account.UserId ?? userId }, raw),
    );
    return { items: page.items, newState: page.cursor, hasMore: page.hasMore, skipped: page.skipped };
  }

  /** The wallet's balance now: one read of the wallet per poll (balances are observations). */
  override async fetchNextBalances(request: FetchNextRequest): Promise<FetchNextResponse<PspBalance>> {
    const walletId = parentId(request);
    const raw = await this.client.wallet(walletId);
    const parsed = mangopayWallet.safeParse(raw);
    if (!parsed.success) {
      return {
        items: [],
        newState: {},
        hasMore: false,
        skipped: [{ reference: walletId, reason: zodReason(parsed.error) }],
      };
    }
    try {
      return { items: [walletBalance(parsed.data, this.context.clock.now())], newState: {}, hasMore: false };
    } catch (error) {
      return {
        items: [],
        newState: {},
        hasMore: false,
        skipped: [{ reference: walletId, reason: (error as Error).message }],
      };
    }
  }

  /**
   * The wallet's transactions, incrementally (paging.ts), plus, at the start of each pass, the
   * transactions last seen CREATED, re-read by id: a CREATED payout settles days later, long after the
   * listing's look-back window has moved on, and no listing filter finds status changes.
   */
  override async fetchNextPayments(request: FetchNextRequest): Promise<FetchNextResponse<PspPayment>> {
    const walletId = parentId(request);
    const saved = request.state as PaymentsState | undefined;
    const pending = { ...(saved?.pending ?? {}) };
    const warnings = new Set<string>();
    const items: PspPayment[] = [];
    const skipped: SkippedRecord[] = [];
    const cursor = resumeCursor(saved?.cursor, request.pageSize);

    if (cursor.page === 1) {
      for (const [id, kind] of Object.entries(pending).slice(0, PENDING_PER_PASS)) {
        const mapped = await this.readTransaction(kind, id);
        if (mapped === 'gone') {
          delete pending[id];
          continue;
        }
        if (!mapped.ok) {
          skipped.push({ reference: id, reason: mapped.reason });
          delete pending[id];
          continue;
        }
        if ((mapped.raw as MangopayTransaction).Status === 'CREATED') continue;
        delete pending[id];
        mapped.warnings.forEach((w) => warnings.add(w));
        items.push(mapped.value);
      }
    }

    const page = await this.page(
      cursor,
      request.pageSize,
      (p) => this.client.transactions(walletId, p),
      mangopayTransaction,
      async (transaction, raw) => ({ transaction, raw }),
      // Wallet transactions honour AfterDate (documented); the other listings do not.
      true,
    );
    skipped.push(...page.skipped);
    for (const { transaction, raw } of page.items) {
      if (listedByDebitedWallet(transaction, walletId)) continue;
      const complete = await this.withInitialTransaction(transaction, raw);
      const mapped = transactionToPayment(complete.transaction, complete.raw);
      if (!mapped.ok) {
        skipped.push({ reference: transaction.Id, reason: mapped.reason });
        continue;
      }
      mapped.warnings.forEach((w) => warnings.add(w));
      items.push(mapped.value);
      const kind = resourceKindOf(transaction);
      if (transaction.Status === 'CREATED' && kind) pending[transaction.Id] = kind;
    }
    const newState: PaymentsState = { cursor: page.cursor, pending };
    return {
      items,
      newState,
      hasMore: page.hasMore,
      ...(skipped.length ? { skipped } : {}),
      ...(warnings.size ? { warnings: [...warnings] } : {}),
    };
  }

  /** A refund listed without InitialTransactionId is read by id, where Mangopay gives it. */
  private async withInitialTransaction(
    transaction: MangopayTransaction,
    raw: unknown,
  ): Promise<{ transaction: MangopayTransaction; raw: unknown }> {
    if (!isAdjustment(transaction) || transaction.InitialTransactionId || transaction.Nature !== 'REFUND') {
      return { transaction, raw };
    }
    const refund = await this.client.resource('refund', transaction.Id);
    const parsed = mangopayTransaction.safeParse(refund);
    return parsed.success ? { transaction: parsed.data, raw: refund } : { transaction, raw };
  }

  /** A transaction read by id and mapped; 'gone' when Mangopay no longer knows it. */
  private async readTransaction(
    kind: ResourceKind,
    id: string,
  ): Promise<'gone' | (ReturnType<typeof transactionToPayment> & { raw?: unknown })> {
    let raw: unknown;
    try {
      raw = await this.client.resource(kind, id);
    } catch (error) {
      if (error instanceof InvalidRequestError && error.status === 404) return 'gone';
      throw error;
    }
    return this.mapResource(raw);
  }

  private mapResource(raw: unknown): ReturnType<typeof transactionToPayment> & { raw?: unknown } {
    const parsed = mangopayTransaction.safeParse(raw);
    if (!parsed.success) return { ok: false, reason: zodReason(parsed.error) };
    return { ...transactionToPayment(parsed.data, raw), raw };
  }

  // ---- Money movement ----

  override async createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const initiation = request.paymentInitiation;
    const source = required(initiation.sourceAccount, 'a transfer needs a source wallet');
    const destination = required(initiation.destinationAccount, 'a transfer needs a destination wallet');
    const funds = debitedFunds(initiation);
    const authorId = await this.ownerOf(source);
    const answer = await this.client.createTransfer(
      {
        AuthorId: authorId,
        DebitedFunds: funds,
        Fees: { Currency: funds.Currency, Amount: 0 },
        DebitedWalletId: source.reference,
        CreditedWalletId: destination.reference,
        Tag: tagOf(initiation),
      },
      mangopayIdempotencyKey(request.idempotencyKey),
    );
    return this.movementAnswer(answer, 'TRANSFER');
  }

  override async createPayout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const initiation = request.paymentInitiation;
    const source = required(initiation.sourceAccount, 'a payout needs a source wallet');
    const destination = required(initiation.destinationAccount, 'a payout needs a destination bank account');
    const funds = debitedFunds(initiation);
    const authorId = await this.ownerOf(source);
    const answer = await this.client.createBankWirePayout(
      {
        AuthorId: authorId,
        DebitedFunds: funds,
        Fees: { Currency: funds.Currency, Amount: 0 },
        DebitedWalletId: source.reference,
        BankAccountId: destination.reference,
        BankWireRef: bankWireRef(initiation),
        Tag: tagOf(initiation),
      },
      mangopayIdempotencyKey(request.idempotencyKey),
    );
    return this.movementAnswer(answer, 'PAYOUT');
  }

  /**
   * A transfer refund (Mangopay refunds transfers in full only, and has no payout reversal). The
   * transfer is found again among the source wallet's transfers by the Tag it was created with (the
   * initiation's reference): the engine hands over the initiation, not the PSP's id.
   */
  override async reverseTransfer(request: ReverseTransferRequest): Promise<ReverseTransferResponse> {
    const reversal = request.paymentInitiationReversal;
    const initiation = reversal.relatedPaymentInitiation;
    const source = required(initiation.sourceAccount, 'the transfer to reverse has no source wallet');
    const transfer = await this.transferOf(source.reference, tagOf(initiation));
    if (!transfer) {
      throw new InvalidRequestError(
        `no Mangopay transfer tagged ${tagOf(initiation)} debits ${source.reference}`,
      );
    }
    if (BigInt(transfer.DebitedFunds.Amount) !== reversal.amount || transfer.Status !== 'SUCCEEDED') {
      throw new InvalidRequestError(
        'Mangopay refunds a succeeded transfer in full only: the reversal must be of its whole amount',
      );
    }
    const answer = await this.client.refundTransfer(
      transfer.Id,
      { AuthorId: transfer.AuthorId ?? (await this.ownerOf(source)), Tag: reversal.reference.slice(0, 255) },
      mangopayIdempotencyKey(request.idempotencyKey),
    );
    const parsed = mangopayTransaction.safeParse(answer);
    if (!parsed.success) {
      throw new UpstreamError(`Mangopay answered the transfer refund unreadably: ${zodReason(parsed.error)}`);
    }
    // Mangopay's answer names the refunded transfer; say so if it does not, so the adjustment lands on it.
    const refund = {
      ...parsed.data,
      InitialTransactionId: parsed.data.InitialTransactionId ?? transfer.Id,
      InitialTransactionType: parsed.data.InitialTransactionType ?? 'TRANSFER',
    };
    const mapped = transactionToPayment(refund, answer);
    if (!mapped.ok)
      throw new UpstreamError(`Mangopay answered the transfer refund unreadably: ${mapped.reason}`);
    return { payment: mapped.value };
  }

  private async transferOf(walletId: string, tag: string): Promise<MangopayTransaction | undefined> {
    for (let page = 1; page <= 10; page++) {
      const answer = await this.client.transfersOf(walletId, page);
      const listed = Array.isArray(answer) ? answer : [];
      for (const raw of listed) {
        const parsed = mangopayTransaction.safeParse(raw);
        if (
          parsed.success &&
          parsed.data.Tag === tag &&
          parsed.data.Type === 'TRANSFER' &&
          parsed.data.Nature === 'REGULAR'
        ) {
          return parsed.data;
        }
      }
      if (listed.length < 100) return undefined;
    }
    return undefined;
  }

  override async pollTransferStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return this.poll('transfer', request.pollingId);
  }

  override async pollPayoutStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return this.poll('payout', request.pollingId);
  }

  private async poll(kind: ResourceKind, id: string): Promise<PollTransferStatusResponse> {
    const mapped = this.mapResource(await this.client.resource(kind, id));
    if (!mapped.ok)
      throw new UpstreamError(`Mangopay answered an unreadable ${kind} ${id}: ${mapped.reason}`);
    if ((mapped.raw as MangopayTransaction).Status === 'CREATED') return {};
    return { payment: mapped.value };
  }

  /** A settled movement is the payment; a CREATED one is polled until it settles. */
  private movementAnswer(answer: unknown, type: 'TRANSFER' | 'PAYOUT'): CreateTransferResponse {
    const mapped = this.mapResource(answer);
    if (!mapped.ok) {
      // Mangopay took the request: an answer we cannot read is an unknown outcome, never a failure.
      throw new UpstreamError(`Mangopay answered the ${type.toLowerCase()} unreadably: ${mapped.reason}`);
    }
    const status = (mapped.raw as MangopayTransaction).Status;
    if (status === 'CREATED') return { pollingId: mapped.value.reference };
    return { payment: mapped.value };
  }

  /** The Mangopay user owning a wallet: from the account's metadata, or read from the wallet. */
  private async ownerOf(wallet: PspAccount): Promise<string> {
    const fromMetadata = wallet.metadata?.[userIdKey];
    if (fromMetadata) return fromMetadata;
    const parsed = mangopayWallet.safeParse(await this.client.wallet(wallet.reference));
    const owner = parsed.success ? parsed.data.Owners?.[0] : undefined;
    if (!owner) throw new InvalidRequestError(`wallet ${wallet.reference} has no owner at Mangopay`);
    return owner;
  }

  override async createBankAccount(request: CreateBankAccountRequest): Promise<CreateBankAccountResponse> {
    const details = request.bankAccount;
    const userId = details.metadata[userIdKey];
    if (!userId) {
      throw new InvalidRequestError(
        `a Mangopay bank account needs its owner's user id in metadata ${userIdKey}`,
      );
    }
    const answer = await this.client.createBankAccount(
      userId,
      bankAccountBody(details),
      mangopayIdempotencyKey(request.idempotencyKey),
    );
    const parsed = mangopayBankAccount.safeParse(answer);
    if (!parsed.success) {
      throw new UpstreamError(`Mangopay answered the bank account unreadably: ${zodReason(parsed.error)}`);
    }
    return {
      relatedAccount: bankAccountToExternal({ ...parsed.data, UserId: parsed.data.UserId ?? userId }, answer),
    };
  }

  // ---- Hooks ----

  /**
   * One hook per event type, pointing at this connector. Mangopay allows one hook per event type and
   * client: an existing one is pointed here (and enabled) with PUT instead of failing on POST.
   */
  override async createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse> {
    const existing = await this.existingHooks();
    const configs: WebhookConfig[] = [];
    const base = request.webhookBaseUrl.replace(/\/+$/, '');
    for (const eventType of Object.keys(HOOK_EVENTS)) {
      const url = `${base}${urlPathOf(eventType)}`;
      const found = existing.get(eventType);
      let hookId: string;
      if (found) {
        hookId = found.Id;
        if (found.Url !== url || found.Status !== 'ENABLED') {
          await this.client.updateHook(found.Id, { Url: url, Status: 'ENABLED' });
        }
      } else {
        const created = hookShape.safeParse(await this.client.createHook(eventType, url));
        if (!created.success) throw new UpstreamError('Mangopay answered a hook creation without an Id');
        hookId = created.data.Id;
      }
      configs.push(hookConfig(eventType, hookId));
    }
    return { configs, others: [] };
  }

  private async existingHooks(): Promise<Map<string, z.infer<typeof hookShape>>> {
    const hooks = new Map<string, z.infer<typeof hookShape>>();
    for (let page = 1; page <= 20; page++) {
      const answer = await this.client.hooks({ page, perPage: 100 });
      const listed = Array.isArray(answer) ? answer : [];
      for (const item of listed) {
        const hook = hookShape.safeParse(item);
        if (hook.success && hook.data.EventType) hooks.set(hook.data.EventType, hook.data);
      }
      if (listed.length < 100) break;
    }
    return hooks;
  }

  /**
   * Mangopay signs nothing, so a notification proves nothing: it is checked for shape and age, then the
   * resource it names is read from the API. An id the API does not know is refused; a real id with a
   * made-up event type changes nothing, as only what the API answers becomes data.
   */
  override async verifyWebhook(request: VerifyWebhookRequest): Promise<VerifyWebhookResponse> {
    const hint = readHint(request.webhook, request.config, request.receivedAt);
    const resource = await this.readHinted(hint);
    this.verified.set(hint.idempotencyKey, resource);
    return { idempotencyKey: hint.idempotencyKey };
  }

  private async readHinted(hint: Hint): Promise<unknown> {
    let resource: unknown;
    try {
      resource = await this.client.resource(hint.kind, hint.resourceId);
    } catch (error) {
      if (error instanceof InvalidRequestError && (error.status === 404 || error.status === 400)) {
        throw new WebhookVerificationError(
          `Mangopay does not know ${hint.kind} ${hint.resourceId}: the notification is not Mangopay's`,
        );
      }
      throw error;
    }
    try {
      checkResource(hint, resource);
    } catch (error) {
      throw new WebhookVerificationError((error as Error).message);
    }
    return resource;
  }

  override async translateWebhook(
    request: VerifyWebhookRequest & { name: string },
  ): Promise<TranslateWebhookResponse> {
    const hint = readHint(request.webhook, request.config, request.receivedAt);
    const resource = this.verified.get(hint.idempotencyKey) ?? (await this.readHinted(hint));
    this.verified.delete(hint.idempotencyKey);
    const parsed = mangopayTransaction.safeParse(resource);
    if (!parsed.success) {
      throw new InvalidRequestError(
        `Mangopay's ${hint.kind} ${hint.resourceId} is unreadable: ${zodReason(parsed.error)}`,
      );
    }
    const mapped = transactionToPayment(parsed.data, resource);
    if (!mapped.ok) throw new InvalidRequestError(`${hint.kind} ${hint.resourceId}: ${mapped.reason}`);
    return { responses: [{ kind: 'payment', payment: mapped.value }] };
  }
}

const hookShape = z.object({
  Id: z.string().min(1),
  EventType: z.string().optional(),
  Url: z.string().optional(),
  Status: z.string().optional(),
});

function parentId(request: FetchNextRequest): string {
  const parsed = parent.safeParse(request.fromPayload);
  if (!parsed.success) throw new MissingFromPayloadError();
  return parsed.data.id;
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new InvalidRequestError(message);
  return value;
}

/**
 * A movement between two wallets is listed under both; it is taken from the debited wallet's listing
 * only, so one poll does not carry it twice. Client wallets (FEES_…, CREDIT_…) belong to no user and
 * have no task: what they debit is taken from the credited side.
 */
function listedByDebitedWallet(transaction: MangopayTransaction, walletId: string): boolean {
  const debited = transaction.DebitedWalletId;
  return !!debited && debited !== walletId && !/^(FEES|CREDIT)_/.test(debited);
}

function resourceKindOf(transaction: MangopayTransaction): ResourceKind | undefined {
  if (transaction.Nature === 'REFUND') return 'refund';
  if (transaction.Nature === 'REPUDIATION') return undefined;
  switch (transaction.Type) {
    case 'PAYIN':
      return 'payin';
    case 'PAYOUT':
      return 'payout';
    case 'TRANSFER':
      return 'transfer';
    default:
      return undefined;
  }
}

/** The initiation's amount as Mangopay's DebitedFunds: minor units of an ISO currency at its own exponent. */
function debitedFunds(initiation: PspPaymentInitiation): { Currency: string; Amount: number } {
  const [currency = ''] = initiation.asset.split('/');
  if (assetFromCurrency(currency) !== initiation.asset) {
    throw new InvalidRequestError(
      `asset ${initiation.asset} is not an ISO 4217 currency at its own exponent, which Mangopay requires`,
    );
  }
  if (initiation.amount <= 0n) throw new InvalidRequestError('the amount must be positive');
  if (initiation.amount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidRequestError('the amount is larger than Mangopay accepts');
  }
  return { Currency: currency, Amount: Number(initiation.amount) };
}

/** Mangopay keeps a free Tag per object: the initiation's reference, to find it again at the PSP. */
function tagOf(initiation: PspPaymentInitiation): string {
  return initiation.reference.slice(0, 255);
}

/** The statement reference of a bank wire: at most 12 letters, digits and spaces. */
function bankWireRef(initiation: PspPaymentInitiation): string {
  return (initiation.description || initiation.reference)
    .replace(/[^A-Za-z0-9 ]/g, '')
    .slice(0, 12)
    .trim();
}

/**
 * Mangopay takes keys of 16 to 36 letters, digits and dashes. The engine's keys are UUIDs and go as
 * they are; any other key is hashed to a UUID-shaped one, the same for every retry.
 */
export function mangopayIdempotencyKey(key: string): string {
  if (/^[A-Za-z0-9-]{16,36}$/.test(key)) return key;
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const addressKey = (field: string) => specMetadataKey(PROVIDER, `ownerAddress.${field}`);

/** The creation body of a bank account: IBAN when there is one, else OTHER (account number, BIC, country). */
function bankAccountBody(details: BankAccountDetails): Record<string, unknown> {
  const country = details.country ?? details.metadata[addressKey('country')];
  const ownerAddress = {
    AddressLine1: details.metadata[addressKey('addressLine1')] ?? '',
    AddressLine2: details.metadata[addressKey('addressLine2')] ?? '',
    City: details.metadata[addressKey('city')] ?? '',
    Region: details.metadata[addressKey('region')] ?? '',
    PostalCode: details.metadata[addressKey('postalCode')] ?? '',
    Country: country ?? '',
  };
  const common = { OwnerName: details.name, OwnerAddress: ownerAddress, Tag: details.id };
  if (details.iban) {
    return {
      ...common,
      Type: 'IBAN',
      IBAN: details.iban.replace(/\s+/g, ''),
      ...(details.swiftBicCode ? { BIC: details.swiftBicCode } : {}),
    };
  }
  if (!details.accountNumber || !details.swiftBicCode || !country) {
    throw new InvalidRequestError(
      'a Mangopay bank account needs an IBAN, or an account number, a BIC and a country',
    );
  }
  return {
    ...common,
    Type: 'OTHER',
    AccountNumber: details.accountNumber,
    BIC: details.swiftBicCode,
    Country: country,
  };
}
