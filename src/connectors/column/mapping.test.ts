// Column's transfers, accounts and counterparties mapped: per-rail statuses, directions, exact amounts, and one answer whatever the shape.
import { describe, expect, it } from 'vitest';
import { fixtureTransfers, listEntryOf, newWorld } from './fake.js';
import {
  bankAccountSchema,
  counterpartySchema,
  RAILS,
  STATUS_BY_RAIL,
  toBalance,
  toExternalAccount,
  toPayment,
  transferSchema,
  type Rail,
} from './mapping.js';

const parse = (raw: unknown) => transferSchema.parse(raw);
const held = (id: string) => {
  const found = fixtureTransfers().find((t) => t.object.id === id);
  if (!found) throw new Error(`no fixture transfer ${id}`);
  return found;
};

describe('transfer statuses', () => {
  it('are mapped per rail: the same word means different things on different rails', () => {
    const status = (rail: Rail, value: string) => {
      const warnings: string[] = [];
      const payment = toPayment(parse({ ...held('wire_2qQp0001').object, status: value }), warnings, rail);
      return { status: payment.status, warnings };
    };
    expect(status('ach', 'SETTLED').status).toBe('SUCCEEDED');
    expect(status('ach', 'RETURNED').status).toBe('FAILED');
    expect(status('ach', 'RETURN_DISHONORED').status).toBe('SUCCEEDED');
    expect(status('book', 'HOLD').status).toBe('PENDING');
    expect(status('realtime', 'ACCEPTED').status).toBe('SUCCEEDED');
    expect(status('international_wire', 'CANCELLATION_ACCEPTED').status).toBe('CANCELLED');
    // PENDING is a realtime status only; a wire that says it is unknown.
    expect(status('realtime', 'PENDING')).toEqual({ status: 'PENDING', warnings: [] });
    expect(status('wire', 'PENDING')).toEqual({
      status: 'OTHER',
      warnings: ["unknown wire transfer status 'PENDING' mapped to OTHER"],
    });
    expect(status('book', 'completed').status).toBe('SUCCEEDED');
  });

  it('cover every rail with a final success and a failure or cancellation', () => {
    for (const rail of RAILS) {
      const outcomes = new Set(Object.values(STATUS_BY_RAIL[rail]));
      expect(outcomes.has('SUCCEEDED'), rail).toBe(true);
      expect(outcomes.has('FAILED') || outcomes.has('CANCELLED'), rail).toBe(true);
    }
  });

  it('of a type with no rail here become OTHER with a warning, not dropped', () => {
    const warnings: string[] = [];
    const entry = { ...listEntryOf(held('wire_2qQp0001')), type: 'check_credit', status: 'DEPOSITED' };
    const payment = toPayment(parse(entry), warnings);
    expect(payment.status).toBe('OTHER');
    expect(warnings).toEqual(["unknown transfer type 'check_credit' mapped to OTHER"]);
  });
});

describe('a transfer', () => {
  it('maps to the same payment from the all-rails list and from its rail object (polling and webhooks agree)', () => {
    for (const transfer of fixtureTransfers()) {
      const fromList = toPayment(parse(listEntryOf(transfer)), []);
      const fromRail = toPayment(parse(transfer.object), [], transfer.rail);
      const withoutRaw = (p: typeof fromList) => ({ ...p, raw: undefined });
      expect(withoutRaw(fromList), String(transfer.object.id)).toEqual(withoutRaw(fromRail));
    }
  });

  it('is a pay-in when money arrives: an incoming credit, or an ACH debit Column originated', () => {
    const debit = toPayment(parse(held('acht_2qQo0002').object), [], 'ach');
    expect(debit).toMatchObject({
      type: 'PAY-IN',
      scheme: 'ACH_DEBIT',
      sourceAccountReference: 'cpty_2qQm0002Payroll',
      destinationAccountReference: 'bacc_2qQk0001OperatingUSD',
    });
    const incomingWire = toPayment(parse(held('wire_2qQp0002').object), [], 'wire');
    expect(incomingWire).toMatchObject({ type: 'PAY-IN', sourceAccountReference: 'cpty_2qQm0001Chase' });
    const book = toPayment(parse(held('book_2qQn0001').object), [], 'book');
    expect(book).toMatchObject({
      type: 'TRANSFER',
      amount: 500000n,
      asset: 'USD/2',
      sourceAccountReference: 'bacc_2qQk0001OperatingUSD',
      destinationAccountReference: 'bacc_2qQk0002PayrollUSD',
    });
  });

  it('keeps amounts above 2^53 exact', () => {
    const big = toPayment(parse({ ...held('wire_2qQp0001').object, amount: 9007199254740993n }), [], 'wire');
    expect(big.amount).toBe(9007199254740993n);
  });
});

describe('accounts and counterparties', () => {
  it("take the available balance, exactly, in the account's currency", () => {
    const [, payroll] = newWorld().bankAccounts.map((a) => bankAccountSchema.parse(a));
    const at = new Date('2026-02-01T00:00:00Z');
    expect(payroll && toBalance(payroll, at)).toEqual({
      accountReference: 'bacc_2qQk0002PayrollUSD',
      createdAt: at,
      amount: 9007199254740993n,
      asset: 'USD/2',
    });
  });

  it('name a counterparty by its name, else the wire beneficiary, and mask its account number', () => {
    const [, jane, berlin] = newWorld().counterparties.map((c) =>
      toExternalAccount(counterpartySchema.parse(c)),
    );
    expect(jane?.name).toBe('Jane Doe');
    expect(berlin?.name).toBe('Acme GmbH');
    expect((berlin?.raw as { account_number: string }).account_number).toBe('******************3000');
    expect(berlin?.metadata?.['com.column.spec/routing_number_type']).toBe('bic');
  });
});
