// Auth in tests: clients created by the `paybridge clients create` command (a child process, as an
// operator runs it) against a test service's database, and tokens fetched from its token endpoint.
import { expect } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import type { TestDatabase } from './database.js';

/** A test service, or anything else that names the test database. */
export interface WithDatabase {
  database: Pick<TestDatabase, 'url'>;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** What the service's own process reads: the same database and encryption key. */
export function databaseEnv(service: WithDatabase): Record<string, string> {
  return {
    DATABASE_URL: service.database.url,
    PAYBRIDGE_ENCRYPTION_KEY: 'test-key-not-for-production',
    LOG_LEVEL: 'warn',
  };
}

export async function createClient(
  service: WithDatabase,
  name: string,
  scopes?: string,
): Promise<TestClient> {
  const args = ['clients', 'create', name, '--json', ...(scopes === undefined ? [] : ['--scopes', scopes])];
  const result = await runCli(args, { env: databaseEnv(service) });
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as TestClient;
}

export interface TokenAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** POSTs a form to the token endpoint as is, with an optional Authorization header. */
export async function tokenRequest(
  baseUrl: string,
  form: Record<string, string>,
  authorization?: string,
  path = '/api/auth/oauth/token',
): Promise<TokenAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** A token for `client` (with `scope` when given), through the form; fails the test on any refusal. */
export async function fetchToken(baseUrl: string, client: TestClient, scope?: string): Promise<string> {
  const answer = await tokenRequest(baseUrl, {
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    ...(scope === undefined ? {} : { scope }),
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return String(answer.body.access_token);
}

export async function call(
  baseUrl: string,
  path: string,
  options: { method?: string; token?: string; authorization?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}
