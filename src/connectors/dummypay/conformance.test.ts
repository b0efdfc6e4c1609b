// The conformance suite on DummyPay, whose "PSP" is a directory of JSON files (the fixtures, copied per case).
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { describeConformance } from '../sdk/testing/index.js';
import { readDummyPayMovements, readDummyPayRequests, setDummyPayPaymentStatus } from './psp-files.js';
import './index.js';

const FILES = [
  'accounts.json',
  'balances.json',
  'external_accounts.json',
  'payments.json',
  'orders.json',
  'conversions.json',
] as const;
const fixturePath = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

async function fixture<T>(name: string): Promise<T> {
  return parseJson(await readFile(fixturePath(name), 'utf8')) as T;
}

const accounts = await fixture<{ id: string }[]>('accounts.json');
const balances = await fixture<{ account_id: string; currency: string }[]>('balances.json');
const externalAccounts = await fixture<{ id: string }[]>('external_accounts.json');
const payments = await fixture<{ reference: string }[]>('payments.json');
const orders = await fixture<{ id: string }[]>('orders.json');
const conversions = await fixture<{ id: string }[]>('conversions.json');
// Balances are keyed by asset as the connector maps them (`EUR` → `EUR/2`).
const ASSETS: Record<string, string> = {
  EUR: 'EUR/2',
  'EUR/2': 'EUR/2',
  USD: 'USD/2',
  JPY: 'JPY/0',
  'BTC/8': 'BTC/8',
  GBP: 'GBP/2',
  SEK: 'SEK/2',
};

const account = (reference: string) => ({ reference, createdAt: new Date('2026-01-05T09:00:00Z'), raw: {} });

describeConformance({
  provider: 'dummypay',
  config: (_psp, env) => ({ directory: env.directory }),
  setup: async (_psp, env) => {
    for (const file of FILES) await copyFile(fixturePath(file), join(env.directory, file));
  },
  paging: {
    expected: {
      fetch_accounts: accounts.map((a) => a.id),
      'fetch_accounts/fetch_balances': balances.map(
        (b) => `${b.account_id}/${ASSETS[b.currency] ?? b.currency}`,
      ),
      fetch_external_accounts: externalAccounts.map((a) => a.id),
      fetch_payments: payments.map((p) => p.reference),
      fetch_orders: orders.map((o) => o.id),
      fetch_conversions: conversions.map((c) => c.id),
    },
    relists:
      'each pass rereads its file from the top, so the engine sees edits and knows the listing is complete (MAPPING.md, Paging)',
    // A pending payout settles and an account is appended to the file.
    change: async (_psp, env) => {
      await setDummyPayPaymentStatus(
        env.directory,
        'dp-pay-002',
        'SUCCEEDED',
        new Date('2026-02-10T00:00:00Z'),
      );
      const path = join(env.directory, 'accounts.json');
      const records = parseJson(await readFile(path, 'utf8')) as unknown[];
      records.push({
        id: 'dp-acc-new',
        name: 'Opened later',
        opening_date: '2026-02-10T00:00:00Z',
        currency: 'EUR',
      });
      await writeFile(path, stringifyJson(records));
      return { fetch_accounts: ['dp-acc-new'], fetch_payments: ['dp-pay-002'] };
    },
  },
  writes: {
    ledger: async (env) => ({
      received: (await readDummyPayRequests(env.directory))
        .filter((line) => line.idempotencyKey !== null)
        .map((line) => line.idempotencyKey ?? ''),
      movements: (await readDummyPayMovements(env.directory)).map((movement) => movement.idempotencyKey),
    }),
    transfer: {
      reference: 'pi-transfer',
      createdAt: new Date('2026-02-10T00:00:00Z'),
      description: 'conformance transfer',
      sourceAccount: account('dp-acc-eur'),
      destinationAccount: account('dp-acc-eur-2'),
      amount: 2500n,
      asset: 'EUR/2',
      metadata: {},
    },
    payout: {
      reference: 'pi-payout',
      createdAt: new Date('2026-02-10T00:00:00Z'),
      description: 'conformance payout',
      sourceAccount: account('dp-acc-usd'),
      destinationAccount: account('dp-ext-2'),
      amount: 1000n,
      asset: 'USD/2',
      metadata: {},
    },
    bankAccount: {
      id: 'ba-1',
      createdAt: new Date('2026-02-10T00:00:00Z'),
      name: 'Acme Supplies EUR',
      iban: 'FR1420041010050500013M02606',
      swiftBicCode: 'PSSTFRPPPAR',
      country: 'FR',
      metadata: { owner: 'acme' },
    },
  },
});
