// The audit trail: every write request recorded (refusals too) with who, the route, the ids in its path,
// the status and the request id, never a body or a query string; reads and PSP webhooks left out; listed
// with keyset paging for payments:admin only; and deleted after PAYBRIDGE_AUDIT_RETENTION.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorIdCodec } from '../../src/domain/ids.js';
import { readSettings } from '../../src/settings.js';
import { deleteOldAuditRecords, recordAudit } from '../../src/storage/audit.js';
import { call, createClient, fetchToken, type TestClient } from '../support/auth.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

interface AuditRecord {
  id: string;
  createdAt: string;
  subject?: string;
  clientID?: string;
  method: string;
  route: string;
  pathIDs: Record<string, string>;
  statusCode: number;
  requestID: string;
}
interface AuditPage {
  cursor: { pageSize: number; hasMore: boolean; next?: string; previous?: string; data: AuditRecord[] };
}

let service: TestService;
let writer: TestClient;
let reader: TestClient;
let writeToken: string;
let readToken: string;
let adminToken: string;

beforeAll(async () => {
  service = await startTestService({ PAYBRIDGE_AUTH_ENABLED: 'true', PAYBRIDGE_AUDIT_RETENTION: '24h' });
  let auditor: TestClient;
  [writer, reader, auditor] = await Promise.all([
    createClient(service, 'writer'),
    createClient(service, 'reader', 'payments:read'),
    createClient(service, 'auditor', 'payments:admin'),
  ]);
  [writeToken, readToken, adminToken] = await Promise.all([
    fetchToken(service.url, writer),
    fetchToken(service.url, reader),
    fetchToken(service.url, auditor),
  ]);
});

afterAll(async () => {
  await service?.stop();
});

async function audit(query = ''): Promise<AuditPage> {
  const answer = await call(service.url, `/v3/audit${query}`, { token: adminToken });
  expect(answer.status).toBe(200);
  return answer.body as AuditPage;
}

/** The newest `n` records, once those of these requests are written (each is written after its answer). */
async function newest(n: number, requestIds: (string | null)[]): Promise<AuditRecord[]> {
  return eventually(async () => {
    const data = (await audit(`?pageSize=${n}`)).cursor.data;
    return requestIds.every((id) => id !== null && data.some((r) => r.requestID === id)) ? data : undefined;
  }, 10_000);
}

async function send(method: string, path: string, token?: string, body?: unknown, requestId?: string) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    body: text ? JSON.parse(text) : undefined,
  };
}

describe('what is recorded', () => {
  it('records writes with subject, client, route pattern, path ids, status and request id, never bodies or queries', async () => {
    const created = await send(
      'POST',
      '/v3/pools?note=QUERY-MARKER',
      writeToken,
      { name: 'BODY-MARKER-pool', accountIDs: [] },
      'req-create-pool',
    );
    expect(created).toMatchObject({ status: 201, requestId: 'req-create-pool' });
    const poolID = String((created.body as { data: string }).data);
    const accountID = 'not-an-account';
    const added = await send('POST', `/api/payments/v3/pools/${poolID}/accounts/${accountID}`, writeToken);
    expect(added.status).toBeGreaterThanOrEqual(400);
    const deleted = await send('DELETE', `/v3/pools/${poolID}`, writeToken);
    expect(deleted.status).toBe(204);

    const records = await newest(3, [created.requestId, added.requestId, deleted.requestId]);
    expect(
      records.map(({ method, route, pathIDs, statusCode }) => ({ method, route, pathIDs, statusCode })),
    ).toEqual([
      { method: 'DELETE', route: '/v3/pools/:poolID', pathIDs: { poolID }, statusCode: 204 },
      {
        method: 'POST',
        route: '/api/payments/v3/pools/:poolID/accounts/:accountID',
        pathIDs: { poolID, accountID },
        statusCode: added.status,
      },
      { method: 'POST', route: '/v3/pools', pathIDs: {}, statusCode: 201 },
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ subject: writer.clientId, clientID: writer.clientId });
    }
    expect(records[2]?.requestID).toBe('req-create-pool');
    expect(records[0]?.requestID).toBe(deleted.requestId);
    expect(records[0]?.requestID).toMatch(/^[0-9a-f-]{36}$/);
    const stored = JSON.stringify(
      (await sql`SELECT * FROM audit_records`.execute(service.paybridge.deps.db)).rows,
    );
    expect(stored).not.toContain('MARKER');
  });

  it('records refused writes: without a token (no subject) and without the scope (with one)', async () => {
    const connector = 'dummypay';
    const anonymous = await send('POST', `/v3/connectors/install/${connector}`, undefined, { name: 'x' });
    expect(anonymous.status).toBe(401);
    const forbidden = await send('POST', `/v3/connectors/install/${connector}`, readToken, { name: 'x' });
    expect(forbidden.status).toBe(403);
    const [last, first] = await newest(2, [anonymous.requestId, forbidden.requestId]);
    expect(first).toMatchObject({
      route: '/v3/connectors/install/:connector',
      statusCode: 401,
      pathIDs: { connector },
    });
    expect(first?.subject).toBeUndefined();
    expect(first?.clientID).toBeUndefined();
    expect(last).toMatchObject({ statusCode: 403, subject: reader.clientId, clientID: reader.clientId });
  });

  it('records who was given a token, and failed token requests without a subject', async () => {
    const tokenRequest = (secret: string) =>
      fetch(`${service.url}/api/auth/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: writer.clientId,
          client_secret: secret,
        }),
      });
    const given = await tokenRequest(writer.clientSecret);
    expect(given.status).toBe(200);
    const failed = await tokenRequest('no');
    expect(failed.status).toBe(401);
    const [refused, granted] = await newest(2, [
      given.headers.get('x-request-id'),
      failed.headers.get('x-request-id'),
    ]);
    expect(granted).toMatchObject({
      route: '/api/auth/oauth/token',
      statusCode: 200,
      clientID: writer.clientId,
    });
    expect(refused).toMatchObject({ route: '/api/auth/oauth/token', statusCode: 401 });
    expect(refused?.clientID).toBeUndefined();
  });

  it('does not record reads, nor PSP webhook deliveries', async () => {
    const before = (await audit('?pageSize=1')).cursor.data[0]?.id;
    expect((await send('GET', '/v3/pools', readToken)).status).toBe(200);
    expect((await send('HEAD', '/v3/connectors', readToken)).status).toBe(200);
    const connectorID = connectorIdCodec.encode({ provider: 'dummypay', reference: 'gone' });
    expect((await send('POST', `/v3/connectors/webhooks/${connectorID}/hook`, undefined, {})).status).toBe(
      404,
    );
    expect((await audit('?pageSize=1')).cursor.data[0]?.id).toBe(before);
  });

  it('keeps a caller X-Request-Id only when it is short and plain, and records path ids that cannot be stored as is', async () => {
    const odd = await send('DELETE', '/v3/pools/a%00b', writeToken, undefined, 'has spaces in it');
    expect(odd.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const long = await send('DELETE', '/v3/pools/x', writeToken, undefined, 'a'.repeat(200));
    expect(long.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // Each record is written after its answer is sent: wait for both, and find them by request id.
    const [first, second] = await eventually(async () => {
      const records = (await audit('?pageSize=10')).cursor.data;
      const found = [odd, long].map((sent) => records.find((r) => r.requestID === sent.requestId));
      return found.every(Boolean) ? found : undefined;
    });
    expect(first).toMatchObject({
      requestID: odd.requestId,
      route: '/v3/pools/:poolID',
      statusCode: odd.status,
    });
    expect(first?.pathIDs).toEqual({ poolID: 'a\uFFFDb' });
    expect(second).toMatchObject({ requestID: long.requestId, pathIDs: { poolID: 'x' } });
  });
});

describe('reading it', () => {
  it('is refused to payments:read and payments:write tokens', async () => {
    for (const token of [readToken, writeToken]) {
      expect((await call(service.url, '/v3/audit', { token })).status).toBe(403);
      expect((await call(service.url, '/api/payments/v3/audit', { token })).status).toBe(403);
    }
  });

  it('pages through every record once, newest first, and filters by client, method and status', async () => {
    const all: AuditRecord[] = [];
    let page = await audit('?pageSize=2');
    for (;;) {
      all.push(...page.cursor.data);
      if (!page.cursor.next) break;
      page = await audit(`?cursor=${page.cursor.next}`);
    }
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    // As instants: the API drops trailing zeros of the fraction (".38Z"), which sorts wrong as text.
    const times = all.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const filter = (query: unknown) =>
      audit(`?pageSize=100&query=${encodeURIComponent(JSON.stringify(query))}`);
    const byClient = (await filter({ $match: { client_id: reader.clientId } })).cursor.data;
    expect(byClient.length).toBeGreaterThan(0);
    expect(byClient.every((r) => r.clientID === reader.clientId)).toBe(true);
    const refused = (await filter({ $and: [{ $match: { method: 'POST' } }, { $gte: { status: 400 } }] }))
      .cursor.data;
    expect(refused.map((r) => r.statusCode).every((status) => status >= 400)).toBe(true);
    expect(refused.map((r) => r.statusCode)).toEqual(expect.arrayContaining([401, 403]));
    expect((await filter({ $match: { status: 99_999_999_999 } })).cursor.data).toEqual([]);
    const unknown = await call(
      service.url,
      `/v3/audit?query=${encodeURIComponent('{"$match":{"body":"x"}}')}`,
      {
        token: adminToken,
      },
    );
    expect(unknown.status).toBe(400);
  });
});

describe('order', () => {
  it('lists by when a request arrived, not when its row was written (rows are written after the answer)', async () => {
    const db = service.paybridge.deps.db;
    const arrived = Date.now() - 600_000;
    const entry = (requestId: string, at: number) => ({
      subject: null,
      clientId: null,
      method: 'POST',
      route: '/v3/pools',
      pathIds: {},
      statusCode: 599,
      requestId,
      at: new Date(at),
    });
    // The later request's row is written first; the earlier one's write was slow.
    await recordAudit(db, entry('later', arrived));
    await recordAudit(db, entry('earlier', arrived - 1000));
    const query = encodeURIComponent(JSON.stringify({ $match: { status: 599 } }));
    const listed = (await audit(`?pageSize=10&query=${query}`)).cursor.data;
    expect(listed.map((r) => r.requestID)).toEqual(['later', 'earlier']);
    expect(listed.map((r) => Date.parse(r.createdAt))).toEqual([arrived, arrived - 1000]);
  });
});

describe('retention', () => {
  it('is 90 days by default', () => {
    expect(readSettings({}).auditRetentionMs).toBe(90 * 24 * 3600_000);
  });

  it('deletes records older than PAYBRIDGE_AUDIT_RETENTION in the sweep, and keeps newer ones', async () => {
    const db = service.paybridge.deps.db;
    const count = async () =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_records`.execute(db)).rows[0]?.n);
    const total = await count();
    // Age two records past the retention (24h here) rather than wait for it.
    await sql`UPDATE audit_records SET created_at = now() - interval '25 hours'
      WHERE id IN (SELECT id FROM audit_records ORDER BY sort_id LIMIT 2)`.execute(db);
    const retention = readSettings({ PAYBRIDGE_AUDIT_RETENTION: '24h' }).auditRetentionMs;
    expect(await deleteOldAuditRecords(db, retention)).toBe(2);
    expect(await count()).toBe(total - 2);
  });
});
