// A PSP that refuses the connector's credentials (HTTP 401), faked at the HTTP boundary: an install
// answers 400 with the PSP's reason, a sync run pauses its schedule at once until the config changes, and
// a transfer fails as a refusal (the PSP did nothing), and a webhook delivery fails without retries.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type { PspFetch } from '../../src/connectors/sdk/context.js';
import type {
  CreateTransferRequest,
  CreateTransferResponse,
  FetchNextRequest,
  FetchNextResponse,
  PspAccount,
} from '../../src/connectors/sdk/contract.js';
import { AuthenticationError } from '../../src/connectors/sdk/errors.js';
import { pspRequest } from '../../src/connectors/sdk/http.js';
import { registerConnector, secret } from '../../src/connectors/sdk/registry.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { apiCall } from '../support/api-call.js';
import { HookPsp, paymentBody, signed } from '../support/hook-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

/** Keys the fake PSP knows: `good` may do anything; `stale` still identifies itself but is refused work. */
const REVOKED = JSON.stringify({ error: { message: 'API key revoked', type: 'authentication_error' } });
let transfersTried = 0;

class KeyedPsp extends BaseConnector {
  constructor(
    private readonly config: { apiKey: string; endpoint: string },
    private readonly fetch: PspFetch,
  ) {
    super();
  }
  private call(path: string, init: { method?: string; body?: string } = {}) {
    return pspRequest(this.fetch, `${this.config.endpoint}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.config.apiKey}`, 'content-type': 'application/json' },
    });
  }
  async install() {
    await this.call('/me'); // checks the key, as real connectors do
    return {
      workflow: [{ type: 'FETCH_ACCOUNTS' as const, name: 'accounts', periodic: true, children: [] }],
    };
  }
  override async fetchNextAccounts(_request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    const body = z.array(z.object({ id: z.string() })).parse(await this.call('/accounts'));
    return {
      items: body.map((a) => ({ reference: a.id, createdAt: new Date('2026-01-01T00:00:00Z'), raw: a })),
      newState: {},
      hasMore: false,
    };
  }
  override async createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    await this.call('/transfers', { method: 'POST', body: JSON.stringify({ key: request.idempotencyKey }) });
    return {};
  }
}
registerConnector({
  provider: 'keyedpsp',
  capabilities: ['FETCH_ACCOUNTS', 'CREATE_TRANSFER'],
  config: z.object({ apiKey: secret(z.string().min(1)), endpoint: z.string() }),
  pageSize: 50,
  create: (config, context) => new KeyedPsp(config, context.fetch),
});

// A PSP whose webhook translation needs a call the PSP refuses (the connector's key was revoked meanwhile).
class LockedHookPsp extends HookPsp {
  override async translateWebhook(): Promise<never> {
    throw new AuthenticationError(
      "the PSP refused the connector's credentials (HTTP 401: API key revoked)",
      401,
    );
  }
}
registerConnector({
  provider: 'lockedhookpsp',
  capabilities: ['CREATE_WEBHOOKS', 'TRANSLATE_WEBHOOKS'],
  config: z.object({}),
  pageSize: 10,
  webhooks: { verification: 'local' },
  create: () => new LockedHookPsp(),
});

let psp: Server;
let endpoint: string;
let service: TestService;

beforeAll(async () => {
  psp = createServer((req, res) => {
    const key = req.headers.authorization?.replace(/^Bearer /, '');
    const known = key === 'good' || (key === 'stale' && req.url === '/me');
    if (req.url === '/transfers') transfersTried += 1;
    if (!known) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(REVOKED);
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (req.url === '/accounts') res.end(JSON.stringify([{ id: 'acc_a' }, { id: 'acc_b' }]));
    else res.end('{}');
  });
  psp.listen(0, '127.0.0.1');
  await once(psp, 'listening');
  endpoint = `http://127.0.0.1:${(psp.address() as AddressInfo).port}`;
  // The fake PSP is on loopback: name it in the allow list so API callers see its reasons.
  service = await startTestService({ PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: '127.0.0.1' });
});
afterAll(async () => {
  await service?.stop();
  psp?.close();
});

const config = (name: string, apiKey: string) => ({ name, apiKey, endpoint, pollingPeriod: '1h' });
const db = () => service.paybridge.deps.db;
const schedule = (connectorId: string) =>
  db()
    .selectFrom('schedules')
    .select(['id', 'paused_at', 'paused_reason', 'consecutive_failures'])
    .where('connector_id', '=', connectorId)
    .executeTakeFirstOrThrow();

async function install(name: string, apiKey: string): Promise<string> {
  const installed = await apiCall(
    service.url,
    'POST',
    '/v3/connectors/install/keyedpsp',
    config(name, apiKey),
  );
  expect(installed.status).toBe(202);
  return installed.body?.data as string;
}

it("answers an install the PSP refuses with 400 and the PSP's reason in the v3 envelope", async () => {
  const answer = await apiCall(
    service.url,
    'POST',
    '/v3/connectors/install/keyedpsp',
    config('refused', 'bad'),
  );
  expect(answer.status).toBe(400);
  expect(answer.body).toEqual({
    errorCode: 'VALIDATION',
    errorMessage: expect.stringMatching(/refused the connector's credentials \(HTTP 401: API key revoked\)/),
  });
  expect(await db().selectFrom('connectors').select('id').execute()).toHaveLength(0);
});

it('pauses a schedule at its first run the PSP refuses, with the reason, until a config update', async () => {
  const id = await install('stale-sync', 'stale');
  const paused = await eventually(async () => {
    const row = await schedule(id);
    return row.paused_at ? row : undefined;
  });
  expect(paused.consecutive_failures).toBe(1);
  expect(paused.paused_reason).toMatch(
    /refused the connector's credentials \(HTTP 401: API key revoked\); update the connector's config to resume$/,
  );
  expect(paused.paused_reason).not.toContain('Bearer');
  const runs = await db()
    .selectFrom('schedule_instances')
    .select('error')
    .where('schedule_id', '=', paused.id)
    .execute();
  expect(runs).toHaveLength(1);

  const updated = await apiCall(
    service.url,
    'PATCH',
    `/v3/connectors/${id}/config`,
    config('stale-sync', 'good'),
  );
  expect(updated.status).toBe(204);
  const accounts = await eventually(async () => {
    const rows = await db().selectFrom('accounts').select('id').where('connector_id', '=', id).execute();
    return rows.length === 2 ? rows : undefined;
  });
  expect(accounts).toHaveLength(2);
  expect((await schedule(id)).paused_at).toBeNull();
});

it('fails a transfer the PSP refuses as a refusal, without retrying it', async () => {
  const id = await install('stale-transfer', 'good');
  await eventually(async () => {
    const rows = await db().selectFrom('accounts').select('id').where('connector_id', '=', id).execute();
    return rows.length === 2 ? rows : undefined;
  });
  const updated = await apiCall(
    service.url,
    'PATCH',
    `/v3/connectors/${id}/config`,
    config('stale-transfer', 'stale'),
  );
  expect(updated.status).toBe(204);
  const account = (reference: string) =>
    accountIdCodec.encode({ connectorId: connectorIdCodec.decode(id), reference });
  const before = transfersTried;
  const initiated = await apiCall(service.url, 'POST', '/v3/payment-initiations?noValidation=true', {
    reference: 'tr-refused',
    connectorID: id,
    type: 'TRANSFER',
    amount: 100,
    asset: 'EUR/2',
    description: 'refused',
    sourceAccountID: account('acc_a'),
    destinationAccountID: account('acc_b'),
    scheduledAt: '0001-01-01T00:00:00Z',
    metadata: {},
  });
  expect(initiated.status).toBe(202);
  const initiationId = (initiated.body?.data as { paymentInitiationID: string }).paymentInitiationID;
  const failed = await eventually(async () => {
    const row = await db()
      .selectFrom('payment_initiations')
      .select(['status', 'error'])
      .where('id', '=', initiationId)
      .executeTakeFirstOrThrow();
    return row.status === 'FAILED' ? row : undefined;
  });
  expect(failed.error).toMatch(/refused the connector's credentials \(HTTP 401: API key revoked\)/);
  expect(transfersTried - before).toBe(1);
});

it('fails a webhook delivery whose translation the PSP refuses at once, without retrying it', async () => {
  const installed = await apiCall(service.url, 'POST', '/v3/connectors/install/lockedhookpsp', {
    name: 'locked-hooks',
  });
  expect(installed.status).toBe(202);
  const id = installed.body?.data as string;
  await eventually(async () => {
    const rows = await db()
      .selectFrom('webhook_configs')
      .select('name')
      .where('connector_id', '=', id)
      .execute();
    return rows.length === 1 ? rows : undefined;
  });
  const body = paymentBody('pay_locked', 'SUCCEEDED', '2026-01-01T00:00:00Z');
  const delivered = await fetch(`${service.url}/api/payments/v3/connectors/webhooks/${id}/payments`, {
    method: 'POST',
    headers: signed(body),
    body,
  });
  expect(delivered.status).toBeLessThan(300);
  const failed = await eventually(async () => {
    const row = await db()
      .selectFrom('webhooks')
      .select(['status', 'error', 'attempts'])
      .where('connector_id', '=', id)
      .executeTakeFirst();
    return row?.status === 'FAILED' ? row : undefined;
  });
  expect(failed.error).toContain('API key revoked');
  expect(failed.attempts).toBe(1);
});
