import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { findConnector } from '../sdk/registry.js';
import { DummyPayConnector } from './connector.js';
import './index.js';
import { standaloneContext } from '../sdk/context.js';

describe('DummyPay registration', () => {
  const registration = findConnector('dummypay');

  it('is registered as a hidden connector with a page size of 25', () => {
    expect(registration).toBeDefined();
    expect(registration?.provider).toBe('dummypay');
    expect(registration?.pageSize).toBe(25);
    expect(registration?.hidden).toBe(true);
  });

  it('advertises exactly the fetch, Formance-creation and write capabilities', () => {
    expect([...(registration?.capabilities ?? [])].sort()).toEqual(
      [
        'ALLOW_FORMANCE_ACCOUNT_CREATION',
        'ALLOW_FORMANCE_PAYMENT_CREATION',
        'CREATE_BANK_ACCOUNT',
        'CREATE_PAYOUT',
        'CREATE_TRANSFER',
        'FETCH_ACCOUNTS',
        'FETCH_BALANCES',
        'FETCH_EXTERNAL_ACCOUNTS',
        'FETCH_PAYMENTS',
        'FETCH_ORDERS',
        'FETCH_CONVERSIONS',
      ].sort(),
    );
  });

  it('accepts a directory and nothing else of its own', () => {
    const config = registration!.config;
    expect(Object.keys(config.shape)).toEqual(['directory']);
    expect(config.safeParse({ directory: '/tmp/psp' }).success).toBe(true);
    expect(config.safeParse({ directory: '' }).success).toBe(false);
    expect(config.safeParse({}).success).toBe(false);
  });

  it('creates a DummyPay connector from a parsed config', () => {
    const config = registration!.config.parse({ directory: '/tmp/psp' });
    const connector = registration!.create(
      config,
      standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }) }),
    );
    expect(connector).toBeInstanceOf(DummyPayConnector);
  });
});
