import { describe, expect, it } from 'vitest';
import { stepNote } from '../engine/money-movement/psp-writes.js';
import { describeInitiation, inTime, majorUnitsIn, movementLine, parseStepNote } from './movements.js';

describe('majorUnitsIn', () => {
  it('rewrites amounts given with their asset in major units, and nothing else', () => {
    expect(
      majorUnitsIn(
        'refused the request (422): INSUFFICIENT_FUNDS: acc_9x holds 100000 EUR/2, less than 250000',
      ),
    ).toBe('refused the request (422): INSUFFICIENT_FUNDS: acc_9x holds 1,000.00 EUR, less than 250000');
    expect(majorUnitsIn('5 JPY/0 and -1050 USD/2 and 1 BTC/8')).toBe(
      '5 JPY and -10.50 USD and 0.00000001 BTC',
    );
    expect(majorUnitsIn('no amounts in HTTP 4xx; txn_12 EUR/2x')).toBe(
      'no amounts in HTTP 4xx; txn_12 EUR/2x',
    );
  });
});

describe('step notes', () => {
  it("reads back the engine's note: the reason and the time of the next check", () => {
    const at = new Date('2026-12-05T07:30:01.250Z');
    const note = parseStepNote(stepNote('waiting on the PSP: it reports the payout PENDING', at));
    expect(note).toEqual({ reason: 'waiting on the PSP: it reports the payout PENDING', nextCheckAt: at });
    expect(parseStepNote('the PSP reported the payout FAILED')).toBeUndefined();
    expect(parseStepNote(undefined)).toBeUndefined();
  });

  it('says how long until a time, or now once it has come', () => {
    const now = Date.parse('2026-12-05T07:30:00Z');
    expect(inTime(new Date(now + 7_200), now)).toBe('in 8s');
    expect(inTime(new Date(now + 65_000), now)).toBe('in 1m05s');
    expect(inTime(new Date(now - 1_000), now)).toBe('now');
  });
});

describe('movementLine', () => {
  const now = Date.parse('2026-12-05T07:30:00Z');
  const note = {
    reason: 'waiting on the PSP: it reports the payout PENDING',
    nextCheckAt: new Date(now + 8_000),
  };

  it('says what the PSP reports, when Paybridge checks again and what ends the wait; the key ignores the countdown', () => {
    const line = movementLine('payout', { taskStatus: 'PROCESSING', pspStatus: 'PENDING', note }, now);
    expect(line.message).toBe(
      'the PSP reports the payout PENDING; Paybridge checks again in 8s; it ends when the PSP settles or fails it',
    );
    const later = movementLine(
      'payout',
      { taskStatus: 'PROCESSING', pspStatus: 'PENDING', note },
      now + 5_000,
    );
    expect(later.message).toContain('checks again in 3s');
    expect(later.key).toBe(line.key);
    const settled = movementLine('payout', { taskStatus: 'SUCCEEDED', pspStatus: 'SUCCEEDED' }, now);
    expect(settled.message).toBe('the PSP reports the payout SUCCEEDED');
    expect(settled.key).not.toBe(line.key);
  });

  it('falls back to the reason the step waits, in major units, then to the task', () => {
    const unknown = {
      reason: 'outcome unknown: the PSP answered 503 for 1050 EUR/2',
      nextCheckAt: new Date(now + 2_000),
    };
    expect(movementLine('transfer', { taskStatus: 'PROCESSING', note: unknown }, now).message).toBe(
      'outcome unknown: the PSP answered 503 for 10.50 EUR; Paybridge checks again in 2s',
    );
    expect(movementLine('transfer', { taskStatus: 'PROCESSING' }, now).message).toBe(
      'asking the PSP to make the transfer',
    );
    expect(movementLine('transfer', { taskStatus: 'FAILED' }, now).message).toBe('task FAILED');
  });
});

it('describes an initiation by type, reference and amount', () => {
  expect(describeInitiation({ type: 'PAYOUT', reference: 'po-1', amount: 1050, asset: 'EUR/2' })).toBe(
    "payout 'po-1' (10.50 EUR)",
  );
});
