// The typed contract between the engine and a connector: PSP objects, task trees, requests and responses.
import type {
  ConversionStatus,
  OrderDirection,
  OrderStatus,
  OrderType,
  PaymentScheme,
  PaymentStatus,
  PaymentType,
  TimeInForce,
} from '../../domain/enums.js';

/** An account as the PSP reports it. `raw` is the PSP's own JSON for that account. */
export interface PspAccount {
  reference: string;
  createdAt: Date;
  name?: string;
  defaultAsset?: string;
  metadata?: Record<string, string>;
  raw: unknown;
}

export interface PspBalance {
  accountReference: string;
  createdAt: Date;
  amount: bigint;
  asset: string;
}

/**
 * A payment, or a change to one. A refund or dispute of payment P carries `parentReference = P`, and
 * becomes an adjustment of P rather than a new payment.
 */
export interface PspPayment {
  reference: string;
  parentReference?: string;
  createdAt: Date;
  /**
   * When the PSP last changed this payment. Each distinct (status, updatedAt) observed becomes one
   * adjustment stamped with this time; defaults to createdAt.
   */
  updatedAt?: Date;
  type: PaymentType;
  amount: bigint;
  asset: string;
  scheme: PaymentScheme;
  status: PaymentStatus;
  sourceAccountReference?: string;
  destinationAccountReference?: string;
  metadata?: Record<string, string>;
  raw: unknown;
}

/** Anything else a PSP lists (profiles, users, …) that other tasks hang from. */
export interface PspOther {
  id: string;
  other: unknown;
}

/**
 * A trade order on an exchange-style PSP (Formance's v3 Order). Quantities and prices are integers in minor
 * units of their asset: `baseQuantity*` of the base asset (the destination for a BUY, the source for a
 * SELL), prices of `priceAsset`, `quoteAmount` of `quoteAsset`, `fee` of `feeAsset`. Each distinct
 * (status, filled quantity, fee) observed becomes one adjustment of the order, stamped `updatedAt`.
 */
export interface PspOrder {
  reference: string;
  /** The id the client gave the PSP at placement; kept for tracing, never used to de-duplicate. */
  clientOrderId?: string;
  createdAt: Date;
  /** When the PSP last changed this order; defaults to createdAt. The newest observation wins. */
  updatedAt?: Date;
  direction: OrderDirection;
  sourceAsset: string;
  destinationAsset: string;
  type: OrderType;
  status: OrderStatus;
  baseQuantityOrdered: bigint;
  baseQuantityFilled?: bigint;
  limitPrice?: bigint;
  stopPrice?: bigint;
  /** The asset (and precision) limitPrice, stopPrice and averageFillPrice are expressed in. */
  priceAsset?: string;
  averageFillPrice?: bigint;
  timeInForce: TimeInForce;
  /** For GOOD_UNTIL_DATE_TIME orders. */
  expiresAt?: Date;
  quoteAmount?: bigint;
  quoteAsset?: string;
  fee?: bigint;
  feeAsset?: string;
  /** The PSP's reason, for a FAILED order. */
  error?: string;
  sourceAccountReference?: string;
  destinationAccountReference?: string;
  metadata?: Record<string, string>;
  raw: unknown;
}

/**
 * A conversion between two assets at the PSP (Formance's v3 Conversion). It has no history: the row
 * holds the newest observation (by `updatedAt`).
 */
export interface PspConversion {
  reference: string;
  createdAt: Date;
  /** When the PSP last changed this conversion; defaults to createdAt. */
  updatedAt?: Date;
  sourceAsset: string;
  destinationAsset: string;
  sourceAmount: bigint;
  /** Unknown until the conversion completes. */
  destinationAmount?: bigint;
  fee?: bigint;
  feeAsset?: string;
  status: ConversionStatus;
  /** The PSP's reason, for a FAILED conversion. */
  error?: string;
  sourceAccountReference?: string;
  destinationAccountReference?: string;
  metadata?: Record<string, string>;
  raw: unknown;
}

/** The task types a task tree may hold; what each one runs is in tasks.ts. */
export type TaskType =
  | 'FETCH_OTHERS'
  | 'FETCH_ACCOUNTS'
  | 'FETCH_BALANCES'
  | 'FETCH_EXTERNAL_ACCOUNTS'
  | 'FETCH_PAYMENTS'
  | 'CREATE_WEBHOOKS'
  | 'FETCH_ORDERS'
  | 'FETCH_CONVERSIONS';

/**
 * One node of a connector's task tree. A periodic node is polled on the connector's polling period; a
 * non-periodic node runs once each time its parent produces an item. Children run once per item their
 * parent fetches, with that item as `fromPayload`.
 */
export interface TaskNode {
  type: TaskType;
  /** Distinguishes two nodes of the same type under one parent (e.g. two FETCH_OTHERS). */
  name: string;
  periodic: boolean;
  children: TaskNode[];
}

/** The parent item a child task was spawned for. */
export interface FromPayload {
  id: string;
  payload: unknown;
}

export interface FetchNextRequest {
  /** The parent item, for child tasks; undefined for root tasks. */
  fromPayload?: FromPayload;
  /**
   * The `newState` this task returned last time; undefined on the first call. Within one run it is the
   * very object the previous call returned (a run never goes back to an older state), so a connector may
   * update a large state in place; at the start of a run it is read from the database.
   */
  state: unknown;
  pageSize: number;
  /** The node's name (lets one FETCH_OTHERS implementation serve several nodes). */
  name: string;
  /**
   * Whether this task polls on a period (true) or runs once per parent item (false); a connector may,
   * for example, fetch only recent history on a one-shot run. The engine always sets it.
   */
  periodic?: boolean;
}

export interface FetchNextResponse<T> {
  items: T[];
  newState: unknown;
  hasMore: boolean;
  /** FETCH_PAYMENTS only: references of payments the PSP deleted; they are removed (DELETED_PAYMENT). */
  paymentsToDelete?: string[];
  /**
   * Records of this page the connector could not map (a missing required field, say). They are left
   * out, and the engine reports them on the run and in a metric, as it does for items that fail its
   * own validation; the cursor still moves past them.
   */
  skipped?: SkippedRecord[];
  /**
   * What an operator should know about this page that did not stop it: a PSP status or type the
   * connector does not know and mapped to OTHER, say ("unknown payment status 'ON_HOLD' mapped to
   * OTHER"). Shown on the run (API instances, `paybridge connectors instances`), distinct, at most 50
   * of at most 500 characters: say what and which value, not which record, so repeats collapse.
   */
  warnings?: string[];
}

export interface SkippedRecord {
  /** The PSP's id of the record, or a position when it has none. */
  reference: string;
  reason: string;
}

export interface InstallResponse {
  workflow: TaskNode[];
}

export interface WebhookConfig {
  name: string;
  urlPath: string;
  metadata: Record<string, string>;
}

export interface UninstallRequest {
  webhookConfigs: WebhookConfig[];
}

export interface BankAccountDetails {
  id: string;
  createdAt: Date;
  name: string;
  accountNumber?: string;
  iban?: string;
  swiftBicCode?: string;
  country?: string;
  metadata: Record<string, string>;
}

export interface CreateBankAccountRequest {
  bankAccount: BankAccountDetails;
  /** Stable across retries of one attempt; connectors must pass it to the PSP. */
  idempotencyKey: string;
}

export interface CreateBankAccountResponse {
  relatedAccount: PspAccount;
}

export interface PspPaymentInitiation {
  reference: string;
  createdAt: Date;
  description: string;
  sourceAccount?: PspAccount;
  destinationAccount?: PspAccount;
  amount: bigint;
  asset: string;
  metadata: Record<string, string>;
}

export interface CreateTransferRequest {
  paymentInitiation: PspPaymentInitiation;
  /** Stable across retries of one attempt; connectors must pass it to the PSP. */
  idempotencyKey: string;
}

/** Either the payment is known at once, or the PSP gave an id to poll until it is. */
export interface CreateTransferResponse {
  payment?: PspPayment;
  pollingId?: string;
}

export interface ReverseTransferRequest {
  paymentInitiationReversal: {
    reference: string;
    createdAt: Date;
    description: string;
    relatedPaymentInitiation: PspPaymentInitiation;
    amount: bigint;
    asset: string;
    metadata: Record<string, string>;
  };
  idempotencyKey: string;
}

export interface ReverseTransferResponse {
  payment: PspPayment;
}

export interface PollTransferStatusRequest {
  pollingId: string;
}

/** `payment` stays undefined while the outcome is not known yet. */
export interface PollTransferStatusResponse {
  payment?: PspPayment;
}

/**
 * A payment service user (PSU) as a connector sees it: the person or company a PSP user stands for. The
 * contact details and address are personal data: send the PSP only what it needs, and never log them.
 */
export interface PspPaymentServiceUser {
  id: string;
  name: string;
  createdAt: Date;
  contactDetails?: { email?: string; phoneNumber?: string; locale?: string };
  address?: {
    streetName?: string;
    streetNumber?: string;
    city?: string;
    region?: string;
    postalCode?: string;
    country?: string;
  };
  metadata: Record<string, string>;
}

export interface CreateUserRequest {
  paymentServiceUser: PspPaymentServiceUser;
  /**
   * Derived from the PSU and the connector: the same on every forward of that PSU to this connector, so
   * a forward repeated after a lost answer finds the user the first call created.
   */
  idempotencyKey: string;
}

export interface CreateUserResponse {
  /**
   * What the connector needs later to act on the user (the PSP's user id, a permanent token, …). It is
   * stored sealed with the service key and handed back to `deleteUser`; it is never shown by the API.
   */
  metadata?: Record<string, string>;
}

export interface DeleteUserRequest {
  paymentServiceUser: PspPaymentServiceUser;
  /** What `createUser` answered for this user (empty when it answered nothing). */
  metadata: Record<string, string>;
}

export interface CreateWebhooksRequest {
  webhookBaseUrl: string;
  fromPayload?: FromPayload;
}

export interface CreateWebhooksResponse {
  configs: WebhookConfig[];
  others: PspOther[];
  /**
   * What an operator must know about the registration (e.g. the PSP delivers only to https:// URLs, so
   * none was made): kept on the run, where the CLI and the console show it, as fetch warnings are.
   */
  warnings?: string[];
}

export interface Webhook {
  headers: Record<string, string[]>;
  queryValues: Record<string, string[]>;
  body: Buffer;
  basicAuth?: { username: string; password: string };
}

export interface VerifyWebhookRequest {
  webhook: Webhook;
  config: WebhookConfig;
  /**
   * When Paybridge received the delivery: check a signed timestamp against this, never against the
   * clock. A `local` verifier runs at intake, so it is the moment of the request; a `network` verifier
   * runs later, in a job (possibly minutes later under load).
   */
  receivedAt: Date;
}

/**
 * How a connector verifies its webhook deliveries, which decides how Paybridge takes them in:
 * - `local`: `verifyWebhook` needs only the delivery and its webhook config (an HMAC, a signature
 *   against a key the connector already holds), so it runs while the PSP's request is open. A delivery
 *   that fails is answered 401 and only counted, never stored; one that passes is stored as verified
 *   and the job does not verify it again.
 * - `network`: `verifyWebhook` calls out (asks the PSP to confirm the event), which an unauthenticated
 *   caller must not be able to trigger at will. Deliveries are stored first, within a per-connector cap
 *   on those still unverified (429 beyond it), and verified by the job.
 */
export type WebhookVerification = 'local' | 'network';

/** HTTP methods a PSP may deliver webhooks with. */
export type WebhookMethod = 'POST' | 'PUT' | 'PATCH' | 'GET' | 'DELETE';

/** A connector's declaration of how its webhooks arrive (see ConnectorRegistration.webhooks). */
export interface WebhookIntake {
  verification: WebhookVerification;
  /** Methods accepted besides POST (which always is); any other method on its webhook paths is a 405. */
  methods?: readonly WebhookMethod[];
  /**
   * What a stored delivery is answered with, for PSPs that check the body of the acknowledgement (Adyen
   * wants `[accepted]`); without it, an empty 200. Refusals keep the API's error envelope.
   */
  acknowledgement?: WebhookAcknowledgement;
}

/** The 200 answer to a delivery Paybridge has stored. */
export interface WebhookAcknowledgement {
  contentType: string;
  body: string;
}

export interface VerifyWebhookResponse {
  idempotencyKey?: string;
}

export interface TrimWebhookResponse {
  webhooks: Webhook[];
}

export type WebhookTranslation =
  | { kind: 'account'; account: PspAccount }
  | { kind: 'externalAccount'; account: PspAccount }
  | { kind: 'payment'; payment: PspPayment }
  | { kind: 'balance'; balance: PspBalance }
  | { kind: 'paymentToDelete'; reference: string };

export interface TranslateWebhookResponse {
  responses: WebhookTranslation[];
}

/**
 * Everything a connector may implement. Unsupported operations throw NotImplementedError; for the user
 * operations, which no capability announces, that is how the API learns the connector lacks them.
 */
export interface Connector {
  /**
   * Proves the config and returns the task tree. A connector that talks to a PSP makes one cheap
   * authenticated read here (Stripe its account, Adyen its company, Wise its profiles, Mangopay one user,
   * Generic one account), so a wrong endpoint or key is refused at install: the engine answers 400 with
   * the PSP's reason and stores nothing (engine/lifecycle/connectors.ts). It runs at install and again at
   * every config update, so it must not create anything at the PSP (CREATE_WEBHOOKS tasks do).
   */
  install(): Promise<InstallResponse>;
  uninstall(request: UninstallRequest): Promise<void>;

  fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>>;
  fetchNextBalances(request: FetchNextRequest): Promise<FetchNextResponse<PspBalance>>;
  fetchNextExternalAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>>;
  fetchNextPayments(request: FetchNextRequest): Promise<FetchNextResponse<PspPayment>>;
  fetchNextOthers(request: FetchNextRequest): Promise<FetchNextResponse<PspOther>>;
  fetchNextOrders(request: FetchNextRequest): Promise<FetchNextResponse<PspOrder>>;
  fetchNextConversions(request: FetchNextRequest): Promise<FetchNextResponse<PspConversion>>;

  createBankAccount(request: CreateBankAccountRequest): Promise<CreateBankAccountResponse>;
  createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse>;
  reverseTransfer(request: ReverseTransferRequest): Promise<ReverseTransferResponse>;
  pollTransferStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse>;
  createPayout(request: CreateTransferRequest): Promise<CreateTransferResponse>;
  reversePayout(request: ReverseTransferRequest): Promise<ReverseTransferResponse>;
  pollPayoutStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse>;

  /**
   * Creates the user at the PSP (open banking: the PSP's user behind future bank links). Must be
   * idempotent: pass `idempotencyKey` to the PSP, and answer a call for a user the PSP already has as
   * the first call was answered, creating nothing new. The key is the same again when the user is
   * forwarded anew after `deleteUser`; if the PSP would replay the deleted user's answer for it, find
   * the user by its id instead. Throw `InvalidRequestError` only when the PSP certainly created nothing;
   * any other error is an unknown outcome, and the API's caller may forward again.
   */
  createUser(request: CreateUserRequest): Promise<CreateUserResponse>;
  /**
   * Deletes the user at the PSP. Must be idempotent: deleting a user the PSP no longer has succeeds, as
   * the engine repeats the call after an unknown outcome (a timeout, a 5xx). Throw
   * `InvalidRequestError` only for a refusal that repeating cannot fix; it fails the deletion task.
   */
  deleteUser(request: DeleteUserRequest): Promise<void>;

  createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse>;
  verifyWebhook(request: VerifyWebhookRequest): Promise<VerifyWebhookResponse>;
  trimWebhook(request: VerifyWebhookRequest): Promise<TrimWebhookResponse>;
  translateWebhook(request: VerifyWebhookRequest & { name: string }): Promise<TranslateWebhookResponse>;
}
