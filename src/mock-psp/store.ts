// Tenant data of the simulator: accounts, beneficiaries and transactions with their sorted indexes, the tenant clock, balances derived from statuses, lifecycle steps, payout/transfer initiation, and the change feed webhooks are made from.
import { randomBytes } from 'node:crypto';
import { assetFromCurrency, currencyPrecision } from '../domain/assets.js';
import { MockPspError, invalidTransitionError, notFoundError, validationError } from './errors.js';
import { TenantTraffic } from './faults.js';
import { SortedIndex } from './sorted-index.js';
import { WebhookRegistrations } from './webhook-registrations.js';

export const TRANSACTION_TYPES = ['PAYIN', 'PAYOUT', 'TRANSFER', 'OTHER'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const TRANSACTION_STATUSES = [
  'PENDING',
  'PROCESSING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'EXPIRED',
  'REFUNDED',
  'REFUNDED_FAILURE',
  'REFUND_REVERSED',
  'DISPUTE',
  'DISPUTE_WON',
  'DISPUTE_LOST',
  'AUTHORISATION',
  'CAPTURE',
  'CAPTURE_FAILED',
  'OTHER',
] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

export const ACTIONS = [
  'succeed',
  'fail',
  'cancel',
  'capture',
  'dispute',
  'win-dispute',
  'lose-dispute',
  'refund',
] as const;
export type Action = (typeof ACTIONS)[number];

export type Metadata = Record<string, string>;

export interface InternalAccount {
  id: string;
  accountName: string;
  createdAtMs: number;
  seq: number;
  metadata: Metadata;
  /** The account's own currency, as `CODE/precision`. */
  asset: string;
  initialBalance: bigint;
  /** Balance per asset; the account's own asset is always present. */
  balances: Map<string, bigint>;
  /** Cached contract JSON; accounts never change after creation. */
  json?: string;
}

export interface Beneficiary {
  id: string;
  ownerName: string;
  createdAtMs: number;
  seq: number;
  metadata: Metadata;
  json?: string;
}

export type InitiationKind = 'payout' | 'transfer';

/** The request a payout or transfer was created from, kept to answer GET and idempotent replays. */
export interface Initiation {
  kind: InitiationKind;
  idempotencyKey: string;
  amount: bigint;
  /** The currency exactly as the client sent it. */
  currency: string;
  sourceAccountId: string;
  destinationAccountId: string;
  description?: string;
  metadata?: Metadata;
}

export interface Transaction {
  id: string;
  type: TransactionType;
  status: TransactionStatus;
  amount: bigint;
  asset: string;
  createdAtMs: number;
  updatedAtMs: number;
  /** Insertion sequence: breaks ties between equal timestamps in both sort orders. */
  seq: number;
  relatedTransactionID?: string;
  scheme?: string;
  sourceAccountID?: string;
  destinationAccountID?: string;
  metadata: Metadata;
  /** Sum of the REFUNDED records that point at this transaction. */
  refunded: bigint;
  initiation?: Initiation;
  /** Cached contract JSON, dropped on every change. */
  json?: string;
}

export interface TransactionDraft {
  type: TransactionType;
  status: TransactionStatus;
  amount: bigint;
  asset: string;
  relatedTransactionID?: string;
  scheme?: string;
  sourceAccountID?: string;
  destinationAccountID?: string;
  metadata?: Metadata;
  initiation?: Initiation;
}

/** Identity and timestamps of a record being restored from the data file or generated in a cluster. */
export interface RecordStamp {
  id?: string;
  createdAtMs?: number;
  updatedAtMs?: number;
}

export interface InitiationRequest extends Initiation {
  /** `currency` normalised to `CODE/precision`. */
  asset: string;
}

export interface StepResult {
  transaction: Transaction;
  created?: Transaction;
}

/**
 * One change to a tenant's records, as it happens. A balance change is one movement of one asset; a
 * single write may move several, which the webhook dispatcher coalesces into one message per account.
 */
export type RecordChange =
  | { type: 'account.created'; account: InternalAccount }
  | { type: 'beneficiary.created'; beneficiary: Beneficiary }
  | { type: 'transaction.created' | 'transaction.updated'; transaction: Transaction }
  | { type: 'balance.moved'; account: InternalAccount; asset: string; delta: bigint; atMs: number };

/** Who hears about a tenant's changes: the data file (any change) and the webhook dispatcher (record changes). */
export interface TenantHooks {
  changed(): void;
  recorded(tenant: Tenant, change: RecordChange): void;
}

/** Statuses in which a transaction has moved its money. */
const MOVING_STATUSES = new Set<TransactionStatus>(['SUCCEEDED', 'CAPTURE', 'DISPUTE', 'DISPUTE_WON']);
/** A payout reserves its funds from the start, so a pending payout has already left the account. */
const RESERVING_STATUSES = new Set<TransactionStatus>(['PENDING', 'PROCESSING']);
const REFUNDABLE_STATUSES = new Set<TransactionStatus>(['SUCCEEDED', 'CAPTURE', 'DISPUTE_WON']);

const TRANSITIONS: Record<Exclude<Action, 'refund'>, { from: TransactionStatus[]; to: TransactionStatus }> = {
  succeed: { from: ['PENDING', 'PROCESSING'], to: 'SUCCEEDED' },
  fail: { from: ['PENDING', 'PROCESSING'], to: 'FAILED' },
  cancel: { from: ['PENDING'], to: 'CANCELLED' },
  capture: { from: ['AUTHORISATION'], to: 'CAPTURE' },
  dispute: { from: ['SUCCEEDED', 'CAPTURE'], to: 'DISPUTE' },
  'win-dispute': { from: ['DISPUTE'], to: 'DISPUTE_WON' },
  'lose-dispute': { from: ['DISPUTE'], to: 'DISPUTE_LOST' },
};

/** `EUR` or `EUR/2` → `EUR/2`; undefined when the text is not an asset, or contradicts ISO 4217's precision. */
export function normalizeAsset(currency: string): string | undefined {
  const asset = assetFromCurrency(currency);
  if (asset === undefined) return undefined;
  const [code = '', precision] = asset.split('/');
  const known = currencyPrecision(code);
  if (known !== undefined && precision !== undefined && Number(precision) !== known) return undefined;
  return asset;
}

/** Minor-unit digits of an asset (`JPY/0` → 0, `EUR/2` → 2, `COIN` → 0). */
export function assetPrecision(asset: string): number {
  const slash = asset.indexOf('/');
  return slash < 0 ? 0 : Number(asset.slice(slash + 1));
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Ten random base-36 characters, so id order says nothing about creation order. */
function randomIdSuffix(): string {
  const bytes = randomBytes(10);
  let suffix = '';
  for (const byte of bytes) suffix += ID_ALPHABET[byte % 36];
  return suffix;
}

export class Tenant {
  readonly accounts = new Map<string, InternalAccount>();
  readonly accountsByCreated = new SortedIndex<InternalAccount>(
    (a) => a.createdAtMs,
    (a) => a.seq,
  );
  readonly beneficiaries = new Map<string, Beneficiary>();
  readonly beneficiariesByCreated = new SortedIndex<Beneficiary>(
    (b) => b.createdAtMs,
    (b) => b.seq,
  );
  readonly transactions = new Map<string, Transaction>();
  readonly transactionsByCreated = new SortedIndex<Transaction>(
    (t) => t.createdAtMs,
    (t) => t.seq,
  );
  readonly transactionsByUpdated = new SortedIndex<Transaction>(
    (t) => t.updatedAtMs,
    (t) => t.seq,
  );
  readonly traffic = new TenantTraffic();
  readonly webhooks = new WebhookRegistrations();
  private readonly initiations = new Map<string, Transaction>();
  private lastIssuedMs = 0;
  private nextSeq = 0;

  constructor(
    readonly apiKey: string,
    private readonly hooks: TenantHooks,
  ) {}

  /** The last timestamp the tenant clock issued (persisted so a restart never goes back in time). */
  get clock(): number {
    return this.lastIssuedMs;
  }

  /**
   * The tenant clock: every write is strictly later than anything already issued, so an incremental poll
   * from the last `updatedAt` it saw always picks the write up.
   */
  tick(): number {
    this.lastIssuedMs = Math.max(Date.now(), this.lastIssuedMs + 1);
    return this.lastIssuedMs;
  }

  /** Moves the clock forward past a timestamp issued outside `tick` (a generated cluster, a restored record). */
  advanceClock(ms: number): void {
    this.lastIssuedMs = Math.max(this.lastIssuedMs, ms);
  }

  /** Marks the data as changed (the data file saves it shortly after). */
  touch(): void {
    this.hooks.changed();
  }

  addAccount(
    input: { accountName: string; asset: string; initialBalance?: bigint; metadata?: Metadata },
    stamp: RecordStamp = {},
  ): InternalAccount {
    const createdAtMs = this.stampTime(stamp.createdAtMs);
    const initialBalance = input.initialBalance ?? 0n;
    const account: InternalAccount = {
      id: stamp.id ?? this.newId('acc_'),
      accountName: input.accountName,
      createdAtMs,
      seq: this.nextSeq++,
      metadata: input.metadata ?? {},
      asset: input.asset,
      initialBalance,
      balances: new Map([[input.asset, initialBalance]]),
    };
    this.accounts.set(account.id, account);
    this.accountsByCreated.insert(account);
    this.hooks.changed();
    this.hooks.recorded(this, { type: 'account.created', account });
    if (initialBalance !== 0n) {
      this.hooks.recorded(this, {
        type: 'balance.moved',
        account,
        asset: account.asset,
        delta: initialBalance,
        atMs: createdAtMs,
      });
    }
    return account;
  }

  addBeneficiary(input: { ownerName: string; metadata?: Metadata }, stamp: RecordStamp = {}): Beneficiary {
    const beneficiary: Beneficiary = {
      id: stamp.id ?? this.newId('ben_'),
      ownerName: input.ownerName,
      createdAtMs: this.stampTime(stamp.createdAtMs),
      seq: this.nextSeq++,
      metadata: input.metadata ?? {},
    };
    this.beneficiaries.set(beneficiary.id, beneficiary);
    this.beneficiariesByCreated.insert(beneficiary);
    this.hooks.changed();
    this.hooks.recorded(this, { type: 'beneficiary.created', beneficiary });
    return beneficiary;
  }

  addTransaction(draft: TransactionDraft, stamp: RecordStamp = {}): Transaction {
    const createdAtMs = this.stampTime(stamp.createdAtMs);
    const updatedAtMs = stamp.updatedAtMs ?? createdAtMs;
    this.advanceClock(updatedAtMs);
    const transaction: Transaction = {
      id: stamp.id ?? this.newId('txn_'),
      type: draft.type,
      status: draft.status,
      amount: draft.amount,
      asset: draft.asset,
      createdAtMs,
      updatedAtMs,
      seq: this.nextSeq++,
      relatedTransactionID: draft.relatedTransactionID,
      scheme: draft.scheme,
      sourceAccountID: draft.sourceAccountID,
      destinationAccountID: draft.destinationAccountID,
      metadata: draft.metadata ?? {},
      refunded: 0n,
      initiation: draft.initiation,
    };
    this.transactions.set(transaction.id, transaction);
    this.transactionsByCreated.insert(transaction);
    this.transactionsByUpdated.insert(transaction);
    this.hooks.recorded(this, { type: 'transaction.created', transaction });
    this.move(transaction, transaction.status, transaction.amount, 1n);
    if (transaction.status === 'REFUNDED' && transaction.relatedTransactionID !== undefined) {
      const original = this.transactions.get(transaction.relatedTransactionID);
      if (original) original.refunded += transaction.amount;
    }
    if (draft.initiation) this.initiations.set(draft.initiation.idempotencyKey, transaction);
    this.hooks.changed();
    return transaction;
  }

  /** Balances of an account, its own currency first (even at zero), then any other it holds. */
  balancesOf(account: InternalAccount): Array<{ asset: string; amount: bigint }> {
    const others = [...account.balances.keys()].filter((asset) => asset !== account.asset).sort();
    return [account.asset, ...others].map((asset) => ({ asset, amount: account.balances.get(asset) ?? 0n }));
  }

  /** The lifecycle steps allowed from the transaction's current status. */
  allowedActions(transaction: Transaction): Action[] {
    const actions: Action[] = [];
    for (const action of ACTIONS) {
      if (action === 'refund') {
        if (REFUNDABLE_STATUSES.has(transaction.status) && transaction.refunded < transaction.amount) {
          actions.push(action);
        }
      } else if (TRANSITIONS[action].from.includes(transaction.status)) {
        actions.push(action);
      }
    }
    return actions;
  }

  step(id: string, action: Action, amount?: bigint): StepResult {
    const transaction = this.transactions.get(id);
    if (!transaction) throw notFoundError(`transaction ${id} not found`);
    if (!this.allowedActions(transaction).includes(action)) {
      throw invalidTransitionError(
        action === 'refund' && REFUNDABLE_STATUSES.has(transaction.status)
          ? `transaction ${id} is already fully refunded`
          : `cannot ${action} a transaction in status ${transaction.status}`,
      );
    }
    if (action === 'refund') return { transaction, created: this.refund(transaction, amount) };

    let newAmount = transaction.amount;
    if (action === 'capture' && amount !== undefined) {
      if (amount > transaction.amount) {
        throw new MockPspError(
          409,
          'CAPTURE_EXCEEDS_AUTHORISATION',
          `cannot capture ${amount}: only ${transaction.amount} was authorised`,
        );
      }
      newAmount = amount;
    }
    this.update(transaction, TRANSITIONS[action].to, newAmount);
    return { transaction };
  }

  /**
   * Creates a payout or transfer from a contract request, or returns the one an earlier request with the same
   * idempotency key created (`replayed`), provided the parameters are the same.
   */
  initiate(request: InitiationRequest): { transaction: Transaction; replayed: boolean } {
    const previous = this.initiations.get(request.idempotencyKey);
    if (previous?.initiation) {
      if (sameInitiation(previous.initiation, previous.asset, request)) {
        return { transaction: previous, replayed: true };
      }
      throw new MockPspError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        `idempotency key ${request.idempotencyKey} was already used with other parameters`,
      );
    }

    const source = this.accounts.get(request.sourceAccountId);
    if (!source) {
      throw validationError(
        `sourceAccountId ${request.sourceAccountId} is not an internal account of this tenant`,
      );
    }
    if (request.asset !== source.asset) {
      throw validationError(
        `currency ${request.currency} does not match the source account's currency ${source.asset}`,
      );
    }
    this.checkDestination(request, source);

    const available = source.balances.get(source.asset) ?? 0n;
    if (available < request.amount) {
      throw new MockPspError(
        422,
        'INSUFFICIENT_FUNDS',
        `source account ${source.id} holds ${available} ${source.asset}, less than ${request.amount}`,
      );
    }

    const initiation: Initiation = {
      kind: request.kind,
      idempotencyKey: request.idempotencyKey,
      amount: request.amount,
      currency: request.currency,
      sourceAccountId: request.sourceAccountId,
      destinationAccountId: request.destinationAccountId,
      description: request.description,
      metadata: request.metadata,
    };
    const transaction = this.addTransaction({
      type: request.kind === 'payout' ? 'PAYOUT' : 'TRANSFER',
      // Transfers between the tenant's own accounts settle at once; payouts wait for the (simulated) bank.
      status: request.kind === 'payout' ? 'PENDING' : 'SUCCEEDED',
      amount: request.amount,
      asset: source.asset,
      sourceAccountID: source.id,
      destinationAccountID: request.destinationAccountId,
      metadata: request.metadata ? { ...request.metadata } : {},
      initiation,
    });
    return { transaction, replayed: false };
  }

  /** Empties the tenant; the clock keeps running so timestamps never repeat for a client that keeps polling. */
  clear(): void {
    this.accounts.clear();
    this.accountsByCreated.clear();
    this.beneficiaries.clear();
    this.beneficiariesByCreated.clear();
    this.transactions.clear();
    this.transactionsByCreated.clear();
    this.transactionsByUpdated.clear();
    this.initiations.clear();
    this.traffic.reset();
    this.hooks.changed();
  }

  private checkDestination(request: InitiationRequest, source: InternalAccount): void {
    const destinationId = request.destinationAccountId;
    const internal = this.accounts.get(destinationId);
    if (request.kind === 'payout') {
      if (!internal && !this.beneficiaries.has(destinationId)) {
        throw validationError(
          `destinationAccountId ${destinationId} is neither a beneficiary nor an internal account of this tenant`,
        );
      }
      return;
    }
    if (!internal) {
      throw validationError(
        `destinationAccountId ${destinationId} is not an internal account of this tenant (transfers move money between internal accounts)`,
      );
    }
    if (internal.id === source.id) {
      throw validationError('a transfer needs a destination account different from its source');
    }
    if (internal.asset !== source.asset) {
      throw validationError(
        `destination account ${internal.id} holds ${internal.asset}, not the source's ${source.asset}`,
      );
    }
  }

  private refund(original: Transaction, amount: bigint | undefined): Transaction {
    const left = original.amount - original.refunded;
    const refundAmount = amount ?? left;
    if (refundAmount > left) {
      throw new MockPspError(
        409,
        'REFUND_EXCEEDS_REMAINING',
        `cannot refund ${refundAmount}: only ${left} of transaction ${original.id} is left to refund`,
      );
    }
    return this.addTransaction({
      type: original.type,
      status: 'REFUNDED',
      amount: refundAmount,
      asset: original.asset,
      relatedTransactionID: original.id,
      sourceAccountID: original.sourceAccountID,
      destinationAccountID: original.destinationAccountID,
    });
  }

  private update(transaction: Transaction, status: TransactionStatus, amount: bigint): void {
    const oldStatus = transaction.status;
    const oldAmount = transaction.amount;
    // The index finds the transaction by its old timestamp, so it leaves before the timestamp changes.
    this.transactionsByUpdated.remove(transaction);
    transaction.status = status;
    transaction.amount = amount;
    transaction.updatedAtMs = this.tick();
    transaction.json = undefined;
    this.transactionsByUpdated.insert(transaction);
    this.hooks.recorded(this, { type: 'transaction.updated', transaction });
    this.move(transaction, oldStatus, oldAmount, -1n);
    this.move(transaction, status, amount, 1n);
    this.hooks.changed();
  }

  /** Applies (sign = 1) or takes back (sign = -1) what a transaction in this status does to balances. */
  private move(transaction: Transaction, status: TransactionStatus, amount: bigint, sign: bigint): void {
    let direction = 0n;
    if (status === 'REFUNDED') direction = -1n;
    else if (MOVING_STATUSES.has(status)) direction = 1n;
    else if (transaction.type === 'PAYOUT' && RESERVING_STATUSES.has(status)) direction = 1n;
    if (direction === 0n) return;
    const delta = amount * direction * sign;
    const { type } = transaction;
    // The movement happens when the transaction takes this status, which is its (new) updatedAt.
    const atMs = transaction.updatedAtMs;
    if ((type === 'PAYIN' || type === 'TRANSFER') && transaction.destinationAccountID !== undefined) {
      this.credit(transaction.destinationAccountID, transaction.asset, delta, atMs);
    }
    if ((type === 'PAYOUT' || type === 'TRANSFER') && transaction.sourceAccountID !== undefined) {
      this.credit(transaction.sourceAccountID, transaction.asset, -delta, atMs);
    }
  }

  private credit(accountId: string, asset: string, delta: bigint, atMs: number): void {
    const account = this.accounts.get(accountId);
    // Beneficiaries and accounts the PSP does not hold have no balance here.
    if (!account) return;
    account.balances.set(asset, (account.balances.get(asset) ?? 0n) + delta);
    this.hooks.recorded(this, { type: 'balance.moved', account, asset, delta, atMs });
  }

  private stampTime(ms: number | undefined): number {
    if (ms === undefined) return this.tick();
    this.advanceClock(ms);
    return ms;
  }

  private newId(prefix: string): string {
    for (;;) {
      const id = prefix + randomIdSuffix();
      if (!this.accounts.has(id) && !this.beneficiaries.has(id) && !this.transactions.has(id)) return id;
    }
  }
}

function sameInitiation(previous: Initiation, previousAsset: string, request: InitiationRequest): boolean {
  return (
    previous.kind === request.kind &&
    previous.amount === request.amount &&
    previousAsset === request.asset &&
    previous.sourceAccountId === request.sourceAccountId &&
    previous.destinationAccountId === request.destinationAccountId &&
    previous.description === request.description &&
    sameMetadata(previous.metadata ?? {}, request.metadata ?? {})
  );
}

function sameMetadata(a: Metadata, b: Metadata): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

export type RecordObserver = (tenant: Tenant, change: RecordChange) => void;

/** Every tenant by API key, created on first use. */
export class TenantRegistry {
  private readonly tenants = new Map<string, Tenant>();
  private observer: RecordObserver | undefined;
  private readonly hooks: TenantHooks;

  constructor(changed: () => void = () => {}) {
    this.hooks = {
      changed,
      recorded: (tenant, change) => this.observer?.(tenant, change),
    };
  }

  /**
   * Starts reporting record changes (to the webhook dispatcher). Attached after the data file is loaded,
   * so restoring records is not mistaken for new changes.
   */
  observe(observer: RecordObserver | undefined): void {
    this.observer = observer;
  }

  get(apiKey: string): Tenant {
    let tenant = this.tenants.get(apiKey);
    if (!tenant) {
      tenant = new Tenant(apiKey, this.hooks);
      this.tenants.set(apiKey, tenant);
    }
    return tenant;
  }

  all(): Tenant[] {
    return [...this.tenants.values()];
  }
}
