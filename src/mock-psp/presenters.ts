// Wire shapes: the Generic contract's objects (cached as JSON text for the hot list endpoints) and the admin views.
import type { Beneficiary, InternalAccount, Tenant, Transaction } from './store.js';
import type { Delivery } from './webhook-delivery.js';
import type { WebhookRegistration } from './webhook-registrations.js';

/** RFC 3339 in UTC, always with milliseconds. */
export function formatMs(ms: number): string {
  return new Date(ms).toISOString();
}

export function contractAccount(account: InternalAccount) {
  return {
    id: account.id,
    accountName: account.accountName,
    createdAt: formatMs(account.createdAtMs),
    metadata: account.metadata,
  };
}

export function contractBeneficiary(beneficiary: Beneficiary) {
  return {
    id: beneficiary.id,
    ownerName: beneficiary.ownerName,
    createdAt: formatMs(beneficiary.createdAtMs),
    metadata: beneficiary.metadata,
  };
}

/** Optional fields are left undefined, which JSON drops: the contract omits them rather than sending null. */
export function contractTransaction(transaction: Transaction) {
  return {
    id: transaction.id,
    relatedTransactionID: transaction.relatedTransactionID,
    createdAt: formatMs(transaction.createdAtMs),
    updatedAt: formatMs(transaction.updatedAtMs),
    currency: transaction.asset,
    scheme: transaction.scheme,
    type: transaction.type,
    status: transaction.status,
    amount: transaction.amount.toString(),
    sourceAccountID: transaction.sourceAccountID,
    destinationAccountID: transaction.destinationAccountID,
    metadata: transaction.metadata,
  };
}

// Serving a page is then a join of cached strings: polling clients re-read the same records many times.
export function accountJson(account: InternalAccount): string {
  return (account.json ??= JSON.stringify(contractAccount(account)));
}

export function beneficiaryJson(beneficiary: Beneficiary): string {
  return (beneficiary.json ??= JSON.stringify(contractBeneficiary(beneficiary)));
}

export function transactionJson(transaction: Transaction): string {
  return (transaction.json ??= JSON.stringify(contractTransaction(transaction)));
}

/** `at` is when the balances were read, or, in a webhook, when the change that moved them happened. */
export function contractBalances(tenant: Tenant, account: InternalAccount, atMs = Date.now()) {
  return {
    id: account.id,
    accountID: account.id,
    at: formatMs(atMs),
    balances: tenant
      .balancesOf(account)
      .map((balance) => ({ amount: balance.amount.toString(), currency: balance.asset })),
  };
}

/** A payout or transfer: the request's fields, then the state of the transaction it created. */
export function initiationObject(transaction: Transaction) {
  const initiation = transaction.initiation;
  return {
    idempotencyKey: initiation?.idempotencyKey,
    amount: (initiation?.amount ?? transaction.amount).toString(),
    currency: initiation?.currency ?? transaction.asset,
    sourceAccountId: initiation?.sourceAccountId,
    destinationAccountId: initiation?.destinationAccountId,
    description: initiation?.description,
    metadata: initiation?.metadata,
    id: transaction.id,
    status: transaction.status,
    createdAt: formatMs(transaction.createdAtMs),
    updatedAt: formatMs(transaction.updatedAtMs),
  };
}

export function adminAccount(tenant: Tenant, account: InternalAccount) {
  return {
    ...contractAccount(account),
    currency: account.asset,
    balances: tenant
      .balancesOf(account)
      .map((balance) => ({ currency: balance.asset, amount: balance.amount.toString() })),
  };
}

export function adminTransaction(tenant: Tenant, transaction: Transaction) {
  return { ...contractTransaction(transaction), actions: tenant.allowedActions(transaction) };
}

/** A registration as lists show it: never the secret, which only its creation returns. */
export function webhookRegistration(registration: WebhookRegistration) {
  return { id: registration.id, url: registration.url, createdAt: formatMs(registration.createdAtMs) };
}

/** The answer to a registration: the one place the secret is shown. */
export function createdWebhookRegistration(registration: WebhookRegistration) {
  return {
    id: registration.id,
    url: registration.url,
    secret: registration.secret,
    createdAt: formatMs(registration.createdAtMs),
  };
}

export function webhookDelivery(delivery: Delivery) {
  return {
    id: delivery.id,
    webhookId: delivery.webhookId,
    type: delivery.type,
    attempts: delivery.attempts,
    status: delivery.status,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAtMs === undefined ? undefined : formatMs(delivery.deliveredAtMs),
  };
}
