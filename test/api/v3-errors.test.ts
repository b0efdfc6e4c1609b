// Bad input gets a clear 4xx in the v3 error envelope, never a 500; config validation and catalogs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import { registerConnector, secret } from '../../src/connectors/sdk/registry.js';
import { connectorIdCodec } from '../../src/domain/ids.js';
import { parseJson } from '../../src/domain/json.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

// A connector that only exists to carry a secret config field; it never talks to a PSP.
class VaultConnector extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
}
registerConnector({
  provider: 'vaulttest',
  capabilities: ['FETCH_ACCOUNTS'],
  config: z.object({ apiKey: secret(z.string().min(1)), endpoint: z.string() }),
  pageSize: 50,
  create: () => new VaultConnector(),
});

let service: TestService;
let dir: string;

beforeAll(async () => {
  service = await startTestService({ PAYBRIDGE_PAUSE_AFTER_FAILURES: '2' });
  dir = await mkdtemp(join(tmpdir(), 'pb-api-'));
});
afterAll(async () => {
  await service?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (parseJson(text) as Record<string, unknown>) : undefined,
  };
}

const install = (body: unknown, provider = 'dummypay') =>
  call('POST', `/v3/connectors/install/${provider}`, typeof body === 'string' ? body : JSON.stringify(body));

describe('v3 errors', () => {
  it('answer malformed JSON with 400 MISSING_OR_INVALID_BODY', async () => {
    const res = await install('{"name": "x",');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      errorCode: 'MISSING_OR_INVALID_BODY',
      errorMessage: expect.any(String),
    });
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('answer an empty install body with 400 MISSING_OR_INVALID_BODY', async () => {
    const res = await call('POST', '/v3/connectors/install/dummypay', '');
    expect(res.body?.errorMessage).toBe('missing request body');
    expect(res.status).toBe(400);
    expect(res.body?.errorCode).toBe('MISSING_OR_INVALID_BODY');
  });

  it('reject wrong types, unknown fields and missing fields with a message naming the field', async () => {
    const wrongType = await install({ name: 123, directory: dir });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({
      errorCode: 'VALIDATION',
      errorMessage: expect.stringContaining('name'),
    });
    const unknown = await install({ name: 'unknown-field', directory: dir, colour: 'blue' });
    expect(unknown.body).toMatchObject({
      errorCode: 'VALIDATION',
      errorMessage: expect.stringContaining('colour'),
    });
    const missing = await install({ name: 'missing-dir' });
    expect(missing.body).toMatchObject({
      errorCode: 'VALIDATION',
      errorMessage: expect.stringContaining('directory'),
    });
  });

  it('reject a polling period below the minimum and a provider that does not match the path', async () => {
    const tooFast = await install({ name: 'too-fast', directory: dir, pollingPeriod: '100ms' });
    expect(tooFast.body).toMatchObject({
      errorCode: 'VALIDATION',
      errorMessage: 'polling period cannot be lower than minimum of 500ms',
    });
    const notADuration = await install({ name: 'bad-period', directory: dir, pollingPeriod: 'soon' });
    expect(notADuration.body?.errorCode).toBe('VALIDATION');
    const mismatch = await install({ name: 'mismatch', directory: dir, provider: 'Stripe' });
    expect(mismatch.body).toMatchObject({
      errorCode: 'VALIDATION',
      errorMessage: expect.stringContaining('Stripe'),
    });
  });

  it('reject an unknown provider and a directory that does not exist', async () => {
    expect((await install({ name: 'nope', directory: dir }, 'nosuchpsp')).body?.errorCode).toBe('VALIDATION');
    const gone = await install({ name: 'gone', directory: join(dir, 'missing') });
    expect(gone.status).toBe(400);
    expect(gone.body?.errorCode).toBe('VALIDATION');
  });

  it('refuse a config body over 500 000 bytes with 413', async () => {
    const res = await install({ name: 'huge', directory: dir, padding: 'x'.repeat(500_001) });
    expect(res.status).toBe(413);
    expect(res.body?.errorCode).toBe('MISSING_OR_INVALID_BODY');
  });

  it('honour pageSize up to the connector maximum, accept the SDK provider field, and refuse duplicate names', async () => {
    const res = await install({ name: 'capped', directory: dir, pageSize: 1000, provider: 'Dummypay' });
    expect(res.status).toBe(202);
    const id = res.body?.data as string;
    const config = await call('GET', `/v3/connectors/${id}/config`);
    expect(config.body?.data).toEqual({
      name: 'capped',
      directory: dir,
      pollingPeriod: '2s',
      pageSize: 25,
      provider: 'Dummypay',
    });
    const again = await install({ name: 'capped', directory: dir });
    expect(again.body).toMatchObject({ errorCode: 'CONFLICT' });
    expect(again.status).toBe(400);
  });

  it('answer undecodable ids with 400 INVALID_ID and unknown ids with 404', async () => {
    for (const path of [
      '/v3/accounts/zz!',
      '/v3/payments/bm90LWFuLWlk',
      '/v3/connectors/abc/config',
      '/v3/tasks/e30',
    ]) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body?.errorCode, path).toBe('INVALID_ID');
    }
    const unknown = connectorIdCodec.encode({
      provider: 'dummypay',
      reference: '00000000-0000-4000-8000-000000000000',
    });
    const res = await call('GET', `/v3/connectors/${unknown}/config`);
    expect(res.status).toBe(404);
    expect(res.body?.errorCode).toBe('NOT_FOUND');
    expect((await call('DELETE', `/v3/connectors/${unknown}`)).status).toBe(404);
  });

  it('answer bad list parameters with 400 VALIDATION', async () => {
    for (const path of [
      '/v3/accounts?pageSize=abc',
      '/v3/accounts?pageSize=-1',
      '/v3/accounts?cursor=garbage',
      `/v3/accounts?query=${encodeURIComponent('{"$match":{"colour":"red"}}')}`,
      `/v3/payments?query=${encodeURIComponent('{"$match":')}`,
      `/v3/payments?query=${encodeURIComponent('{"$gt":{"amount":1.5}}')}`,
    ]) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body?.errorCode, path).toBe('VALIDATION');
    }
  });

  it('answer a malformed URL with the envelope', async () => {
    const res = await call('GET', '/v3/accounts/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.body?.errorCode).toBe('VALIDATION');
  });

  it('answer unknown routes with the envelope', async () => {
    const res = await call('GET', '/v3/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body?.errorCode).toBe('NOT_FOUND');
  });
});

describe('connector config update', () => {
  it('re-validates like an install and stores the new settings', async () => {
    const created = await install({ name: 'to-update', directory: dir, pollingPeriod: '1s' });
    const id = created.body?.data as string;
    const patch = (body: unknown) => call('PATCH', `/v3/connectors/${id}/config`, JSON.stringify(body));

    const missingDir = await patch({ name: 'to-update', directory: join(dir, 'nowhere') });
    expect(missingDir.status).toBe(400);
    expect(missingDir.body?.errorCode).toBe('VALIDATION');
    const tooFast = await patch({ name: 'to-update', directory: dir, pollingPeriod: '1ms' });
    expect(tooFast.body?.errorCode).toBe('VALIDATION');
    const unknownField = await patch({ name: 'to-update', directory: dir, extra: true });
    expect(unknownField.body?.errorCode).toBe('VALIDATION');

    expect((await patch({ name: 'renamed', directory: dir, pollingPeriod: '30m' })).status).toBe(204);
    const config = await call('GET', `/v3/connectors/${id}/config`);
    expect(config.body?.data).toEqual({
      name: 'renamed',
      directory: dir,
      pollingPeriod: '30m0s',
      pageSize: 25,
      provider: 'Dummypay',
    });
    const unknown = connectorIdCodec.encode({
      provider: 'dummypay',
      reference: '00000000-0000-4000-8000-000000000001',
    });
    expect(
      (
        await call(
          'PATCH',
          `/v3/connectors/${unknown}/config`,
          JSON.stringify({ name: 'x12', directory: dir }),
        )
      ).status,
    ).toBe(404);
  });
});

describe('connector reset', () => {
  it('answers 202 with a bare task id and replaces the connector', async () => {
    const created = await install({ name: 'to-reset', directory: dir, pollingPeriod: '1s' });
    const oldId = created.body?.data as string;
    const res = await call('POST', `/v3/connectors/${oldId}/reset`);
    expect(res.status).toBe(202);
    const taskId = res.body?.data as string;
    expect(typeof taskId).toBe('string');
    const task = await eventually(
      async () => {
        const t = (await call('GET', `/v3/tasks/${taskId}`)).body?.data as {
          status: string;
          createdObjectID?: string;
        };
        return t.status === 'SUCCEEDED' ? t : undefined;
      },
      30_000,
      'the reset task',
    );
    expect(task.createdObjectID).not.toBe(oldId);
    const config = await call('GET', `/v3/connectors/${task.createdObjectID}/config`);
    expect(config.body?.data).toMatchObject({ name: 'to-reset', directory: dir });
    expect((await call('GET', `/v3/connectors/${oldId}/config`)).status).toBe(404);
  });
});

describe('paused schedules', () => {
  it('show pausedAt and pausedReason, and resume through the API', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'pb-broken-'));
    try {
      await writeFile(join(broken, 'payments.json'), 'not json');
      const created = await install({ name: 'broken', directory: broken, pollingPeriod: '1s' });
      const id = created.body?.data as string;
      const scheduleUrl = `/v3/connectors/${id}/schedules/${encodeURIComponent(`${id}-fetch_payments`)}`;
      const paused = await eventually(
        async () => {
          const res = await call('GET', scheduleUrl);
          const data = res.body?.data as { pausedAt?: string; pausedReason?: string };
          return data.pausedAt ? data : undefined;
        },
        30_000,
        'the schedule to pause',
      );
      expect(paused.pausedReason).toContain('paused after 2 consecutive failed runs');
      const runs = await call('GET', `${scheduleUrl}/instances`);
      const failed = (runs.body?.cursor as { data: { error?: string }[] }).data;
      expect(failed.length).toBeGreaterThanOrEqual(2);
      expect(failed.every((run) => run.error?.includes('payments.json'))).toBe(true);

      await writeFile(join(broken, 'payments.json'), '[]');
      expect((await call('POST', `${scheduleUrl}/resume`)).status).toBe(204);
      expect((await call('GET', scheduleUrl)).body?.data).not.toHaveProperty('pausedAt');
      expect((await call('POST', `/v3/connectors/${id}/schedules/nope/resume`)).status).toBe(404);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

describe('metrics', () => {
  it('count PSP calls, pages, failed runs, paused schedules and the outbox backlog', async () => {
    const psp = await mkdtemp(join(tmpdir(), 'pb-metrics-'));
    try {
      await writeFile(
        join(psp, 'accounts.json'),
        JSON.stringify([{ id: 'm1', name: 'm', opening_date: '2024-01-01T00:00:00Z', currency: 'EUR' }]),
      );
      await writeFile(join(psp, 'payments.json'), '{ broken');
      const created = await install({ name: 'metered', directory: psp, pollingPeriod: '1s' });
      const id = created.body?.data as string;
      await eventually(
        async () => {
          const res = await call(
            'GET',
            `/v3/connectors/${id}/schedules/${encodeURIComponent(`${id}-fetch_payments`)}`,
          );
          return (res.body?.data as { pausedAt?: string }).pausedAt ? true : undefined;
        },
        30_000,
        'the payments schedule to pause',
      );

      const response = await fetch(`${service.url}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
      expect(
        value(
          /paybridge_psp_calls_total\{provider="dummypay",connector="[^"]+",method="FETCH_ACCOUNTS",outcome="ok"\} (\d+)/,
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(
        value(
          /paybridge_psp_calls_total\{provider="dummypay",connector="[^"]+",method="FETCH_PAYMENTS",outcome="InvalidRequestError"\} (\d+)/,
        ),
      ).toBeGreaterThanOrEqual(2);
      expect(
        value(/paybridge_runs_failed_total\{provider="dummypay",task="FETCH_PAYMENTS"\} (\d+)/),
      ).toBeGreaterThanOrEqual(2);
      expect(
        value(/paybridge_pages_committed_total\{provider="dummypay",task="FETCH_ACCOUNTS"\} (\d+)/),
      ).toBeGreaterThanOrEqual(1);
      expect(value(/paybridge_schedules_paused (\d+)/)).toBeGreaterThanOrEqual(1);
      expect(value(/paybridge_outbox_events\{status="PENDING"\} (\d+)/)).toBeGreaterThanOrEqual(1);
      expect(text).toContain('paybridge_psp_call_duration_seconds_bucket');
    } finally {
      await rm(psp, { recursive: true, force: true });
    }
  });
});

describe('connector catalogs and secrets', () => {
  it('serve the capabilities catalog with an ETag and answer 304 when it matches', async () => {
    const first = await call('GET', '/v3/connectors/capabilities');
    expect(first.status).toBe(200);
    expect((first.body?.data as Record<string, string[]>).dummypay).toContain('FETCH_ACCOUNTS');
    expect(first.headers.get('cache-control')).toContain('max-age=3600');
    const etag = first.headers.get('etag') as string;
    const second = await call('GET', '/v3/connectors/capabilities', undefined, { 'if-none-match': etag });
    expect(second.status).toBe(304);
  });

  it('describe every config field in /connectors/configs', async () => {
    const res = await call('GET', '/api/payments/v3/connectors/configs');
    const data = res.body?.data as Record<string, Record<string, unknown>>;
    expect(data.dummypay).toEqual({
      name: { dataType: 'string', required: true, defaultValue: '' },
      pollingPeriod: { dataType: 'duration ns', required: false, defaultValue: '2s' },
      pageSize: { dataType: 'unsigned integer', required: false, defaultValue: '25' },
      maxConcurrentRuns: { dataType: 'unsigned integer', required: false, defaultValue: '' },
      callsPerSecond: { dataType: 'number', required: false, defaultValue: '' },
      directory: { dataType: 'string', required: true, defaultValue: '' },
    });
    // Secret fields say so (the console's install form uses a password input for them); others do not.
    expect(data.vaulttest?.apiKey).toEqual({
      dataType: 'string',
      required: true,
      defaultValue: '',
      secret: true,
    });
    expect(data.vaulttest?.endpoint).toEqual({ dataType: 'string', required: true, defaultValue: '' });
  });

  it('store secrets encrypted, mask them on read, and keep them when the mask is sent back', async () => {
    const created = await install(
      { name: 'vault', apiKey: 'sk_live_secret', endpoint: 'https://psp.test' },
      'vaulttest',
    );
    expect(created.status).toBe(202);
    const id = created.body?.data as string;
    const read = await call('GET', `/v3/connectors/${id}/config`);
    expect(read.body?.data).toMatchObject({
      apiKey: '********',
      endpoint: 'https://psp.test',
      provider: 'Vaulttest',
    });
    const list = await call('GET', '/v3/connectors');
    expect(JSON.stringify(list.body)).not.toContain('sk_live_secret');
    const row = await service.paybridge.deps.db
      .selectFrom('connectors')
      .select('config_encrypted')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.config_encrypted).not.toContain('sk_live_secret');

    // Same destination (a trailing slash is no change): the mask keeps the key. A new endpoint would need
    // the key again (test/e2e/secret-destinations.test.ts).
    const updated = await call(
      'PATCH',
      `/v3/connectors/${id}/config`,
      JSON.stringify({
        name: 'vault',
        apiKey: '********',
        endpoint: 'https://psp.test/',
        pollingPeriod: '1h',
      }),
    );
    expect(updated.status).toBe(204);
    const stored = JSON.parse(
      service.paybridge.deps.keyring.decrypt(
        (
          await service.paybridge.deps.db
            .selectFrom('connectors')
            .select('config_encrypted')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).config_encrypted,
      ),
    ) as Record<string, string>;
    expect(stored).toMatchObject({
      apiKey: 'sk_live_secret',
      endpoint: 'https://psp.test/',
      pollingPeriod: '1h0m0s',
    });
  });
});

describe('OpenAPI document', () => {
  it('is generated from the route schemas, lists each v3 route once and types amounts as integers', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as { paths: Record<string, Record<string, unknown>> };
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v3/accounts',
        '/v3/accounts/{accountID}/balances',
        '/v3/payments/{paymentID}',
        '/v3/connectors/install/{connector}',
        '/v3/tasks/{taskID}',
        '/v3/pools/{poolID}/balances/latest',
        '/v3/payments/{paymentID}/metadata',
      ]),
    );
    expect(paths.some((p) => p.startsWith('/api/payments'))).toBe(false);
    expect(JSON.stringify(doc.paths['/v3/accounts/{accountID}/balances'])).toContain(
      '"balance":{"type":"integer"',
    );
  });
});
