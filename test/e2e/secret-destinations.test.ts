// A stored secret goes only where it went before (issue 13): a config update that changes where a
// connector sends its secrets must carry them again; the mask that otherwise keeps them is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../support/api-call.js';
import {
  acceptingKey,
  type RecordingPsp,
  registerKitPsp,
  startRecordingPsp,
} from '../support/recording-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const MASK = '********';

let service: TestService;
const api = (method: string, path: string, body?: unknown) => apiCall(service.url, method, path, body);

beforeAll(async () => {
  registerKitPsp();
  service = await startTestService();
});
afterAll(async () => {
  await service?.stop();
});

/** Waits for a request to `psp`, after the first `seen`, that carries `credential`. */
function requestWith(psp: RecordingPsp, seen: number, credential: string) {
  return eventually(
    async () =>
      psp.requests.slice(seen).find((r) => r.authorization === credential || r.apiKey === credential) ??
      undefined,
    15_000,
    `a request carrying ${credential}`,
  );
}

async function install(provider: string, config: Record<string, unknown>): Promise<string> {
  const installed = await api('POST', `/v3/connectors/install/${provider}`, config);
  expect(installed.status).toBe(202);
  return installed.body?.data as string;
}

const update = (id: string, config: Record<string, unknown>) =>
  api('PATCH', `/v3/connectors/${id}/config`, config);

async function storedConfig(id: string): Promise<Record<string, unknown>> {
  const answer = await api('GET', `/v3/connectors/${id}/config`);
  expect(answer.status).toBe(200);
  return answer.body?.data as Record<string, unknown>;
}

/** The stored key itself, decrypted: the API only ever shows the mask. */
async function storedKey(id: string): Promise<unknown> {
  const { deps } = service.paybridge;
  const row = await deps.db
    .selectFrom('connectors')
    .select('config_encrypted')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return (JSON.parse(deps.keyring.decrypt(row.config_encrypted)) as Record<string, unknown>).apiKey;
}

describe('the Generic connector', () => {
  let oldPsp: RecordingPsp;
  let newPsp: RecordingPsp;
  let id: string;
  const name = 'generic-destinations';

  beforeAll(async () => {
    oldPsp = await startRecordingPsp(acceptingKey('key-old'));
    newPsp = await startRecordingPsp(acceptingKey('key-new'));
    id = await install('generic', { name, apiKey: 'key-old', endpoint: oldPsp.url, pollingPeriod: '1s' });
    await requestWith(oldPsp, 0, 'Bearer key-old');
  });
  afterAll(async () => {
    await oldPsp?.stop();
    await newPsp?.stop();
  });

  it('refuses a new endpoint sent with the masked key, naming both, and changes nothing', async () => {
    const refused = await update(id, { name, apiKey: MASK, endpoint: newPsp.url, pollingPeriod: '1s' });
    expect(refused.status).toBe(400);
    expect(refused.body?.errorCode).toBe('VALIDATION');
    expect(refused.body?.errorMessage).toContain("'apiKey'");
    expect(refused.body?.errorMessage).toContain("'endpoint'");
    expect(await storedConfig(id)).toMatchObject({ endpoint: oldPsp.url, apiKey: MASK });
    // Polling goes on at the old host, with the old key; the new host never hears from Paybridge.
    await requestWith(oldPsp, oldPsp.requests.length, 'Bearer key-old');
    expect(newPsp.requests).toEqual([]);
  });

  it('keeps the stored key when the mask comes back with the same endpoint (a trailing slash is no change)', async () => {
    const kept = await update(id, { name, apiKey: MASK, endpoint: `${oldPsp.url}/`, pollingPeriod: '1s' });
    expect(kept.status).toBe(204);
    // Still authenticates at the old host: the key was kept, not replaced by the mask.
    await requestWith(oldPsp, oldPsp.requests.length, 'Bearer key-old');
    expect(newPsp.requests).toEqual([]);
  });

  it('moves to a new endpoint when the update carries the key again', async () => {
    const moved = await update(id, { name, apiKey: 'key-new', endpoint: newPsp.url, pollingPeriod: '1s' });
    expect(moved.status).toBe(204);
    await requestWith(newPsp, 0, 'Bearer key-new');
    expect(await storedConfig(id)).toMatchObject({ endpoint: newPsp.url });
    expect(newPsp.requests.every((r) => r.authorization === 'Bearer key-new')).toBe(true);
    expect(oldPsp.requests.some((r) => r.authorization === 'Bearer key-new')).toBe(false);
  });
});

describe("the connector kit's convention: an `endpoint` field, and fields marked secretDestination()", () => {
  let psp: RecordingPsp;
  let id: string;
  const name = 'kit-destinations';
  const kit = (overrides: Record<string, unknown>) => ({
    name,
    apiKey: MASK,
    endpoint: psp.url,
    region: 'eu',
    pollingPeriod: '1s',
    ...overrides,
  });

  beforeAll(async () => {
    psp = await startRecordingPsp(acceptingKey('kit-key'));
    id = await install('kitpsp', kit({ apiKey: 'kit-key' }));
    await requestWith(psp, 0, 'kit-key');
  });
  afterAll(async () => {
    await psp?.stop();
  });

  it('refuses dropping the endpoint (so that a default host applies) with the masked key', async () => {
    const withoutEndpoint: Record<string, unknown> = kit({});
    delete withoutEndpoint.endpoint;
    const refused = await update(id, withoutEndpoint);
    expect(refused.status).toBe(400);
    expect(refused.body?.errorCode).toBe('VALIDATION');
    expect(refused.body?.errorMessage).toContain("'endpoint'");
    expect(refused.body?.errorMessage).toContain("'apiKey'");
    expect(await storedConfig(id)).toMatchObject({ endpoint: psp.url });
  });

  it('refuses a change of a marked field with the masked key, naming that field', async () => {
    const refused = await update(id, kit({ region: 'us' }));
    expect(refused.status).toBe(400);
    expect(refused.body?.errorMessage).toContain("'region'");
    expect(refused.body?.errorMessage).not.toContain("'endpoint'");
    expect(await storedConfig(id)).toMatchObject({ region: 'eu' });
  });

  it('keeps the key when only fields that decide nothing about the destination change', async () => {
    const kept = await update(id, kit({ label: 'renamed' }));
    expect(kept.status).toBe(204);
    await requestWith(psp, psp.requests.length, 'kit-key');
    expect(await storedKey(id)).toBe('kit-key');
  });

  it('accepts a new destination when every secret is sent again', async () => {
    const moved = await update(id, kit({ region: 'us', apiKey: 'kit-key' }));
    expect(moved.status).toBe(204);
    expect(await storedConfig(id)).toMatchObject({ region: 'us' });
  });

  it('compares endpoints as URLs: host case, default port and trailing slash are no change; the rest is', async () => {
    const base = 'https://api.kitpsp.invalid/v1';
    const other = await install('kitpsp', { name: 'kit-urls', apiKey: 'kit-url-key', endpoint: base });
    const same = await update(other, {
      name: 'kit-urls',
      apiKey: MASK,
      endpoint: 'https://API.KitPsp.invalid:443/v1/',
    });
    expect(same.status).toBe(204);
    expect(await storedKey(other)).toBe('kit-url-key');
    for (const endpoint of [
      'http://api.kitpsp.invalid/v1',
      'https://api.kitpsp.invalid:8443/v1',
      'https://api.kitpsp.invalid/v2',
      'https://evil.kitpsp.invalid/v1',
    ]) {
      const refused = await update(other, { name: 'kit-urls', apiKey: MASK, endpoint });
      expect({ endpoint, status: refused.status }).toEqual({ endpoint, status: 400 });
    }
    expect(await storedConfig(other)).toMatchObject({ endpoint: 'https://API.KitPsp.invalid:443/v1/' });
    expect(await storedKey(other)).toBe('kit-url-key');
  });
});
