// Generates realistic transaction history for a tenant, in clusters that share one timestamp to exercise clients' tie handling.
import {
  assetPrecision,
  type Beneficiary,
  type InternalAccount,
  type Metadata,
  type Tenant,
  type TransactionDraft,
  type TransactionStatus,
} from './store.js';

export const GENERATED_TYPES = ['PAYIN', 'PAYOUT', 'TRANSFER'] as const;
export type GeneratedType = (typeof GENERATED_TYPES)[number];

export interface GenerateOptions {
  count: number;
  types: readonly GeneratedType[];
  clusterSize: number;
  random?: () => number;
}

const SEED_ACCOUNTS: Array<{ accountName: string; asset: string; metadata: Metadata }> = [
  { accountName: 'Main EUR account', asset: 'EUR/2', metadata: { iban: 'DE89370400440532013000' } },
  { accountName: 'USD operating account', asset: 'USD/2', metadata: { region: 'us' } },
];
const OWNER_NAMES = ['Acme Supplies GmbH', 'Jane Doe', 'Globex Corporation', 'Initech Ltd', 'Rossi & Figli'];
const PAYIN_SCHEMES = ['CARD_VISA', 'CARD_MASTERCARD', 'CARD_AMEX', 'SEPA', 'APPLE_PAY'];
const PAYOUT_SCHEMES = ['SEPA', 'ACH', 'SWIFT'];

/** Adds `count` transactions to the tenant, first creating the accounts and beneficiary they need. */
export function generateTransactions(tenant: Tenant, options: GenerateOptions): number {
  const random = options.random ?? Math.random;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const { accounts, beneficiaries } = ensureCounterparties(tenant, random, pick);
  const partners = transferPartners(accounts);
  const transferSources = accounts.filter((account) => (partners.get(account.asset)?.length ?? 0) > 1);

  let at = tenant.tick();
  let leftInCluster = 1 + Math.floor(random() * options.clusterSize);
  for (let i = 0; i < options.count; i++) {
    if (leftInCluster === 0) {
      at += 1;
      leftInCluster = 1 + Math.floor(random() * options.clusterSize);
    }
    leftInCluster -= 1;
    let type = pick(options.types);
    // Transfers need two internal accounts in one currency; without them the PSP only sees money coming in.
    if (type === 'TRANSFER' && transferSources.length === 0) type = 'PAYIN';
    const draft = draftOf(type, { accounts, beneficiaries, partners, transferSources }, random, pick);
    tenant.addTransaction(draft, { createdAtMs: at, updatedAtMs: at });
  }
  return options.count;
}

interface Counterparties {
  accounts: InternalAccount[];
  beneficiaries: Beneficiary[];
  partners: Map<string, InternalAccount[]>;
  transferSources: InternalAccount[];
}

function ensureCounterparties(
  tenant: Tenant,
  random: () => number,
  pick: <T>(items: readonly T[]) => T,
): { accounts: InternalAccount[]; beneficiaries: Beneficiary[] } {
  if (tenant.accounts.size === 0) {
    for (const seed of SEED_ACCOUNTS) {
      // Between 50 000.00 and 500 000.00: enough to fund the generated payouts most of the time.
      const initialBalance = BigInt(5_000_000 + Math.floor(random() * 45_000_000));
      tenant.addAccount({ ...seed, initialBalance });
    }
  }
  if (tenant.beneficiaries.size === 0) {
    tenant.addBeneficiary({ ownerName: pick(OWNER_NAMES), metadata: { country: 'DE' } });
  }
  return {
    accounts: [...tenant.accountsByCreated.all()],
    beneficiaries: [...tenant.beneficiariesByCreated.all()],
  };
}

function transferPartners(accounts: InternalAccount[]): Map<string, InternalAccount[]> {
  const byAsset = new Map<string, InternalAccount[]>();
  for (const account of accounts) {
    const group = byAsset.get(account.asset) ?? [];
    group.push(account);
    byAsset.set(account.asset, group);
  }
  return byAsset;
}

function draftOf(
  type: GeneratedType,
  parties: Counterparties,
  random: () => number,
  pick: <T>(items: readonly T[]) => T,
): TransactionDraft {
  const roll = random();
  let status: TransactionStatus = 'SUCCEEDED';
  if (roll >= 0.95) status = type === 'PAYIN' ? 'AUTHORISATION' : 'SUCCEEDED';
  else if (roll >= 0.9) status = 'FAILED';
  else if (roll >= 0.75) status = 'PENDING';

  const metadata: Metadata = {};
  if (random() < 0.3) metadata.order = `ord_${Math.floor(random() * 1_000_000)}`;
  if (random() < 0.1) metadata.customer = `cus_${Math.floor(random() * 100_000)}`;

  if (type === 'PAYIN') {
    const destination = pick(parties.accounts);
    return {
      type,
      status,
      amount: realisticAmount(destination.asset, random),
      asset: destination.asset,
      destinationAccountID: destination.id,
      scheme: random() < 0.7 ? pick(PAYIN_SCHEMES) : undefined,
      metadata,
    };
  }
  if (type === 'PAYOUT') {
    const source = pick(parties.accounts);
    return {
      type,
      status,
      amount: realisticAmount(source.asset, random),
      asset: source.asset,
      sourceAccountID: source.id,
      destinationAccountID: pick(parties.beneficiaries).id,
      scheme: random() < 0.5 ? pick(PAYOUT_SCHEMES) : undefined,
      metadata,
    };
  }
  const source = pick(parties.transferSources);
  const others = (parties.partners.get(source.asset) ?? []).filter((account) => account !== source);
  const destination = pick(others);
  return {
    type,
    status,
    amount: realisticAmount(source.asset, random),
    asset: source.asset,
    sourceAccountID: source.id,
    destinationAccountID: destination.id,
    metadata,
  };
}

/** Log-uniform between 1.00 and 5 000.00 in major units, expressed in the asset's minor units. */
function realisticAmount(asset: string, random: () => number): bigint {
  const major = Math.exp(random() * Math.log(5000));
  const minor = Math.round(major * 10 ** assetPrecision(asset));
  return BigInt(Math.max(minor, 10 ** assetPrecision(asset)));
}
