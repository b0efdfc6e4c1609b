// A config update that moves a connector to a new endpoint must carry its secrets again, however the
// caller leaves them out: sent back as the mask, omitted, or blank (as the console's edit form leaves a
// secret it keeps). The answer is a 400 that names the endpoint and the secret, and nothing changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../support/api-call.js';
import { acceptingKey, type RecordingPsp, startRecordingPsp } from '../support/recording-psp.js';
import { startTestService, type TestService } from '../support/service.js';

const MASK = '********';

let service: TestService;
let oldPsp: RecordingPsp;
let newPsp: RecordingPsp;
let id: string;
const name = 'generic-config-secrets';
const api = (method: string, path: string, body?: unknown) => apiCall(service.url, method, path, body);
const update = (config: Record<string, unknown>) =>
  api('PATCH', `/v3/connectors/${encodeURIComponent(id)}/config`, { name, pollingPeriod: '1m', ...config });

async function storedConfig(): Promise<Record<string, unknown>> {
  const answer = await api('GET', `/v3/connectors/${encodeURIComponent(id)}/config`);
  expect(answer.status).toBe(200);
  return answer.body?.data as Record<string, unknown>;
}

beforeAll(async () => {
  oldPsp = await startRecordingPsp(acceptingKey('key-old'));
  newPsp = await startRecordingPsp(acceptingKey('key-new'));
  service = await startTestService();
  const installed = await api('POST', '/v3/connectors/install/generic', {
    name,
    apiKey: 'key-old',
    endpoint: oldPsp.url,
    pollingPeriod: '1m',
  });
  expect(installed.status).toBe(202);
  id = installed.body?.data as string;
});
afterAll(async () => {
  await service?.stop();
  await oldPsp?.stop();
  await newPsp?.stop();
});

describe('PATCH /v3/connectors/{id}/config with a new endpoint', () => {
  for (const [how, secret] of [
    ['omitted', {}],
    ['blank', { apiKey: '' }],
    ['sent back as the mask', { apiKey: MASK }],
  ] as const) {
    it(`refuses the update when the stored key is ${how}, naming the endpoint and the key`, async () => {
      const refused = await update({ endpoint: newPsp.url, ...secret });
      expect(refused.status).toBe(400);
      expect(refused.body?.errorCode).toBe('VALIDATION');
      expect(refused.body?.errorMessage).toMatch(/'endpoint' changed/);
      expect(refused.body?.errorMessage).toMatch(/send 'apiKey' again/);
      expect(await storedConfig()).toMatchObject({ endpoint: oldPsp.url });
      expect(newPsp.requests).toEqual([]);
    });
  }

  it('keeps the stored key when the endpoint stays and the mask comes back', async () => {
    const kept = await update({ endpoint: oldPsp.url, apiKey: MASK });
    expect(kept.status).toBe(204);
  });

  it('moves when the key is given again', async () => {
    const moved = await update({ endpoint: newPsp.url, apiKey: 'key-new' });
    expect(moved.status).toBe(204);
    expect(await storedConfig()).toMatchObject({ endpoint: newPsp.url, apiKey: MASK });
  });
});
