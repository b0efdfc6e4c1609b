import { describe, expect, it } from 'vitest';
import { majorUnitsIn, readableError } from './psp-error.js';

describe('readableError', () => {
  it("reads the engine's refusal: status apart, the PSP's code and message, amounts in major units", () => {
    const error = readableError(
      '127.0.0.1:41234 refused the request (422): INSUFFICIENT_FUNDS: source account main holds 5000 EUR/2, less than 250000',
      'EUR/2',
      [250000n],
    );
    expect(error).toMatchObject({
      status: 422,
      code: 'INSUFFICIENT_FUNDS',
      message: 'Source account main holds 50.00 EUR, less than 2,500.00 EUR',
      unknownOutcome: false,
    });
  });

  it('reads a raw JSON body the PSP sent, however nested', () => {
    const error = readableError(
      'psp.example refused the request (400): {"error":{"code":"amount_too_large","message":"Amount 1000000 USD/2 exceeds the limit"}}',
    );
    expect(error).toMatchObject({
      status: 400,
      code: 'amount_too_large',
      message: 'Amount 10,000.00 USD exceeds the limit',
    });
  });

  it('takes the status out of a sentence that wraps the JSON body', () => {
    const error = readableError(
      'psp.example refused the connector\'s credentials (HTTP 401: {"error":{"code":"invalid_key","message":"API key not recognised"}})',
    );
    expect(error).toMatchObject({
      status: 401,
      code: 'invalid_key',
      message: "psp.example refused the connector's credentials: API key not recognised",
    });
  });

  it('marks an unknown outcome, and keeps text it does not understand as it is', () => {
    const error = readableError('outcome unknown: cannot reach psp.example: ECONNREFUSED');
    expect(error).toMatchObject({ unknownOutcome: true, message: 'Cannot reach psp.example: ECONNREFUSED' });
    expect(readableError('the PSP reported the payment FAILED').message).toBe(
      'The PSP reported the payment FAILED',
    );
  });
});

describe('majorUnitsIn', () => {
  it('leaves ids and unrelated numbers alone', () => {
    expect(majorUnitsIn('account acc-250000 and 250000', 'EUR/2', [250000n])).toBe(
      'account acc-250000 and 2,500.00 EUR',
    );
    expect(majorUnitsIn('retry 3 times', 'EUR/2', [3n])).toBe('retry 3 times');
  });
});
