// One plain HTTP call to a service's API, its JSON body read bigint-exact: for tests that check answers the SDK would hide.
import { parseJson, stringifyJson } from '../../src/domain/json.js';

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

export async function apiCall(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : stringifyJson(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (parseJson(text) as Record<string, unknown>) : undefined };
}
