// Property-based test with the served OpenAPI document as its source: for every operation, generated valid
// requests (from its parameter and body schemas, with the ids of seeded resources) and invalid ones (NUL
// bytes, lone surrogates, malformed ids and percent-encoding, wrong types, huge numbers, bodies on GET, deep
// filters, unknown keys, …) go over HTTP to a real service. Every answer must be documented: no 5xx, a status
// the operation lists, a body that matches the documented schema, and every 4xx the v3 error envelope.
//
// The seed is fixed; PAYBRIDGE_PROPERTY_SEED and PAYBRIDGE_PROPERTY_RUNS (cases per operation and kind)
// explore further: PAYBRIDGE_PROPERTY_SEED=$RANDOM PAYBRIDGE_PROPERTY_RUNS=200 npx vitest run <this file>.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/api/errors.js';
import {
  accountIdCodec,
  connectorIdCodec,
  conversionIdCodec,
  orderIdCodec,
  paymentIdCodec,
  paymentInitiationIdCodec,
  taskIdCodec,
} from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { writeDummyPayDirectory, writeDummyPayExchange } from '../support/dummypay-fixtures.js';
import { rawRequest, type RawResponse } from '../support/http.js';
import { arbitraryOf, type Hints, type JsonSchema } from '../support/openapi-arbitraries.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const SEED = Number(process.env.PAYBRIDGE_PROPERTY_SEED ?? 20_261_204);
const RUNS = Number(process.env.PAYBRIDGE_PROPERTY_RUNS ?? 25);

interface Parameter {
  in: 'path' | 'query';
  name: string;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, { content?: { 'application/json': { schema: JsonSchema } } }>;
}
interface Endpoint {
  method: string;
  path: string;
  operation: Operation;
  /** A GET list route, whose body is its filter. */
  filterBody: boolean;
}

/** One generated request, and whether the service must refuse it (with a 4xx). */
interface Probe {
  kind: string;
  method: string;
  url: string;
  body?: string | Buffer;
  contentType?: string;
  mustFail: boolean;
}

/**
 * Operations whose valid requests never get the ids of seeded resources: they would uninstall or reset the
 * seeded connector or delete the seeded PSU, pool and initiations that the other operations need to exercise
 * more than 404s. They still get valid, well-formed requests (with ids nobody holds), and the invalid ones.
 */
const DESTRUCTIVE = new Set([
  'DELETE /v3/connectors/{connectorID}',
  'POST /v3/connectors/{connectorID}/reset',
  'DELETE /v3/payment-service-users/{psuID}',
  'DELETE /v3/payment-service-users/{psuID}/connectors/{connectorID}',
  'DELETE /v3/pools/{poolID}',
  'DELETE /v3/payment-initiations/{paymentInitiationID}',
]);

// Raw path segments (already percent-encoded) that no id can be: NUL, encoded surrogates and other invalid
// UTF-8, ids whose JSON escapes a NUL or a lone surrogate, shapes that are not ids at all, a long one.
const escapedId = (reference: string) =>
  Buffer.from(
    `{"ConnectorID":{"Provider":"dummypay","Reference":"00000000-0000-4000-8000-000000000000"},"Reference":"${reference}"}`,
  ).toString('base64url');
const BAD_SEGMENTS = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%ED%BF%BF',
  '%C0%AF',
  '%FF',
  'abc%',
  '%E0%A4%A',
  escapedId('\\u0000'),
  escapedId('\\ud800'),
  'not%20an%20id!',
  'x'.repeat(4000),
];
// Raw query values the guard refuses on any route, for any parameter name.
const BAD_QUERY_VALUES = ['%00', 'a%00', '%ED%A0%80', 'abc%', '%E0%A4%A', '%F0%9F%98'];
const NASTY_TEXT = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800'];
const HUGE_INTEGER = `1${'0'.repeat(40)}`;

const deepFilter = (depth: number) => {
  let filter: unknown = { $match: { id: 'x' } };
  for (let level = 1; level < depth; level++) filter = { $not: filter };
  return filter;
};

let service: TestService;
let dir: string;
let endpoints: Endpoint[];
const hints: Record<string, string[]> = {};
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
const validators = new Map<JsonSchema, ValidateFunction>();

async function call(method: string, path: string, body?: unknown): Promise<RawResponse> {
  return rawRequest(service.url, {
    method,
    path,
    ...(body === undefined ? {} : { body: stringifyJson(body) }),
  });
}

async function seed(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await call(method, path, body);
  if (response.status >= 300)
    throw new Error(`seeding ${method} ${path}: ${response.status} ${response.text}`);
  return (response.body as { data: unknown }).data;
}

/** OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum, in the JSON Schema form ajv reads. */
function forAjv(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = forAjv(value);
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (copy[flag] === true) {
      copy[flag] = copy[bound];
      delete copy[bound];
    } else if (copy[flag] === false) delete copy[flag];
  }
  return copy;
}

function validatorOf(schema: JsonSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(forAjv(schema) as object);
    validators.set(schema, validate);
  }
  return validate;
}

beforeAll(async () => {
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'pb-properties-'));
  await writeDummyPayDirectory(dir, { accounts: 3, payments: 6 });
  await writeDummyPayExchange(dir, { orders: 4, conversions: 3 });
  const connectorID = (await seed('POST', '/v3/connectors/install/dummypay', {
    name: 'properties',
    directory: dir,
    pollingPeriod: '1s',
  })) as string;
  await eventually(async () => {
    const page = (await call('GET', '/v3/payments?pageSize=100')).body as { cursor: { data: unknown[] } };
    return page.cursor.data.length >= 6 ? true : undefined;
  });
  await eventually(async () => {
    const page = (await call('GET', '/v3/conversions?pageSize=100')).body as { cursor: { data: unknown[] } };
    const orders = (await call('GET', '/v3/orders?pageSize=100')).body as { cursor: { data: unknown[] } };
    return page.cursor.data.length >= 3 && orders.cursor.data.length >= 4 ? true : undefined;
  });
  const ids = async (path: string, field = 'id') =>
    (
      (await call('GET', `${path}${path.includes('?') ? '&' : '?'}pageSize=100`)).body as {
        cursor: { data: Record<string, string>[] };
      }
    ).cursor.data.map((row) => row[field] as string);
  const accounts = await ids('/v3/accounts');
  const internal = await ids(
    `/v3/accounts?query=${encodeURIComponent(stringifyJson({ $match: { type: 'INTERNAL' } }))}`,
  );
  const bankAccounts = [
    (await seed('POST', '/v3/bank-accounts', { name: 'one', iban: 'FR7630006000011234567890189' })) as string,
    (await seed('POST', '/v3/bank-accounts', { name: 'two', accountNumber: '12345678' })) as string,
  ];
  const psu = (await seed('POST', '/v3/payment-service-users', {
    name: 'someone',
    bankAccountIDs: [bankAccounts[0]],
  })) as string;
  const pools = [
    (await seed('POST', '/v3/pools', { name: 'static', accountIDs: internal.slice(0, 2) })) as string,
    (await seed('POST', '/v3/pools', { name: 'dynamic', query: { $match: { type: 'INTERNAL' } } })) as string,
  ];
  const initiations: string[] = [];
  for (const reference of ['waiting-1', 'waiting-2']) {
    const data = (await seed('POST', '/v3/payment-initiations', {
      reference,
      connectorID,
      type: 'TRANSFER',
      amount: 100,
      asset: 'EUR/2',
      sourceAccountID: internal[0],
      destinationAccountID: internal[1],
      scheduledAt: '0001-01-01T00:00:00Z',
    })) as { paymentInitiationID: string };
    initiations.push(data.paymentInitiationID);
  }
  const task = (await seed('POST', `/v3/bank-accounts/${bankAccounts[1]}/forward`, { connectorID })) as {
    taskID: string;
  };
  // Well-formed ids nobody holds, so that operations meet unknown resources (404) and not only undecodable ids.
  const nobody = { provider: 'dummypay', reference: '00000000-0000-4000-8000-000000000000' };
  const unknown = {
    connector: connectorIdCodec.encode(nobody),
    account: accountIdCodec.encode({ connectorId: nobody, reference: 'nobody' }),
    payment: paymentIdCodec.encode({ connectorId: nobody, reference: 'nobody', type: 'PAYOUT' }),
    initiation: paymentInitiationIdCodec.encode(nobody, 'nobody'),
    task: taskIdCodec.encode(nobody, 'nobody'),
    order: orderIdCodec.encode({ connectorId: nobody, reference: 'nobody' }),
    conversion: conversionIdCodec.encode({ connectorId: nobody, reference: 'nobody' }),
  };
  Object.assign(hints, {
    connectorID: [connectorID, unknown.connector],
    connector: ['dummypay', 'generic'],
    accountID: [...accounts, unknown.account],
    sourceAccountID: internal,
    destinationAccountID: accounts,
    accountIDs: internal,
    paymentID: [...(await ids('/v3/payments')), unknown.payment],
    paymentInitiationID: [...initiations, unknown.initiation],
    bankAccountID: bankAccounts,
    bankAccountIDs: bankAccounts,
    psuID: [psu],
    poolID: pools,
    taskID: [task.taskID, unknown.task],
    orderID: [...(await ids('/v3/orders')), unknown.order],
    conversionID: [...(await ids('/v3/conversions')), unknown.conversion],
    scheduleID: await ids(`/v3/connectors/${connectorID}/schedules`),
    asset: ['EUR/2', 'USD/2', 'JPY/0'],
    query: ['{}', stringifyJson({ $match: { id: 'x' } }), stringifyJson({ $or: [{ $match: { id: 'x' } }] })],
  });

  const doc = (await call('GET', '/openapi.json')).body as {
    paths: Record<string, Record<string, Operation>>;
  };
  // The v3 API: its errors are the v3 envelope. (Other documented routes, such as an OAuth2 token endpoint,
  // answer in their own formats.)
  const v3 = Object.entries(doc.paths).filter(([path]) => path.startsWith('/v3/'));
  endpoints = v3.flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const upper = method.toUpperCase();
      const filterBody = upper === 'GET' && (operation.parameters ?? []).some((p) => p.name === 'query');
      return { method: upper, path, operation, filterBody };
    }),
  );
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function urlOf(
  endpoint: Endpoint,
  segments: Record<string, string>,
  query: string[],
  prefixed: boolean,
): string {
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_m, name: string) => segments[name] ?? '');
  const url = prefixed ? path.replace(/^\/v3\//, '/api/payments/v3/') : path;
  return query.length > 0 ? `${url}?${query.join('&')}` : url;
}

const encode = (value: unknown) =>
  encodeURIComponent(typeof value === 'string' ? value : stringifyJson(value));

/** Well-formed requests: every parameter and the body drawn from their schemas, ids mostly real. */
function validProbe(endpoint: Endpoint): fc.Arbitrary<Probe> {
  const parameters = endpoint.operation.parameters ?? [];
  const key = `${endpoint.method} ${endpoint.path}`;
  const idHints: Hints = DESTRUCTIVE.has(key) ? {} : hints;
  const pathArbs = Object.fromEntries(
    parameters
      .filter((p) => p.in === 'path')
      .map((p) => [p.name, arbitraryOf(p.schema, idHints, p.name).map((v) => encode(v))]),
  );
  const queryArbs = parameters
    .filter((p) => p.in === 'query')
    .map((p) =>
      fc
        .option(arbitraryOf(p.schema, hints, p.name), { freq: 2 })
        .map((v) => (v === null ? undefined : `${p.name}=${encode(v)}`)),
    );
  const bodySchema = endpoint.operation.requestBody?.content['application/json'].schema;
  return fc
    .record({
      segments: fc.record(pathArbs),
      query: fc.tuple(...queryArbs),
      body: bodySchema ? arbitraryOf(bodySchema, idHints) : fc.constant(undefined),
      prefixed: fc.boolean(),
    })
    .map(({ segments, query, body, prefixed }) => ({
      kind: 'valid',
      method: endpoint.method,
      url: urlOf(
        endpoint,
        segments,
        query.filter((q): q is string => q !== undefined),
        prefixed,
      ),
      ...(body === undefined ? {} : { body: stringifyJson(body) }),
      mustFail: false,
    }));
}

/** Requests the service must refuse with a 4xx (or, for unknown keys, may accept), built on valid ones. */
function invalidProbe(endpoint: Endpoint): fc.Arbitrary<Probe> {
  const parameters = endpoint.operation.parameters ?? [];
  const pathNames = parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const bodySchema = endpoint.operation.requestBody?.content['application/json'].schema;
  const base = validProbe(endpoint);
  const mutations: fc.Arbitrary<Probe>[] = [];
  const refused = (probe: Probe, kind: string, change: Partial<Probe>): Probe => ({
    ...probe,
    ...change,
    kind,
    mustFail: true,
  });

  // Any route: a query parameter, documented or not, whose value is not storable or not decodable.
  mutations.push(
    fc
      .tuple(base, fc.constantFrom('junk', ...parameters.filter((p) => p.in === 'query').map((p) => p.name)))
      .chain(([probe, name]) =>
        fc.constantFrom(...BAD_QUERY_VALUES).map((value) =>
          refused(probe, `bad query ${name}`, {
            url: `${probe.url}${probe.url.includes('?') ? '&' : '?'}${name}=${value}`,
          }),
        ),
      ),
  );
  if (pathNames.length > 0) {
    mutations.push(
      fc
        .tuple(base, fc.constantFrom(...pathNames), fc.constantFrom(...BAD_SEGMENTS))
        .map(([, name, segment]) => {
          // Rebuilt from the template so that the bad segment replaces exactly one parameter.
          const segments = Object.fromEntries(pathNames.map((n) => [n, n === name ? segment : 'AAAA']));
          return {
            kind: `bad path ${name}`,
            method: endpoint.method,
            url: urlOf(endpoint, segments, [], false),
            mustFail: true,
          };
        }),
    );
  }
  const typed = (name: string, values: string[]) =>
    parameters.some((p) => p.in === 'query' && p.name === name)
      ? [
          fc.tuple(base, fc.constantFrom(...values)).map(([probe, value]) =>
            refused(probe, `bad ${name}`, {
              url: `${probe.url}${probe.url.includes('?') ? '&' : '?'}${name}=${value}`,
            }),
          ),
        ]
      : [];
  mutations.push(
    ...typed('pageSize', ['abc', '-1', '1.5', '99999999999']),
    ...typed('cursor', ['garbage', 'e30', encode(Buffer.from('{"v":1}').toString('base64url'))]),
    ...typed('query', [
      encode(deepFilter(11)),
      encode('{"$match":'),
      encode({ $in: { id: ['a'] } }),
      encode([1]),
    ]),
    ...typed('from', ['2024-02-30T00%3A00%3A00Z', 'yesterday']),
    ...typed('toTimestamp', ['2024-13-01T00%3A00%3A00Z', '2024']),
    ...typed('at', ['2024-02-30T00%3A00%3A00Z', 'now']),
  );

  if (endpoint.method === 'GET') {
    const bodies = endpoint.filterBody
      ? [
          stringifyJson(deepFilter(11)),
          stringifyJson({ $or: Array.from({ length: 1001 }, () => ({ $match: { id: 'x' } })) }),
          '[1]',
          '{"$match":',
        ]
      : ['{"a":1}', '{}', 'null'];
    mutations.push(
      fc
        .tuple(base, fc.constantFrom(...bodies))
        .map(([probe, body]) =>
          refused(probe, endpoint.filterBody ? 'bad filter body' : 'body on GET', { body }),
        ),
    );
  }

  if (bodySchema) {
    const properties = Object.entries(bodySchema.properties ?? {});
    const bodyOf = (probe: Probe) => JSON.parse(String(probe.body ?? '{}')) as unknown;
    mutations.push(
      // The whole body of the wrong JSON type, not JSON, not UTF-8, not JSON at all, or missing.
      fc
        .tuple(base, fc.constantFrom('[1]', '"text"', '42', '{"a":', '', '\u00ff'))
        .map(([probe, body]) => refused(probe, 'bad body', { body })),
      fc.tuple(base).map(([probe]) =>
        refused(probe, 'not UTF-8', {
          body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
        }),
      ),
      fc.tuple(base).map(([probe]) => refused(probe, 'wrong content type', { contentType: 'text/plain' })),
      // Past the body limit (1 MiB, 500 kB for connector configs).
      fc
        .tuple(base)
        .map(([probe]) =>
          refused(probe, 'huge body', { body: stringifyJson({ padding: 'x'.repeat(1_100_000) }) }),
        ),
      // Text PostgreSQL cannot store, as a value or a key, at the top or inside any object of the body.
      fc
        .tuple(base, fc.constantFrom(...NASTY_TEXT), fc.boolean(), fc.nat())
        .map(([probe, text, asKey, pick]) => {
          const body = bodyOf(probe);
          const objects: Record<string, unknown>[] = [];
          const collect = (value: unknown) => {
            if (typeof value !== 'object' || value === null) return;
            if (!Array.isArray(value)) objects.push(value as Record<string, unknown>);
            Object.values(value).forEach(collect);
          };
          collect(body);
          const target = objects[pick % Math.max(objects.length, 1)];
          if (target === undefined) return refused(probe, 'NUL body', { body: stringifyJson(text) });
          if (asKey) target[`k${text}`] = 'v';
          else target.note = text;
          return refused(probe, asKey ? 'NUL key' : 'NUL value', { body: stringifyJson(body) });
        }),
      fc.tuple(base).map(([probe]) =>
        refused(probe, '__proto__ key', {
          body: String(probe.body ?? '{}')
            .replace(/^\{/, '{"__proto__":{"x":"y"},')
            .replace(',}', '}'),
        }),
      ),
      // Unknown keys: the service may ignore them, but must still answer as documented.
      fc.tuple(base, fc.string({ minLength: 1, maxLength: 8 })).map(([probe, key]) => {
        const body = bodyOf(probe);
        const changed =
          typeof body === 'object' && body !== null && !Array.isArray(body)
            ? { ...body, [`x-${key}`]: 1 }
            : body;
        return { ...probe, kind: 'unknown key', body: stringifyJson(changed) };
      }),
    );
    if (properties.length > 0) {
      mutations.push(
        // A documented property of the wrong type, or an integer far out of range.
        fc.tuple(base, fc.constantFrom(...properties)).map(([probe, [name, schema]]) => {
          const body = bodyOf(probe) as Record<string, unknown>;
          const wrong: Record<string, string> = {
            string: '12345',
            integer: `"12"`,
            number: '"1.5"',
            boolean: '"yes"',
            array: '{"a":1}',
            object: '"text"',
          };
          const type = schema.type ?? (schema.anyOf ? 'anyOf' : 'any');
          const replacement = type === 'integer' ? HUGE_INTEGER : wrong[type];
          if (replacement === undefined) return { ...probe, kind: `retyped ${name} (${type})` };
          const text = stringifyJson({ ...body, [name]: '__REPLACED__' }).replace(
            '"__REPLACED__"',
            replacement,
          );
          return refused(probe, `retyped ${name}`, { body: text });
        }),
      );
    }
  }
  return fc.oneof(...mutations);
}

interface Failure {
  operation: string;
  probe: Probe;
  problem: string;
}

function check(endpoint: Endpoint, probe: Probe, response: RawResponse): string | undefined {
  const documented = endpoint.operation.responses[String(response.status)];
  if (response.status >= 500) return `answered ${response.status}: ${response.text}`;
  if (!documented)
    return `answered ${response.status}, which is not documented: ${response.text.slice(0, 300)}`;
  if (probe.mustFail && response.status < 400) return `accepted an invalid request with ${response.status}`;
  const type = response.headers['content-type'];
  if (response.status === 204 || response.status === 304) {
    if (response.text !== '' || type !== undefined)
      return `an empty answer carries ${String(type)}: ${response.text}`;
    return undefined;
  }
  // A documented non-JSON answer (the CSV export): the content type it documents, and a body.
  const other = Object.keys(documented.content ?? {}).find((t) => t !== 'application/json');
  if (other && typeof type === 'string' && type.split(';')[0] === other)
    return response.text === '' ? `an empty ${other} answer` : undefined;
  if (typeof type !== 'string' || !/^application\/json(;|$)/.test(type))
    return `content type ${String(type)}`;
  const schema = documented.content?.['application/json'].schema;
  if (!schema)
    return `status ${response.status} documents no body, but one came: ${response.text.slice(0, 200)}`;
  const body = JSON.parse(response.text) as unknown;
  const validate = validatorOf(schema);
  if (!validate(body)) {
    return `body does not match the schema of ${response.status}: ${ajv.errorsText(validate.errors)}; ${response.text.slice(0, 300)}`;
  }
  if (response.status >= 400) {
    const envelope = body as { errorCode?: unknown; errorMessage?: unknown };
    if (
      !(ERROR_CODES as readonly unknown[]).includes(envelope.errorCode) ||
      typeof envelope.errorMessage !== 'string'
    ) {
      return `not the v3 error envelope: ${response.text}`;
    }
  }
  return undefined;
}

async function explore(kind: 'valid' | 'invalid'): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const [index, endpoint] of endpoints.entries()) {
    const operation = `${endpoint.method} ${endpoint.path}`;
    const probes = kind === 'valid' ? validProbe(endpoint) : invalidProbe(endpoint);
    const result = await fc.check(
      fc.asyncProperty(probes, async (probe) => {
        const response = await rawRequest(service.url, {
          method: probe.method,
          path: probe.url,
          ...(probe.body === undefined ? {} : { body: probe.body }),
          ...(probe.contentType ? { headers: { 'content-type': probe.contentType } } : {}),
        });
        const problem = check(endpoint, probe, response);
        if (problem) throw new Error(problem);
      }),
      { seed: SEED + index * 2 + (kind === 'valid' ? 0 : 1), numRuns: RUNS, endOnFailure: true },
    );
    if (result.failed) {
      const [probe] = (result.counterexample ?? []) as [Probe];
      const problem =
        result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      failures.push({ operation, probe, problem });
    }
  }
  return failures;
}

describe('every operation of the OpenAPI document', () => {
  it('answers generated valid requests as documented', async () => {
    expect(endpoints.length).toBeGreaterThan(50);
    expect(await explore('valid')).toEqual([]);
  });

  it('refuses generated invalid requests as documented, with a 4xx in the envelope', async () => {
    expect(await explore('invalid')).toEqual([]);
  });
});
