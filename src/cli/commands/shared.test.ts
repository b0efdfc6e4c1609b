import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { credentialsFrom, parseAmount, parseMetadata, parseTimeout } from './shared.js';

describe('parseAmount', () => {
  it('reads whole minor units exactly, beyond 2^53', () => {
    expect(parseAmount('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseAmount('1050')).toBe(1050n);
  });

  it('refuses decimals, signs and words with a usage error', () => {
    for (const bad of ['10.50', '-5', '1e3', 'ten', '']) expect(() => parseAmount(bad)).toThrow(UsageError);
  });
});

describe('parseMetadata', () => {
  it('splits key=value at the first equals sign', () => {
    expect(parseMetadata(['a=1', 'b=x=y'])).toEqual({ a: '1', b: 'x=y' });
    expect(() => parseMetadata(['novalue'])).toThrow(UsageError);
  });
});

describe('parseTimeout', () => {
  it('takes Go durations and refuses anything else', () => {
    expect(parseTimeout('90s')).toBe(90_000);
    expect(parseTimeout('1m30s')).toBe(90_000);
    expect(() => parseTimeout('soon')).toThrow(UsageError);
  });
});

describe('credentialsFrom', () => {
  const env = {
    PAYBRIDGE_TOKEN: 'env-token',
    PAYBRIDGE_CLIENT_ID: 'env-id',
    PAYBRIDGE_CLIENT_SECRET: 'env-secret',
    PAYBRIDGE_TOKEN_URL: 'https://idp.example/token',
  };

  it('gives --token precedence over client credentials, and flags over the environment', () => {
    expect(credentialsFrom({ token: 't', clientId: 'id', clientSecret: 's' }, {})).toEqual({
      kind: 'token',
      token: 't',
    });
    expect(credentialsFrom({}, env)).toEqual({ kind: 'token', token: 'env-token' });
    // A client typed on the command line is not hidden by a token left in the environment.
    expect(credentialsFrom({ clientId: 'id', clientSecret: 's' }, env)).toEqual({
      kind: 'client',
      clientId: 'id',
      clientSecret: 's',
      tokenUrl: 'https://idp.example/token',
    });
    expect(
      credentialsFrom({ tokenUrl: 'https://gw.example/token' }, { ...env, PAYBRIDGE_TOKEN: '' }),
    ).toEqual({
      kind: 'client',
      clientId: 'env-id',
      clientSecret: 'env-secret',
      tokenUrl: 'https://gw.example/token',
    });
  });

  it('takes half of a pair from the flags and half from the environment', () => {
    expect(credentialsFrom({ clientId: 'id' }, { PAYBRIDGE_CLIENT_SECRET: 's' })).toEqual({
      kind: 'client',
      clientId: 'id',
      clientSecret: 's',
    });
  });

  it('answers nothing without credentials, and a usage error for half a pair', () => {
    expect(credentialsFrom({}, {})).toBeUndefined();
    expect(credentialsFrom({}, { PAYBRIDGE_TOKEN: '', PAYBRIDGE_CLIENT_ID: '' })).toBeUndefined();
    expect(() => credentialsFrom({ clientId: 'id' }, {})).toThrow(UsageError);
    expect(() => credentialsFrom({}, { PAYBRIDGE_CLIENT_SECRET: 's' })).toThrow(UsageError);
  });
});
