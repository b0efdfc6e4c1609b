// Wire enumerations shared with Formance Payments v3 (strings copied exactly, including upstream misspellings).

export const ACCOUNT_TYPES = ['UNKNOWN', 'INTERNAL', 'EXTERNAL'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const PAYMENT_TYPES = ['UNKNOWN', 'PAY-IN', 'PAYOUT', 'TRANSFER', 'OTHER'] as const;
export type PaymentType = (typeof PAYMENT_TYPES)[number];

export const PAYMENT_STATUSES = [
  'UNKNOWN',
  'PENDING',
  'SUCCEEDED',
  'CANCELLED',
  'FAILED',
  'EXPIRED',
  'REFUNDED',
  'REFUNDED_FAILURE',
  'REFUND_REVERSED',
  'DISPUTE',
  'DISPUTE_WON',
  'DISPUTE_LOST',
  'AMOUNT_ADJUSTEMENT',
  'AUTHORISATION',
  'CAPTURE',
  'CAPTURE_FAILED',
  'OTHER',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_SCHEMES = [
  'UNKNOWN',
  'CARD_VISA',
  'CARD_MASTERCARD',
  'CARD_AMEX',
  'CARD_DINERS',
  'CARD_DISCOVER',
  'CARD_JCB',
  'CARD_UNION_PAY',
  'CARD_ALIPAY',
  'CARD_CUP',
  'SEPA_DEBIT',
  'SEPA_CREDIT',
  'SEPA',
  'GOOGLE_PAY',
  'APPLE_PAY',
  'DOKU',
  'DRAGON_PAY',
  'MAESTRO',
  'MOL_PAY',
  'A2A',
  'ACH_DEBIT',
  'ACH',
  'RTP',
  'OTHER',
] as const;
export type PaymentScheme = (typeof PAYMENT_SCHEMES)[number];

export const TASK_STATUSES = ['PROCESSING', 'SUCCEEDED', 'FAILED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const PAYMENT_INITIATION_TYPES = ['UNKNOWN', 'TRANSFER', 'PAYOUT'] as const;
export type PaymentInitiationType = (typeof PAYMENT_INITIATION_TYPES)[number];

export const PAYMENT_INITIATION_STATUSES = [
  'UNKNOWN',
  'WAITING_FOR_VALIDATION',
  'SCHEDULED_FOR_PROCESSING',
  'PROCESSING',
  'PROCESSED',
  'FAILED',
  'REJECTED',
  'REVERSE_PROCESSING',
  'REVERSE_FAILED',
  'REVERSED',
] as const;
export type PaymentInitiationStatus = (typeof PAYMENT_INITIATION_STATUSES)[number];

export const ORDER_STATUSES = [
  'UNKNOWN',
  'PENDING',
  'OPEN',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELLED',
  'FAILED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_TYPES = [
  'UNKNOWN',
  'MARKET',
  'LIMIT',
  'STOP_LIMIT',
  'STOP',
  'TWAP',
  'VWAP',
  'PEG',
  'BLOCK',
  'RFQ',
  'TRAILING_STOP',
  'TRAILING_STOP_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
  'LIMIT_MAKER',
] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const ORDER_DIRECTIONS = ['UNKNOWN', 'BUY', 'SELL'] as const;
export type OrderDirection = (typeof ORDER_DIRECTIONS)[number];

export const TIME_IN_FORCES = [
  'UNKNOWN',
  'GOOD_UNTIL_CANCELLED',
  'GOOD_UNTIL_DATE_TIME',
  'IMMEDIATE_OR_CANCEL',
  'FILL_OR_KILL',
] as const;
export type TimeInForce = (typeof TIME_IN_FORCES)[number];

export const CONVERSION_STATUSES = ['UNKNOWN', 'PENDING', 'COMPLETED', 'FAILED'] as const;
export type ConversionStatus = (typeof CONVERSION_STATUSES)[number];
