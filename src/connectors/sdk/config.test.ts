import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  changedDestinations,
  checkDestinationsAllowed,
  configCatalogEntry,
  destinationFieldsOf,
} from '../../engine/lifecycle/connector-config.js';
import { endpointField } from './config.js';
import type { Connector } from './contract.js';
import { EndpointAllowList } from './outbound.js';
import { type ConnectorRegistration, multiline, secret } from './registry.js';

const config = z.object({
  apiKey: secret(z.string().min(1)),
  endpoint: endpointField('https://api.acme.example/v2', { sandbox: 'https://sandbox.acme.example/v2' }),
});

const registration: ConnectorRegistration = {
  provider: 'acme',
  capabilities: [],
  config,
  pageSize: 100,
  create: () => ({}) as Connector,
};

describe('endpointField', () => {
  it('defaults to the documented URL and accepts another http(s) one', () => {
    expect(config.parse({ apiKey: 'k' }).endpoint).toBe('https://api.acme.example/v2');
    expect(config.parse({ apiKey: 'k', endpoint: 'http://127.0.0.1:9000' }).endpoint).toBe(
      'http://127.0.0.1:9000',
    );
  });

  it('refuses what is not an http(s) URL, naming the field', () => {
    for (const endpoint of ['ftp://acme.example', 'not a url', 'file:///etc/passwd']) {
      const result = config.safeParse({ apiKey: 'k', endpoint });
      expect(result.success, endpoint).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['endpoint']);
    }
  });

  it('refuses a default that is no http(s) URL when the connector is written', () => {
    expect(() => endpointField('api.acme.example')).toThrow(/not an http/);
    expect(() => endpointField('https://api.acme.example', { sandbox: 'ftp://x' })).toThrow(/sandbox/);
  });

  it('is optional with its default in the configs catalogue, and says where the sandbox is', () => {
    expect(
      configCatalogEntry(registration, { pollingPeriodDefaultMs: 1, pollingPeriodMinimumMs: 1 }).endpoint,
    ).toEqual({
      dataType: 'string',
      required: false,
      defaultValue: 'https://api.acme.example/v2',
    });
    expect(config.shape.endpoint.description).toContain('https://sandbox.acme.example/v2');
  });

  it('is a secret destination, also under another key', () => {
    expect(destinationFieldsOf(registration)).toEqual(['endpoint']);
    const renamed: ConnectorRegistration = {
      ...registration,
      config: z.object({ baseUrl: endpointField('https://api.acme.example') }),
    };
    expect(destinationFieldsOf(renamed)).toEqual(['baseUrl']);
  });

  it('checks the default host against the allow list too', () => {
    const allow = EndpointAllowList.parse('127.0.0.1');
    expect(() => checkDestinationsAllowed(registration, config.parse({ apiKey: 'k' }), allow)).toThrow(
      /api\.acme\.example is not an allowed connector endpoint/,
    );
  });

  it('counts a config stored before the field existed as pointing at the default', () => {
    expect(changedDestinations(registration, { apiKey: 'k' }, config.parse({ apiKey: 'k' }))).toEqual([]);
    expect(
      changedDestinations(registration, { apiKey: 'k' }, { apiKey: 'k', endpoint: 'https://evil.example' }),
    ).toEqual(['endpoint']);
  });
});

describe('multiline fields', () => {
  it('are long strings in the configs catalogue, optional or not; other strings stay strings', () => {
    const pem = z.object({
      publicKey: multiline(z.string().min(1)).optional().describe('a PEM key'),
      certificate: multiline(z.string()),
      label: z.string(),
    });
    const entries = configCatalogEntry(
      { ...registration, config: pem },
      { pollingPeriodDefaultMs: 1, pollingPeriodMinimumMs: 1 },
    );
    expect(entries.publicKey).toEqual({ dataType: 'long string', required: false, defaultValue: '' });
    expect(entries.certificate?.dataType).toBe('long string');
    expect(entries.label?.dataType).toBe('string');
  });
});
