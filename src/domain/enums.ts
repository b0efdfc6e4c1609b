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
