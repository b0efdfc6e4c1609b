// Kysely table types. Timestamps and NUMERIC come back as text (exactness); JSON columns through the bigint-safe parser.
import type { ColumnType, Generated } from 'kysely';

/** timestamptz: written as ISO text, read as PostgreSQL text in UTC. */
type Timestamp = ColumnType<string, string, string>;
type TimestampDefault = ColumnType<string, string | undefined, string>;
/** NUMERIC: written from bigint, read as a digit string. */
type Numeric = ColumnType<string, bigint | string, bigint | string>;
/** json/jsonb: written as JSON text, read parsed. */
type Json<T = unknown> = ColumnType<T, string, string>;
type JsonDefault<T = unknown> = ColumnType<T, string | undefined, string>;

export interface ConnectorsTable {
  id: string;
  reference: string;
  provider: string;
  name: string;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  config_encrypted: string;
  polling_period_ms: ColumnType<string, number, number>;
  page_size: number;
  task_tree: Json;
  scheduled_for_deletion: ColumnType<boolean, boolean | undefined, boolean>;
  max_concurrent_runs: number | null;
  calls_per_second: number | null;
  sort_id: Generated<string>;
}

export interface SchedulesTable {
  id: string;
  connector_id: string;
  node_path: string;
  parent_id: ColumnType<string, string | undefined, string>;
  parent_schedule_id: ColumnType<string | null, string | null | undefined, string | null>;
  task_type: string;
  periodic: boolean;
  from_payload: Json | null;
  state: Json | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  next_run_at: Timestamp | null;
  lease_until: Timestamp | null;
  lease_instance_id: string | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  paused_at: Timestamp | null;
  paused_reason: string | null;
  sort_id: Generated<string>;
}

export interface ScheduleInstancesTable {
  id: string;
  schedule_id: string;
  connector_id: string;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  terminated: ColumnType<boolean, boolean | undefined, boolean>;
  terminated_at: Timestamp | null;
  error: string | null;
  pages: ColumnType<number, number | undefined, number>;
  items: ColumnType<number, number | undefined, number>;
  skipped: ColumnType<number, number | undefined, number>;
  /** Distinct, in arrival order, bounded (RUN_WARNINGS_MAX of RUN_WARNING_LENGTH characters). */
  warnings: ColumnType<string[], string[] | undefined, string[]>;
  sort_id: Generated<string>;
}

export interface TasksTable {
  id: string;
  connector_id: string | null;
  status: string;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  created_object_id: string | null;
  error: string | null;
  sort_id: Generated<string>;
}

export interface AccountsTable {
  id: string;
  connector_id: string;
  reference: string;
  type: string;
  created_at: Timestamp;
  name: string | null;
  default_asset: string | null;
  metadata: JsonDefault<Record<string, string>>;
  raw: Json;
  updated_at: TimestampDefault;
  sort_id: Generated<string>;
}

export interface BalancesTable {
  account_id: string;
  asset: string;
  created_at: Timestamp;
  last_updated_at: Timestamp;
  balance: Numeric;
  connector_id: string;
  sort_id: Generated<string>;
}

export interface PaymentsTable {
  id: string;
  connector_id: string;
  reference: string;
  type: string;
  created_at: Timestamp;
  initial_amount: Numeric;
  amount: Numeric;
  asset: string;
  scheme: string;
  status: string;
  status_at: Timestamp;
  source_account_id: string | null;
  destination_account_id: string | null;
  metadata: JsonDefault<Record<string, string>>;
  updated_at: TimestampDefault;
  sort_id: Generated<string>;
}

export interface PaymentAdjustmentsTable {
  id: string;
  payment_id: string;
  connector_id: string;
  reference: string;
  created_at: Timestamp;
  status: string;
  amount: Numeric | null;
  asset: string | null;
  metadata: JsonDefault<Record<string, string>>;
  raw: Json;
  sort_id: Generated<string>;
}

type NullableNumeric = ColumnType<string | null, bigint | string | null, bigint | string | null>;

export interface OrdersTable {
  id: string;
  connector_id: string;
  reference: string;
  client_order_id: string | null;
  created_at: Timestamp;
  /** The time of the newest observation stored. */
  updated_at: Timestamp;
  direction: string;
  source_asset: string;
  destination_asset: string;
  type: string;
  status: string;
  base_quantity_ordered: Numeric;
  base_quantity_filled: NullableNumeric;
  limit_price: NullableNumeric;
  stop_price: NullableNumeric;
  price_asset: string | null;
  average_fill_price: NullableNumeric;
  time_in_force: string;
  expires_at: Timestamp | null;
  quote_amount: NullableNumeric;
  quote_asset: string | null;
  fee: NullableNumeric;
  fee_asset: string | null;
  error: string | null;
  source_account_id: string | null;
  destination_account_id: string | null;
  metadata: JsonDefault<Record<string, string>>;
  raw: Json;
  sort_id: Generated<string>;
}

export interface OrderAdjustmentsTable {
  id: string;
  order_id: string;
  connector_id: string;
  reference: string;
  created_at: Timestamp;
  status: string;
  base_quantity_filled: NullableNumeric;
  fee: NullableNumeric;
  fee_asset: string | null;
  metadata: JsonDefault<Record<string, string>>;
  raw: Json;
  sort_id: Generated<string>;
}

export interface ConversionsTable {
  id: string;
  connector_id: string;
  reference: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  source_asset: string;
  destination_asset: string;
  source_amount: Numeric;
  destination_amount: NullableNumeric;
  fee: NullableNumeric;
  fee_asset: string | null;
  status: string;
  error: string | null;
  source_account_id: string | null;
  destination_account_id: string | null;
  metadata: JsonDefault<Record<string, string>>;
  raw: Json;
  sort_id: Generated<string>;
}

export interface OutboxEventsTable {
  id: string;
  seq: Generated<string>;
  connector_id: string | null;
  entity_id: string;
  type: string;
  payload: Json;
  created_at: TimestampDefault;
  status: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: TimestampDefault;
  last_error: string | null;
  sent_at: Timestamp | null;
}

export interface PoolsTable {
  id: string;
  name: string;
  created_at: TimestampDefault;
  type: string;
  query: Json | null;
  sort_id: Generated<string>;
}

export interface PoolAccountsTable {
  pool_id: string;
  account_id: string;
  connector_id: string;
}

export interface BankAccountsTable {
  id: string;
  created_at: TimestampDefault;
  name: string;
  account_number_sealed: string | null;
  account_number_masked: string | null;
  iban_sealed: string | null;
  iban_masked: string | null;
  swift_bic_code_sealed: string | null;
  swift_bic_code_masked: string | null;
  country: string | null;
  metadata: JsonDefault<Record<string, string>>;
  /** The payment service user the bank account belongs to, if any. */
  psu_id: ColumnType<string | null, string | null | undefined, string | null>;
  sort_id: Generated<string>;
}

export interface BankAccountRelatedAccountsTable {
  bank_account_id: string;
  account_id: string;
  connector_id: string;
  created_at: TimestampDefault;
}

type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface PaymentInitiationsTable {
  id: string;
  connector_id: string;
  reference: string;
  created_at: TimestampDefault;
  scheduled_at: Nullable<string>;
  description: ColumnType<string, string | undefined, string>;
  type: string;
  source_account_id: string | null;
  destination_account_id: string | null;
  amount: Numeric;
  asset: string;
  metadata: JsonDefault<Record<string, string>>;
  status: string;
  error: Nullable<string>;
  attempt: ColumnType<number, number | undefined, number>;
  task_id: Nullable<string>;
  polling_id: Nullable<string>;
  tries: ColumnType<number, number | undefined, number>;
  deadline_at: Nullable<string>;
  next_run_at: Nullable<string>;
  lease_until: Nullable<string>;
  lease_token: Nullable<string>;
  reversal_id: Nullable<string>;
  reversed_amount: ColumnType<string, bigint | string | undefined, bigint | string>;
  updated_at: TimestampDefault;
  sort_id: Generated<string>;
}

export interface PaymentInitiationAdjustmentsTable {
  id: string;
  payment_initiation_id: string;
  connector_id: string;
  created_at: TimestampDefault;
  status: string;
  amount: ColumnType<string | null, bigint | string | null | undefined, bigint | string | null>;
  asset: Nullable<string>;
  error: Nullable<string>;
  metadata: JsonDefault<Record<string, string>>;
  sort_id: Generated<string>;
}

export interface PaymentInitiationRelatedPaymentsTable {
  payment_initiation_id: string;
  connector_id: string;
  payment_id: string;
  created_at: TimestampDefault;
  sort_id: Generated<string>;
}

export interface PaymentInitiationReversalsTable {
  id: string;
  payment_initiation_id: string;
  connector_id: string;
  reference: string;
  created_at: TimestampDefault;
  description: ColumnType<string, string | undefined, string>;
  amount: Numeric;
  asset: string;
  metadata: JsonDefault<Record<string, string>>;
  status: string;
  error: Nullable<string>;
  task_id: string;
  updated_at: TimestampDefault;
}

export interface PaymentServiceUsersTable {
  id: string;
  created_at: TimestampDefault;
  name: string;
  /** Contact details and address, sealed together with the keyring; null when neither was given. */
  details_sealed: string | null;
  metadata: JsonDefault<Record<string, string>>;
  sort_id: Generated<string>;
}

export interface PaymentServiceUserConnectorsTable {
  psu_id: string;
  connector_id: string;
  created_at: TimestampDefault;
  /** The connector's answer to createUser (a JSON object), sealed with the keyring; null when empty. */
  metadata_sealed: string | null;
}

export interface WebhookConfigsTable {
  connector_id: string;
  name: string;
  url_path: string;
  metadata_sealed: string;
  created_at: TimestampDefault;
}

export interface WebhooksTable {
  id: string;
  connector_id: string;
  config_name: string;
  received_at: TimestampDefault;
  method: string;
  headers: Json<Record<string, string[]>> | null;
  query: Json<Record<string, string[]>> | null;
  body: Buffer | null;
  status: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  error: Nullable<string>;
  idempotency_key: Nullable<string>;
  processed_at: Nullable<string>;
  /** Set when the delivery was verified at intake (a `local` verifier); the job then skips verification. */
  verified_at: Nullable<string>;
  /** RECEIVED: when it may be claimed (next attempt, or the end of the lease of the worker holding it). */
  due_at: TimestampDefault;
  sort_id: Generated<string>;
}

export interface WebhookKeysTable {
  connector_id: string;
  idempotency_key: string;
  created_at: TimestampDefault;
}

export interface AuthClientsTable {
  id: string;
  name: string;
  secret_hash: string;
  scope: string;
  created_at: TimestampDefault;
  revoked_at: Nullable<string>;
  sort_id: Generated<string>;
}

export interface AuthSigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: Json<Record<string, unknown>>;
  private_key_sealed: Nullable<string>;
  created_at: TimestampDefault;
  retired_at: Nullable<string>;
}

export interface AuditRecordsTable {
  id: string;
  created_at: TimestampDefault;
  subject: string | null;
  client_id: string | null;
  method: string;
  route: string;
  path_ids: Json<Record<string, string>>;
  status_code: number;
  request_id: string;
  sort_id: Generated<string>;
}

export interface Database {
  connectors: ConnectorsTable;
  schedules: SchedulesTable;
  schedule_instances: ScheduleInstancesTable;
  tasks: TasksTable;
  accounts: AccountsTable;
  balances: BalancesTable;
  payments: PaymentsTable;
  payment_adjustments: PaymentAdjustmentsTable;
  orders: OrdersTable;
  order_adjustments: OrderAdjustmentsTable;
  conversions: ConversionsTable;
  outbox_events: OutboxEventsTable;
  pools: PoolsTable;
  pool_accounts: PoolAccountsTable;
  bank_accounts: BankAccountsTable;
  bank_account_related_accounts: BankAccountRelatedAccountsTable;
  payment_service_users: PaymentServiceUsersTable;
  payment_service_user_connectors: PaymentServiceUserConnectorsTable;
  payment_initiations: PaymentInitiationsTable;
  payment_initiation_adjustments: PaymentInitiationAdjustmentsTable;
  payment_initiation_related_payments: PaymentInitiationRelatedPaymentsTable;
  payment_initiation_reversals: PaymentInitiationReversalsTable;
  webhook_configs: WebhookConfigsTable;
  webhooks: WebhooksTable;
  webhook_keys: WebhookKeysTable;
  auth_clients: AuthClientsTable;
  auth_signing_keys: AuthSigningKeysTable;
  audit_records: AuditRecordsTable;
}
