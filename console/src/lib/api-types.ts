// The v3 wire objects the console reads (see src/api/v3/schemas.ts); amounts stay exact (number or bigint).
import type {
  AccountType,
  PaymentInitiationStatus,
  PaymentInitiationType,
  PaymentStatus,
  PaymentType,
  TaskStatus,
} from '../../../src/domain/enums.js';
import type { Amount } from './format.js';

export interface Cursor<T> {
  pageSize: number;
  hasMore: boolean;
  next?: string;
  previous?: string;
  data: T[];
}

export interface Connector {
  id: string;
  reference: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  provider: string;
  config: Record<string, unknown>;
  scheduledForDeletion: boolean;
  capabilities: string[];
}

export type ConfigDataType =
  'string' | 'long string' | 'duration ns' | 'unsigned integer' | 'number' | 'boolean';

export interface ConfigEntry {
  dataType: ConfigDataType;
  required: boolean;
  defaultValue: string;
  /** Set on fields stored encrypted: entered in a password input, never shown back. */
  secret?: true;
}

export type ConfigCatalog = Record<string, Record<string, ConfigEntry>>;

export interface ScheduleLastRun {
  id: string;
  createdAt: string;
  terminatedAt?: string;
  error?: string;
  items: number;
  skippedRecords: number;
  /** What the run wants an operator to know (a status mapped to OTHER, webhooks the PSP would not take). */
  warnings?: string[];
}

export interface Schedule {
  id: string;
  connectorID: string;
  createdAt: string;
  pausedAt?: string;
  pausedReason?: string;
  taskType: string;
  nextRunAt?: string;
  consecutiveFailures: number;
  lastRun?: ScheduleLastRun;
}

export interface ScheduleRun {
  id: string;
  scheduleID: string;
  connectorID: string;
  createdAt: string;
  updatedAt: string;
  terminated: boolean;
  terminatedAt?: string;
  error?: string;
  pages: number;
  items: number;
  skippedRecords: number;
}

export interface Task {
  id: string;
  connectorID?: string;
  status: TaskStatus;
  createdAt: string;
  updatedAt: string;
  createdObjectID?: string;
  error?: string;
}

export const WEBHOOK_STATUSES = ['RECEIVED', 'PROCESSED', 'DUPLICATE', 'REJECTED', 'FAILED'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export interface WebhookDelivery {
  id: string;
  receivedAt: string;
  config: string;
  status: WebhookStatus;
  attempts: number;
  idempotencyKey?: string;
  error?: string;
  processedAt?: string;
}

export interface Account {
  id: string;
  connectorID: string;
  connector: { id: string; name: string; provider: string };
  provider: string;
  reference: string;
  createdAt: string;
  type: AccountType;
  name: string | null;
  defaultAsset: string | null;
  metadata: Record<string, string>;
}

/** One interval of an account's balance history: the balance held from createdAt until lastUpdatedAt. */
export interface Balance {
  accountID: string;
  createdAt: string;
  lastUpdatedAt: string;
  asset: string;
  balance: Amount;
}

export interface PaymentAdjustment {
  id: string;
  reference: string;
  createdAt: string;
  status: PaymentStatus;
  amount?: Amount;
  asset?: string;
  metadata: Record<string, string>;
}

export interface Payment {
  id: string;
  connectorID: string;
  provider: string;
  reference: string;
  createdAt: string;
  type: PaymentType;
  initialAmount: Amount;
  amount: Amount;
  asset: string;
  scheme: string;
  status: PaymentStatus;
  sourceAccountID: string | null;
  destinationAccountID: string | null;
  metadata: Record<string, string>;
  adjustments: PaymentAdjustment[] | null;
}

export interface PaymentInitiation {
  id: string;
  connectorID: string;
  provider: string;
  reference: string;
  createdAt: string;
  scheduledAt: string;
  description: string;
  type: PaymentInitiationType;
  sourceAccountID?: string;
  destinationAccountID?: string;
  amount: Amount;
  asset: string;
  metadata: Record<string, string>;
  status: PaymentInitiationStatus;
  error?: string;
}

export interface PaymentInitiationAdjustment {
  id: string;
  createdAt: string;
  status: PaymentInitiationStatus;
  amount?: Amount;
  asset?: string;
  error?: string;
  metadata: Record<string, string>;
}

// --- Paybridge payment report extensions (GET /v3/payments/totals, /v3/payments/{id}/events) ---

/** Count and sums of the payments of a filter in one asset; amounts in minor units. */
export interface AssetTotal {
  asset: string;
  count: Amount;
  amount: Amount;
  initialAmount: Amount;
  amountDecimal: string;
  initialAmountDecimal: string;
}

/** One outbox event a payment produced, with its delivery state and what the payment looked like. */
export interface PaymentEvent {
  id: string;
  type: string;
  createdAt: string;
  delivery: { status: string; attempts: number; sentAt?: string; lastError?: string };
  summary: {
    status?: string;
    amount?: Amount;
    initialAmount?: Amount;
    asset?: string;
    scheme?: string;
    pspStatus?: string;
  };
}

export interface PaymentEventPage {
  pageSize: number;
  hasMore: boolean;
  next?: string;
  data: PaymentEvent[];
}

/** POST /v3/payment-initiations: amounts in minor units, exact. */
export interface InitiationRequest {
  reference: string;
  connectorID: string;
  type: PaymentInitiationType;
  amount: bigint;
  asset: string;
  sourceAccountID?: string;
  destinationAccountID: string;
  description?: string;
  metadata: Record<string, string>;
}

export interface BankAccount {
  id: string;
  createdAt: string;
  name: string;
  accountNumber: string | null;
  iban: string | null;
  swiftBicCode: string | null;
  country: string | null;
  metadata: Record<string, string>;
  relatedAccounts: { accountID: string; createdAt: string }[];
}

/** What a connector holds, from the Paybridge extension `GET /v3/connectors/{id}/counts`: what an uninstall deletes. */
export interface ConnectorCounts {
  accounts: number;
  balances: number;
  payments: number;
  paymentAdjustments: number;
  paymentInitiations: { total: number; processed: number; inFlight: number; waitingForValidation: number };
  bankAccountLinks: number;
  poolMemberships: number;
  orders: number;
  conversions: number;
  schedules: number;
  webhooks: number;
}
