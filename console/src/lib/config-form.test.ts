// The install form from a config schema: labels, order, and the body sent to the API.
import { describe, expect, it } from 'vitest';
import {
  configBody,
  configFields,
  fieldErrors,
  fieldLabel,
  movedDestinations,
  prefillValues,
  secretsToResend,
  updateBody,
} from './config-form.js';

const schema = {
  name: { dataType: 'string', required: true, defaultValue: '' },
  pollingPeriod: { dataType: 'duration ns', required: false, defaultValue: '30m' },
  pageSize: { dataType: 'unsigned integer', required: false, defaultValue: '25' },
  apiKey: { dataType: 'string', required: true, defaultValue: '', secret: true },
  webhooks: { dataType: 'boolean', required: false, defaultValue: '' },
} as const;

describe('config form', () => {
  it('labels fields in words and puts required ones first', () => {
    expect(fieldLabel('pollingPeriod')).toBe('Polling period');
    expect(fieldLabel('apiKey')).toBe('API key');
    expect(configFields(schema).map((f) => f.key)).toEqual([
      'name',
      'apiKey',
      'pollingPeriod',
      'pageSize',
      'webhooks',
    ]);
  });

  it('sends only what was filled in, numbers as numbers, secrets untrimmed', () => {
    const fields = configFields(schema);
    expect(
      configBody(fields, {
        name: ' shop ',
        apiKey: ' k ',
        pollingPeriod: '',
        pageSize: '10',
        webhooks: false,
      }),
    ).toEqual({
      name: 'shop',
      apiKey: ' k ',
      pageSize: 10,
    });
    expect(configBody(fields, { name: 'x', pageSize: 'ten', webhooks: true })).toEqual({
      name: 'x',
      pageSize: 'ten',
      webhooks: true,
    });
  });

  it('splits the API message per field', () => {
    expect(
      fieldErrors('invalid connector config: directory: Too small; name: Too short; something else', [
        'name',
        'directory',
      ]),
    ).toEqual({ byField: { directory: 'Too small', name: 'Too short' }, general: ['something else'] });
  });
});

describe('config edit form', () => {
  const editSchema = {
    ...schema,
    endpoint: { dataType: 'string', required: true, defaultValue: '' },
  } as const;
  const fields = configFields(editSchema);
  const stored = {
    name: 'acme',
    apiKey: '********',
    endpoint: 'https://psp.example/v1',
    pollingPeriod: '5m',
    pageSize: 25,
    webhooks: true,
    provider: 'Generic',
  };

  it('starts from the stored config with secrets blank', () => {
    expect(prefillValues(fields, stored)).toEqual({
      name: 'acme',
      apiKey: '',
      endpoint: 'https://psp.example/v1',
      pollingPeriod: '5m',
      pageSize: '25',
      webhooks: true,
    });
  });

  it('sends a blank secret back as the mask, which keeps it, and a typed one as typed', () => {
    const values = prefillValues(fields, stored);
    expect(updateBody(fields, values, stored)).toMatchObject({ apiKey: '********', name: 'acme' });
    expect(updateBody(fields, { ...values, apiKey: 'new-key' }, stored)).toMatchObject({ apiKey: 'new-key' });
  });

  it('asks for every stored secret again once the endpoint changes, not for a trailing slash or host case', () => {
    const values = prefillValues(fields, stored);
    expect(secretsToResend(fields, values, stored)).toEqual([]);
    expect(secretsToResend(fields, { ...values, endpoint: 'https://PSP.example/v1/' }, stored)).toEqual([]);
    expect(movedDestinations(fields, { ...values, endpoint: 'https://other.example/v1' }, stored)).toEqual([
      'endpoint',
    ]);
    expect(secretsToResend(fields, { ...values, endpoint: 'https://other.example/v1' }, stored)).toEqual([
      'apiKey',
    ]);
  });
});
